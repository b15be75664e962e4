"""Promise 2 of docs/robustness.md: a finished epoch is never lost. The installed commands run as a
user runs them (in their own process group, a Ctrl-C sent twice as `uv run` under a terminal
delivers it); a Ctrl-C inside a save is simulated in-process at the moment the file is synced."""

import os
import shutil
import signal
import subprocess
import sys

import pytest

from tests.conftest import CHUCK, random_text, run_until, signal_group_twice, start
from tlm import persistence
from tlm.cli import main as tlm


def no_temp_files(folder):
    return not [p for p in folder.rglob("*") if p.name.startswith(".tmp-")]


@pytest.fixture(scope="module")
def text(tmp_path_factory):
    return random_text(tmp_path_factory.mktemp("epochs") / "text.txt")


@pytest.mark.slow
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_after_an_epoch_saves_it(text, tmp_path, signum, status):
    path = tmp_path / "m.json"
    process = start("tlm", "train", "--filepath", text, "--epochs", 200, "--output", path)
    assert run_until(process, "Epoch 1/200")
    signal_group_twice(process, signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == status, err
    assert "Traceback" not in err and "saved the model after" in err and "--resume" in err
    assert persistence.load(path).training.epochs_done >= 1
    assert no_temp_files(tmp_path)


@pytest.mark.slow
def test_a_signal_before_the_first_epoch_keeps_the_old_file(text, tmp_path):
    path = tmp_path / "m.json"
    path.write_text("precious")
    process = start("tlm", "train", "--filepath", text, "--epochs", 5, "--output", path, "--batch-size", 1)
    assert run_until(process, "Training on")
    signal_group_twice(process, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "nothing saved" in err and "Traceback" not in err
    assert path.read_text() == "precious" and no_temp_files(tmp_path)


@pytest.fixture
def ctrl_c_while_saving(monkeypatch):
    """Ctrl-C (twice) while the model file is being written."""
    real = os.fsync

    def interrupted(fd):
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        return real(fd)

    monkeypatch.setattr(os, "fsync", interrupted)


@pytest.mark.parametrize("kind", ["embedding", "counts"])
def test_ctrl_c_during_the_final_save_lets_it_finish(tmp_path, run, ctrl_c_while_saving, kind):
    path = tmp_path / "m.json"
    code, out, err = run(tlm, "train", "--kind", kind, "--filepath", CHUCK, "--output", path)
    assert code == 130 and "the save was completed first" in err
    assert f"Model saved to {path}" in out
    assert persistence.load(path).kind == kind and no_temp_files(tmp_path)


def test_resume_continues_with_the_same_batch_size(run, tmp_path):
    path = tmp_path / "m.json"
    text = tmp_path / "t.txt"
    text.write_text(CHUCK.read_text() * 20)
    assert run(tlm, "train", "--filepath", text, "--batch-size", "4", "--epochs", "1", "--output", path)[0] == 0
    assert run(tlm, "train", "--filepath", text, "--resume", "--epochs", "1", "--output", path)[0] == 0
    assert persistence.load(path).training.batch_size == 4 and persistence.load(path).training.epochs_trained == 2


@pytest.mark.slow
def test_uv_run_double_ctrl_c_saves_the_finished_epoch(text, tmp_path):
    """The case that lost work before: one Ctrl-C under `uv run`, arriving twice."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")  # the direct-command tests above cover the rest
    path = tmp_path / "m.json"
    process = subprocess.Popen([uv, "run", "--no-sync", "tlm", "train", "--filepath", str(text), "--epochs", "200",
                                "--output", str(path)], cwd=os.path.dirname(sys.executable) + "/../..",
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert run_until(process, "Epoch 1/200")
    signal_group_twice(process, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err and "saved the model after" in err, err
    assert persistence.load(path).training.epochs_done >= 1


def test_a_run_that_diverges_saves_the_epochs_it_finished(tmp_path, run):
    path = tmp_path / "m.json"
    code, out, err = run(tlm, "train", "--filepath", CHUCK, "--lr", "1", "--lr-schedule", "constant", "--epochs", 40,
                         "--output", path)
    assert code == 1 and len(err.splitlines()) == 1 and "diverged" in err, err
    model = persistence.load(path)
    done = model.training.epochs_done
    assert 1 <= done < 40 and f"saved the {done} complete epochs before it to {path}" in err
    assert out.splitlines()[-1].startswith(f"Epoch {done}/40")
    assert no_temp_files(tmp_path)


def test_epochs_that_would_not_load_again_leave_the_old_file(tmp_path, run, monkeypatch):
    # A run diverging may have reached weights or losses past what a model file holds before its loss
    # became infinite: such a file is not written over the old one.
    path = tmp_path / "m.json"
    path.write_text("precious")

    def would_not_load(raw, path="the model"):
        raise persistence.ModelFileError(f"{path}: a weight beyond 1e6")

    monkeypatch.setattr(persistence, "from_json", would_not_load)
    code, _, err = run(tlm, "train", "--filepath", CHUCK, "--lr", "1", "--lr-schedule", "constant", "--epochs", 40,
                       "--output", path)
    assert code == 1 and len(err.splitlines()) == 1 and "diverged" in err and "saved" not in err, err
    assert path.read_text() == "precious" and no_temp_files(tmp_path)
