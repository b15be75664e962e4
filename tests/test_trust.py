"""Trust: nothing loaded runs code, nothing trained is lost, nothing written goes where it should not.

Each case runs the installed commands as a user would (in their own process group, signals sent
twice as `uv run` under a terminal delivers them, pipes closed early) or `main(argv)` in-process."""

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from gensim.test.utils import datapath

from tests.conftest import CHUCK, assert_clean_error, command, random_text, run_until, signal_group_twice, start
from tlm import persistence
from tlm.cli import main as tlm
from wp.cli import main as wp

FIXTURE = datapath("test_glove.txt")


class Evil:
    """A pickle that creates a file when it is loaded."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def no_temp_files(folder):
    return not [p for p in folder.rglob("*") if p.name.startswith(".tmp-") or p.name.endswith(".lock")]


# ---- no pickle is loaded without an explicit opt-in ---------------------------------------------

def test_a_pickle_given_as_model_runs_nothing(tmp_path, run):
    evil, marker = tmp_path / "evil.kv", tmp_path / "pwned"
    evil.write_bytes(pickle.dumps(Evil(marker)))
    code, out, err = run(wp, "--model", evil, "similar", "cat")
    assert_clean_error(code, err, "wp", "pickle", "--allow-pickle")
    assert not marker.exists()


@pytest.mark.parametrize("name", ["evil.model", "evil.bin", "evil.txt"])
def test_a_pickle_under_any_name_is_known_by_its_contents(tmp_path, run, name):
    evil, marker = tmp_path / name, tmp_path / "pwned"
    evil.write_bytes(pickle.dumps(Evil(marker), protocol=4))
    assert_clean_error(*run(wp, "--model", evil, "similar", "cat")[::2], "wp", "is a Python pickle", "--allow-pickle")
    assert not marker.exists()


def test_allowed_pickles_of_whole_models_or_odd_contents(tmp_path, run):
    """With --allow-pickle: a whole Word2Vec model gives its vectors; keys that are no words, NaN
    vectors and objects that are not vectors are one line each."""
    from gensim.models import KeyedVectors, Word2Vec

    Word2Vec([["a", "b", "c"]] * 10, vector_size=4, min_count=1, seed=1, workers=1).save(str(tmp_path / "w2v.model"))
    code, out, err = run(wp, "--allow-pickle", "--model", tmp_path / "w2v.model", "similar", "a", "-n", "2")
    assert code == 0 and sorted(line.split()[0] for line in out.splitlines()) == ["b", "c"], err
    for name, keys, vectors, needle in (("ints.kv", [1, 2], np.ones((2, 3)), "not a string"),
                                        ("nan.kv", ["a", "b"], [[1, 2, 3], [np.nan, 1, 1]], "NaN")):
        kv = KeyedVectors(3)
        kv.add_vectors(keys, np.asarray(vectors, dtype=np.float32))
        kv.save(str(tmp_path / name))
        assert_clean_error(*run(wp, "--allow-pickle", "--model", tmp_path / name, "similar", "a")[::2], "wp", needle)
    (tmp_path / "int.kv").write_bytes(pickle.dumps(7))
    assert_clean_error(*run(wp, "--allow-pickle", "--model", tmp_path / "int.kv", "similar", "a")[::2],
                       "wp", "cannot read")


def test_a_pickle_planted_in_the_cache_runs_nothing(tmp_path, run):
    code, expected, _ = run(wp, "--model", FIXTURE, "similar", "he", "-n", "1")
    assert code == 0
    entry = next((tmp_path / "cache").iterdir())
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Evil(marker))
    for name in ("vectors.kv", "vectors.npy", "unit.npy"):  # the old cache's pickle, and pickles as arrays
        (entry / name).write_bytes(payload)
    np.save(entry / "words.npy", np.array([Evil(marker)], dtype=object), allow_pickle=True)
    code, out, err = run(wp, "--model", FIXTURE, "similar", "he", "-n", "1")
    assert code == 0 and out == expected, err
    assert not marker.exists()
    assert np.load(entry / "vectors.npy", allow_pickle=False).shape == (76, 50)  # rebuilt


def test_processes_started_together_build_a_cache_entry_once(monkeypatch):
    """A second load of a model being converted waits for the first and reads its entry, rather than
    converting too and replacing the folder the first is reading (which said "cannot write the cache")."""
    from wp import models

    started, release, conversions = threading.Event(), threading.Event(), []
    read = models.read_text_vectors

    def slow_read(*args, **kwargs):
        conversions.append(1)
        started.set()
        release.wait(10)
        return read(*args, **kwargs)

    monkeypatch.setattr(models, "read_text_vectors", slow_read)
    loaded = {}
    threads = [threading.Thread(target=lambda i=i: loaded.__setitem__(i, models.load_file(FIXTURE))) for i in range(2)]
    threads[0].start()
    assert started.wait(10)
    threads[1].start()
    time.sleep(0.3)  # the second is waiting for the entry's lock
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(conversions) == 1
    assert [loaded[i].note for i in range(2)] == [None, None] and loaded[0].vectors.words == loaded[1].vectors.words


def test_a_run_waits_a_bounded_time_for_a_stalled_converter_then_reads_without_the_cache(monkeypatch):
    from edge import files
    from wp import models

    monkeypatch.setattr(models, "CACHE_WAIT_S", 0.3)
    first = models.load_file(FIXTURE)  # the entry's name, and the answer to expect
    entry = next(p for p in models.cache_dir().iterdir() if p.is_dir())
    shutil.rmtree(entry)
    with files.exclusive(entry, wait_s=0):  # a converter that never finishes (stopped, or on a hung disk)
        started = time.monotonic()
        loaded = models.load_file(FIXTURE)
        assert time.monotonic() - started < 5
    assert f"(pid {os.getpid()}) has been converting" in loaded.note and "without the cache" in loaded.note
    assert loaded.vectors.words == first.vectors.words and not entry.exists()


def test_the_cache_rebuilds_entries_whose_parts_disagree(tmp_path, run):
    expected = run(wp, "--model", FIXTURE, "similar", "he", "-n", "1")[1]
    entry = next((tmp_path / "cache").iterdir())
    np.save(entry / "unit.npy", np.zeros((3, 50), dtype=np.float32))  # wrong shape
    assert run(wp, "--model", FIXTURE, "similar", "he", "-n", "1")[1] == expected
    (entry / "words.txt").write_text("he\nshe\n")  # fewer words than rows
    assert run(wp, "--model", FIXTURE, "similar", "he", "-n", "1")[1] == expected
    manifest = json.loads((entry / "manifest.json").read_text())
    manifest["dtype"] = "float64"
    (entry / "manifest.json").write_text(json.dumps(manifest))
    assert run(wp, "--model", FIXTURE, "similar", "he", "-n", "1")[1] == expected


# ---- nothing trained is lost ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def text(tmp_path_factory):
    return random_text(tmp_path_factory.mktemp("trust") / "text.txt")


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_after_an_epoch_saves_it(text, tmp_path, signum, status):
    path = tmp_path / "m.json"
    process = start("tlm", "train", "--filepath", text, "--epochs", 200, "--output", path)
    assert run_until(process, "Epoch 1/200")
    signal_group_twice(process, signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == status, err
    assert "Traceback" not in err and "saved the model after" in err
    assert persistence.load(path).training.epochs_done >= 1
    assert no_temp_files(tmp_path)


def test_a_signal_before_the_first_epoch_saves_nothing_and_keeps_the_old_file(text, tmp_path):
    path = tmp_path / "m.json"
    path.write_text("precious")
    process = start("tlm", "train", "--filepath", text, "--epochs", 5, "--output", path, "--batch-size", 1)
    assert run_until(process, "Training on")
    signal_group_twice(process, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "nothing saved" in err and "Traceback" not in err
    assert path.read_text() == "precious" and no_temp_files(tmp_path)


def test_ctrl_c_during_the_final_save_lets_it_finish(tmp_path, run, monkeypatch):
    from edge import files

    real = files._stage

    def interrupted_stage(path, data):
        signal.raise_signal(signal.SIGINT)  # Ctrl-C (twice) in the middle of writing the model
        signal.raise_signal(signal.SIGINT)
        return real(path, data)

    monkeypatch.setattr(files, "_stage", interrupted_stage)
    path = tmp_path / "m.json"
    code, out, err = run(tlm, "train", "--filepath", CHUCK, "--output", path)
    assert code == 130 and "the save was completed first" in err
    assert f"Model saved to {path}" in out
    assert persistence.load(path).training.epochs_done == 5 and no_temp_files(tmp_path)


def test_ctrl_c_while_starting_up_is_quiet(text, tmp_path):
    for delay in (0.15, 0.3):  # inside the imports (numpy alone takes 0.3 s here), or just after
        process = start("tlm", "train", "--filepath", text, "--epochs", 50, "--output", tmp_path / "m.json")
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130 and "Traceback" not in err, err


# ---- a closed or full stdout never costs work ----------------------------------------------------

def shell(cmd, tmp_path, timeout=120):
    return subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, cwd=tmp_path,
                          timeout=timeout, env={**os.environ, "WP_CACHE_DIR": str(tmp_path / "cache")})


def test_training_into_a_closed_pipe_still_saves_the_model(tmp_path):
    result = shell(f"'{command('tlm')}' train --filepath '{CHUCK}' --epochs 300 --output p.json | head -1", tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("Training on"), result.stderr
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    assert persistence.load(tmp_path / "p.json").training.epochs_done == 300


@pytest.mark.parametrize("argv", [
    ["tlm", "generate", "--model", "m.json", "--length", "20000"],
    ["tlm", "predict", "--model", "m.json", "how", "-k", "11"],
    ["tlm", "similar", "--model", "m.json", "wood"],
    ["wp", "--model", FIXTURE, "similar", "he", "-n", "50"],
    ["wp", "--model", FIXTURE, "vector", "he"],
])
@pytest.mark.parametrize("reader", ["head -c 1", "true"])
def test_every_command_exits_quietly_on_a_closed_pipe(tmp_path, argv, reader):
    assert tlm(["train", "--filepath", str(CHUCK), "--output", str(tmp_path / "m.json")]) == 0
    cmd = " ".join(f"'{a}'" for a in [command(argv[0]), *argv[1:]])
    result = shell(f"{cmd} | {reader} > /dev/null", tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_a_full_stdout_is_one_line_and_the_model_is_still_saved(tmp_path):
    result = shell(f"'{command('tlm')}' train --filepath '{CHUCK}' --output f.json > /dev/full", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "tlm: error: cannot write to standard output: No space left on device"
    assert persistence.load(tmp_path / "f.json").training.epochs_done == 5


# ---- writes go only where they should ------------------------------------------------------------

@pytest.fixture
def model(tmp_path, run):
    path = tmp_path / "m.json"
    assert run(tlm, "train", "--filepath", CHUCK, "--output", path)[0] == 0
    return path


def test_odd_outputs_are_refused_before_any_work(tmp_path, run, model):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases = {"a FIFO": fifo, "a directory": tmp_path, "empty": ""}
    for what, output in cases.items():
        for argv in (["train", "--filepath", CHUCK], ["export", "--model", model, "--format", "word2vec"],
                     ["plot", "--model", model]):
            start_time = time.perf_counter()
            code, out, err = run(tlm, *argv, "--output", output)
            assert code in (1, 2) and out == "" and "Traceback" not in err, (what, argv, err)
            assert time.perf_counter() - start_time < 5
    assert os.path.isdir(tmp_path) and not os.path.isfile(fifo)


def test_a_symlinked_output_is_written_through(tmp_path, run, model):
    target = tmp_path / "real.json"
    link = tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target)
    assert run(tlm, "train", "--filepath", CHUCK, "--epochs", 1, "--output", link)[0] == 0
    assert link.is_symlink() and persistence.load(target).training.epochs_done == 1


@pytest.mark.parametrize("argv, needle", [
    (["train", "--filepath", "{text}", "--output", "{text}"], "it is the input"),
    (["export", "--model", "{model}", "--format", "word2vec", "--output", "{model}"], "it is the input"),
    (["plot", "--model", "{model}", "--loss", "--output", "{model_png}"], "it is the input"),
])
def test_an_output_that_is_an_input_is_refused(tmp_path, run, model, argv, needle):
    text = tmp_path / "corpus.txt"
    text.write_text(CHUCK.read_text())
    model_png = tmp_path / "m.png"
    os.link(model, model_png)  # the same file under an image name
    before = {p: p.read_bytes() for p in (text, model)}
    names = {"text": text, "model": model, "model_png": model_png}
    code, out, err = run(tlm, *[a.format(**names) for a in argv])
    assert_clean_error(code, err, "tlm", needle)
    assert all(p.read_bytes() == data for p, data in before.items())


def test_tsv_export_writes_both_files_or_neither(tmp_path, run, model):
    (tmp_path / "e.tsv").write_text("old vectors")
    (tmp_path / "e.metadata.tsv").mkdir()
    code, out, err = run(tlm, "export", "--model", model, "--format", "tsv", "--output", tmp_path / "e.tsv")
    assert_clean_error(code, err, "tlm", "e.metadata.tsv", "directory")
    assert (tmp_path / "e.tsv").read_text() == "old vectors" and no_temp_files(tmp_path)


def test_a_failed_plot_leaves_the_old_image(tmp_path, run, monkeypatch):
    from edge import files

    image = tmp_path / "w.png"
    image.write_bytes(b"old image")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    code, out, err = run(wp, "--model", FIXTURE, "plot", "he", "she", "--output", image)
    assert_clean_error(code, err, "wp", "No space left on device")
    assert image.read_bytes() == b"old image" and no_temp_files(tmp_path)


# ---- one writer per model file -------------------------------------------------------------------

def test_a_second_writer_is_refused_at_once(text, tmp_path):
    path = tmp_path / "race.json"
    first = start("tlm", "train", "--filepath", text, "--epochs", 200, "--output", path)
    assert run_until(first, "Epoch 1/200")
    for extra in ([], ["--resume"]):
        second = subprocess.run([command("tlm"), "train", "--filepath", str(text), "--output", str(path), *extra],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"{path} is being written by another process (pid {first.pid})" in second.stderr
    signal_group_twice(first, signal.SIGINT)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 130 and "saved the model after" in err
    assert persistence.load(path).training.epochs_done >= 1 and no_temp_files(tmp_path)


def test_the_lock_is_released_for_the_next_writer(tmp_path, run):
    path = tmp_path / "m.json"
    for _ in range(2):
        assert run(tlm, "train", "--filepath", CHUCK, "--epochs", 1, "--output", path)[0] == 0
    assert no_temp_files(tmp_path)


def test_concurrent_in_process_writers_lose_nothing_silently(tmp_path):
    """Threads cannot take signal handlers, but the lock still keeps two writers apart."""
    from edge import files
    from edge.errors import UserError

    path, outcomes = tmp_path / "x.json", []

    def write():
        try:
            with files.exclusive(path):
                time.sleep(0.3)
                outcomes.append("wrote")
        except UserError as e:
            outcomes.append(str(e))

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "wrote" and "being written by another process" in sorted(outcomes)[0]


def test_uv_run_double_ctrl_c_saves_the_finished_epoch(text, tmp_path):
    """The case that lost work before: one Ctrl-C under `uv run`, arriving twice."""
    import shutil

    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")  # .ci/run installs it; the direct-command tests cover the rest
    path = tmp_path / "m.json"
    process = subprocess.Popen([uv, "run", "--no-sync", "tlm", "train", "--filepath", str(text), "--epochs", "200",
                                "--output", str(path)], cwd=os.path.dirname(sys.executable) + "/../..",
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert run_until(process, "Epoch 1/200")
    signal_group_twice(process, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err and "saved the model after" in err, err
    assert persistence.load(path).training.epochs_done >= 1
