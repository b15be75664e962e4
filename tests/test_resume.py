"""Exact resume: a run stopped by a real Ctrl-C after some epochs and continued with `--resume`
ends with exactly the parameters of the same run left alone, and a new plan says what it does."""

import json
import signal
from dataclasses import replace

import numpy as np
import pytest

from tests.conftest import random_text, run_until, signal_group_twice, start
from tlm import persistence
from tlm.cli import main

EPOCHS = 12
SETTINGS = {"linear": [], "constant": ["--lr-schedule", "constant"], "adam": ["--optimizer", "adam", "--lr", "0.01"]}


@pytest.fixture(scope="module")
def text(tmp_path_factory):
    return random_text(tmp_path_factory.mktemp("text") / "text.txt", tokens=6000)


def interrupt_after(process, line_start):
    """Ctrl-C twice (as a terminal under uv run delivers it) once stdout shows `line_start`."""
    if run_until(process, line_start):
        signal_group_twice(process, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return process.returncode, err


@pytest.mark.slow
@pytest.mark.parametrize("setting", SETTINGS)
def test_interrupted_and_resumed_equals_uninterrupted(text, tmp_path, run, setting):
    extra = SETTINGS[setting]
    whole = tmp_path / "whole.json"
    assert run(main, "train", "--filepath", text, "--epochs", EPOCHS, "--val-fraction", "0.1", *extra,
               "--output", whole)[0] == 0

    stopped = tmp_path / "stopped.json"
    process = start("tlm", "train", "--filepath", text, "--epochs", EPOCHS, "--val-fraction", "0.1", *extra,
                    "--output", stopped)
    code, err = interrupt_after(process, f"Epoch 2/{EPOCHS}")
    assert code == 130, err
    assert "Traceback" not in err and "saved the model after" in err
    interrupted = persistence.load(stopped)
    assert 2 <= interrupted.training.epochs_done < EPOCHS

    code, out, err = run(main, "train", "--filepath", text, "--val-fraction", "0.1", "--resume", "--output", stopped)
    assert code == 0, err
    assert f"finishing its plan, epochs {interrupted.training.epochs_done + 1}-{EPOCHS} of {EPOCHS}" in err
    a, b = persistence.load(whole), persistence.load(stopped)
    for name in "EWb":
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.history == b.history
    assert replace(a.training, optimizer_state={}) == replace(b.training, optimizer_state={})
    assert a.training.optimizer_state.keys() == b.training.optimizer_state.keys()
    for key, value in a.training.optimizer_state.items():
        np.testing.assert_array_equal(value, b.training.optimizer_state[key])
    if setting == "adam":
        assert a.training.optimizer_state["t"] > 0


def test_a_new_plan_on_resume_is_announced(text, tmp_path, run):
    path = tmp_path / "m.json"
    assert run(main, "train", "--filepath", text, "--epochs", 2, "--output", path)[0] == 0
    code, out, err = run(main, "train", "--filepath", text, "--resume", "--epochs", 3, "--lr", "0.05", "--output", path)
    assert code == 0, err
    assert ("new plan: 3 more epochs, sgd at lr 0.05 decaying linearly to 0 over them, full softmax (its previous "
            "plan was finished; 2 epochs trained so far)") in err
    model = persistence.load(path)
    assert (model.training.epochs, model.training.epochs_done, model.training.epochs_trained) == (3, 3, 5)
    assert out.splitlines()[1].startswith("Epoch 1/3")


def test_resume_of_a_finished_plan_without_epochs_starts_the_default_plan(text, tmp_path, run):
    path = tmp_path / "m.json"
    assert run(main, "train", "--filepath", text, "--epochs", 1, "--output", path)[0] == 0
    code, _, err = run(main, "train", "--filepath", text, "--resume", "--output", path)
    assert code == 0 and "new plan: 5 more epochs" in err


def test_finishing_a_plan_refuses_other_settings(text, tmp_path, run, monkeypatch):
    path = tmp_path / "m.json"
    assert run(main, "train", "--filepath", text, "--epochs", 3, "--output", path)[0] == 0
    doc = json.loads(path.read_text())
    doc["training"]["epochs"] = 6  # as if stopped after 3 of 6 epochs
    path.write_text(json.dumps(doc))
    code, _, err = run(main, "train", "--filepath", text, "--resume", "--lr", "0.3", "--output", path)
    assert code == 1 and "finishes the plan" in err and "--epochs K" in err


def test_finishing_a_plan_on_other_text_is_refused(text, tmp_path, run):
    path = tmp_path / "m.json"
    assert run(main, "train", "--filepath", text, "--epochs", 3, "--output", path)[0] == 0
    doc = json.loads(path.read_text())
    doc["training"]["epochs"] = 6
    path.write_text(json.dumps(doc))
    before = path.read_bytes()
    other = random_text(tmp_path / "other.txt", tokens=5000, seed=1)
    code, _, err = run(main, "train", "--filepath", other, "--resume", "--output", path)
    assert code == 1 and "this text differs from the one it started on" in err and "--epochs K" in err
    assert path.read_bytes() == before
    assert run(main, "train", "--filepath", other, "--resume", "--epochs", 1, "--output", path)[0] == 0


@pytest.mark.slow
def test_the_interruption_message_says_how_to_finish(text, tmp_path):
    path = tmp_path / "m.json"
    process = start("tlm", "train", "--filepath", text, "-t", "lower", "--val-fraction", "0.1", "--epochs", 200,
                    "--output", path)
    code, err = interrupt_after(process, "Epoch 1/200")
    assert code == 130
    command = f"tlm train --filepath {text} -t lower --val-fraction 0.1 --output {path} --resume"
    assert f"`{command}` finishes the plan" in err




def test_a_sampled_model_takes_a_new_plan_of_the_full_softmax(tmp_path, run):
    from tests.conftest import CHUCK

    path = tmp_path / "m.json"
    assert run(main, "train", "--filepath", CHUCK, "--loss", "sampled", "--samples", 4, "--epochs", 1,
               "--output", path)[0] == 0
    for engine in ([], ["--reference"]):
        code, _, err = run(main, "train", "--filepath", CHUCK, "--resume", "--epochs", 1, "--loss", "full", *engine,
                           "--output", path)
        assert code == 0, err
        assert (persistence.load(path).training.loss, persistence.load(path).training.samples) == ("full", 0)


def test_finishing_a_plan_takes_the_options_that_started_it(text, tmp_path, run):
    # A batch larger than the text and more candidates than words were trained as the whole text and
    # every word: the same command with --resume finishes the plan.
    path = tmp_path / "m.json"
    options = ["--filepath", text, "--loss", "sampled", "--samples", 100_000, "--batch-size", 100_000, "--lr", "0.01"]
    assert run(main, "train", *options, "--epochs", 1, "--output", path)[0] == 0
    doc = json.loads(path.read_text())
    doc["training"]["epochs"] = 2  # as if stopped after 1 of 2 epochs
    path.write_text(json.dumps(doc))
    code, _, err = run(main, "train", *options, "--resume", "--output", path)
    assert code == 0 and "finishing its plan, epochs 2-2 of 2" in err, err


def test_the_reference_loop_refuses_the_adam_plan_it_would_resume(tmp_path, run):
    from tests.conftest import CHUCK

    path = tmp_path / "m.json"
    assert run(main, "train", "--filepath", CHUCK, "--optimizer", "adam", "--epochs", 1, "--output", path)[0] == 0
    before = path.read_bytes()
    code, _, err = run(main, "train", "--filepath", CHUCK, "--resume", "--epochs", 1, "--reference", "--output", path)
    assert code == 1 and len(err.splitlines()) == 1 and "reference loop" in err and "sgd" in err
    assert path.read_bytes() == before
