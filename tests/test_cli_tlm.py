"""The lab walkthrough through `tlm.cli.main`, and every bad input it must refuse cleanly."""

import io
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import assert_clean_error as shared_assert_clean_error
from tests.conftest import CHUCK, needs_gutenberg
from tlm import persistence
from tlm.cli import main

CHUCK_VOCAB = ["a", "all", "chuck", "could", "how", "if", "it", "much", "the", "wood", "would"]


def test_train_prints_the_documented_lines(trained):
    path, out = trained
    lines = out.splitlines()
    assert len(lines) == 7
    assert lines[0] == (f"Training on {CHUCK}: 32 tokens, 11 words, 715 parameters (n=2, d=32), batch 1, 5 epochs")
    for i, line in enumerate(lines[1:6], start=1):
        assert re.fullmatch(rf"Epoch {i}/5  loss=\d+\.\d{{4}}", line), line
    assert lines[6] == f"Model saved to {path}"
    losses = [float(line.split("loss=")[1]) for line in lines[1:6]]
    assert abs(losses[0] - math.log(11)) < 0.3  # starts near uniform guessing
    assert all(a > b for a, b in zip(losses, losses[1:]))  # and falls every epoch


def test_trained_model_has_the_lab_shapes(trained):
    model = persistence.load(trained[0])
    assert model.vocab == CHUCK_VOCAB
    assert model.E.shape == (11, 32) and model.W.shape == (32, 11) and model.b.shape == (11,)
    assert model.word_to_idx["wood"] == 9


def test_train_without_source_uses_the_builtin_corpus(tmp_path, run, trained):
    path = tmp_path / "default.json"
    code, out, err = run(main, "train", "--output", path)
    assert code == 0
    assert "built-in chuck.txt" in err
    assert out.splitlines()[1:6] == trained[1].splitlines()[1:6]  # same text, same seed, same losses


def test_generate_prints_text_from_the_vocabulary(trained, run):
    code, out, err = run(main, "generate", "--model", trained[0], "--length", "20", "--prompt", "how much", "--seed", "1")
    assert code == 0, err
    words = out.split()
    assert words[:2] == ["how", "much"] and len(words) == 22
    assert set(words) <= set(CHUCK_VOCAB)


def test_generate_is_reproducible_with_a_seed(trained, run):
    outs = {run(main, "generate", "--model", trained[0], "--seed", "7", "--top-k", "3", "--temperature", "0.7")[1] for _ in range(2)}
    assert len(outs) == 1


@pytest.mark.parametrize("temperature", ["1e-320", "1e-300", "1000"])
def test_generate_at_extreme_temperatures(trained, run, temperature):
    code, out, err = run(main, "generate", "--model", trained[0], "--length", "5", "--seed", "1",
                         "--temperature", temperature)
    assert code == 0, err
    assert len(out.split()) == 5 and set(out.split()) <= set(CHUCK_VOCAB)


def test_interact_reads_piped_input(trained, run, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("print(model.E.shape)\nprint(round(model.similarity('wood', 'wood'), 3))\n"))
    code, out, err = run(main, "generate", "--model", trained[0], "--length", "3", "--interact")
    assert code == 0
    assert "(11, 32)" in out.splitlines() and "1.0" in out.splitlines()
    assert "model" in err and "np" in err  # the banner lists what is in scope


@pytest.mark.parametrize("script, status, printed, said", [
    ("exit()\n", 0, [], ""),
    ("print(1)\nexit(3)\nprint(2)\n", 3, ["1"], ""),
    ("quit('bye')\n", 1, [], "bye"),
    ("import sys; sys.exit()\n", 0, [], ""),
    ("for i in range(3): print(i)\n", 0, ["0", "1", "2"], ""),  # the input's end ends the block, as in Python
    ("def f(\n", 0, [], "SyntaxError: '(' was never closed"),
])
def test_interact_ends_as_pythons_shell_does(trained, run, monkeypatch, script, status, printed, said):
    monkeypatch.setattr(sys, "stdin", io.StringIO(script))
    code, out, err = run(main, "generate", "--model", trained[0], "--length", "0", "--interact")
    assert code == status and out.split() == printed, err
    assert said in err and "Traceback" not in err


class Terminal(io.StringIO):
    """Typed lines with Ctrl-D between them (None): a terminal reads on after each Ctrl-D."""

    def __init__(self, typed):
        super().__init__()
        self.typed = list(typed)

    def isatty(self):
        return True

    def readline(self, *args):
        return self.typed.pop(0) or "" if self.typed else ""


def test_interact_on_a_terminal_runs_each_block_ended_by_ctrl_d(trained, run, monkeypatch):
    """As Python's shell: Ctrl-D runs the block it ends, or says at once why it cannot run, and the
    shell reads on; a Ctrl-D at an empty prompt ends it."""
    monkeypatch.setattr(sys, "stdin", Terminal(["if 1:\n", "  print('a')\n", None, "if 1:\n", "  print('b')\n", None,
                                                "def f(\n", None, "def g():\n", None, "print('after')\n", None,
                                                "print('never')\n"]))
    code, out, err = run(main, "generate", "--model", trained[0], "--length", "0", "--interact")
    assert code == 0 and [w for w in out.split() if w.isalpha()] == ["a", "b", "after"], err
    assert "SyntaxError: '(' was never closed" in err and "IndentationError: expected an indented block" in err


@pytest.mark.slow
def test_interact_through_the_installed_command(trained):
    tlm = os.path.join(os.path.dirname(sys.executable), "tlm")
    result = subprocess.run([tlm, "generate", "--model", str(trained[0]), "--interact"], input="print(model.E.shape)\n",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "(11, 32)" in result.stdout.splitlines()


def test_same_seed_same_model_different_seed_different_model(tmp_path, run):
    paths = [tmp_path / f"m{i}.json" for i in range(3)]
    for path, seed in zip(paths, [5, 5, 6]):
        assert run(main, "train", "--filepath", CHUCK, "--seed", seed, "--output", path)[0] == 0
    a, b, c = (persistence.load(p) for p in paths)
    np.testing.assert_array_equal(a.E, b.E)
    assert not np.array_equal(a.E, c.E)


def test_resume_continues_and_skips_unknown_words(trained, run, tmp_path):
    text = tmp_path / "more.txt"
    text.write_text("how much wood would a woodchuck chuck if a woodchuck could chuck wood\n")
    code, out, err = run(main, "train", "--filepath", text, "--output", trained[0], "--resume", "--epochs", "2")
    assert code == 0, err
    assert "Skipped 2 tokens (1 words)" in err and "woodchuck" in err
    model = persistence.load(trained[0])
    assert model.training.epochs_trained == 7 and len(model.history["loss"]) == 7
    assert "new plan: 2 more epochs" in err
    assert model.vocab == CHUCK_VOCAB


def test_val_fraction_reports_held_out_loss_and_perplexity(tmp_path, run):
    code, out, err = run(main, "train", "--filepath", CHUCK, "--val-fraction", "0.25", "--epochs", "2", "--output", tmp_path / "m.json")
    assert code == 0, err
    first = out.splitlines()[1]
    m = re.fullmatch(r"Epoch 1/2  loss=(\S+)  val_loss=(\S+)  ppl=(\S+)", first)
    assert m and float(m[3]) == pytest.approx(math.exp(float(m[2])), rel=1e-3)


@pytest.mark.parametrize("transform, expected", [
    ([], ["Wood", ",", "wood", "!", "It's", "42", "."]),
    (["lower"], ["wood", ",", "wood", "!", "it's", "42", "."]),
    (["alpha"], ["Wood", "wood"]),
    (["lower", "alpha"], ["wood", "wood"]),
    (["char"], list("Wood , wood ! It's 42 .")),
    (["char", "alpha"], list("Woodwood") + ["I", "t", "s"]),
])
def test_each_tokenizer_transform(transform, expected):
    from tlm.tokenizer import tokenize

    assert tokenize("Wood, wood! It's 42.", transform) == expected


def test_char_model_generates_characters(tmp_path, run):
    path = tmp_path / "c.json"
    assert run(main, "train", "-t", "char", "-t", "lower", "--epochs", "1", "--output", path)[0] == 0
    model = persistence.load(path)
    assert " " in model.vocab and all(len(t) == 1 for t in model.vocab)
    code, out, _ = run(main, "generate", "--model", path, "--prompt", "wo", "--length", "10", "--seed", "0")
    assert code == 0 and out.startswith("wo") and len(out.rstrip("\n")) == 12


def test_help_lists_every_transform(run):
    code, out, _ = run(main, "train", "--help")
    assert code == 0
    for name in ("lower", "alpha", "char"):
        assert re.search(rf"^\s+{name}\s+\S", out, re.M), name


@pytest.mark.slow
@needs_gutenberg
def test_gutenberg_text(tmp_path, run):
    path = tmp_path / "carroll.json"
    code, out, err = run(main, "train", "--gutenberg", "carroll-alice.txt", "-t", "lower", "-t", "alpha",
                         "--epochs", "2", "--output", path, "--val-fraction", "0.1")
    assert code == 0, err
    model = persistence.load(path)
    assert 2000 < len(model.vocab) < 3000 and "alice" in model.vocab
    losses = model.history["val_loss"]
    assert losses[1] < losses[0] < math.log(len(model.vocab))


# ---- bad input: one line on stderr, non-zero exit, no traceback ---------------------------------

def assert_clean_error(code, err, *needles):
    shared_assert_clean_error(code, err, "tlm", *needles)


def test_missing_file(run, tmp_path):
    assert_clean_error(*run(main, "train", "--filepath", tmp_path / "nope.txt", "--output", tmp_path / "m.json")[::2], "not found")


def test_empty_file(run, tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    assert_clean_error(*run(main, "train", "--filepath", tmp_path / "empty.txt")[::2], "empty")


def test_non_utf8_file(run, tmp_path):
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    assert_clean_error(*run(main, "train", "--filepath", tmp_path / "latin1.txt")[::2], "not UTF-8", "0xe9")


@needs_gutenberg
def test_unknown_gutenberg_id(run):
    assert_clean_error(*run(main, "train", "--gutenberg", "austen-nope.txt")[::2], "unknown Gutenberg id", "austen-emma.txt")


def test_nothing_left_after_transforms(run, tmp_path):
    (tmp_path / "digits.txt").write_text("1 2 3 , 4 !\n")
    assert_clean_error(*run(main, "train", "--filepath", tmp_path / "digits.txt", "-t", "alpha")[::2], "no tokens left")


def test_context_window_longer_than_corpus(run, tmp_path):
    (tmp_path / "short.txt").write_text("how much wood\n")
    assert_clean_error(*run(main, "train", "--filepath", tmp_path / "short.txt", "--context-window", "5")[::2],
                       "context window of 5")


def test_prompt_word_not_in_vocabulary(trained, run):
    assert_clean_error(*run(main, "generate", "--model", trained[0], "--prompt", "how mutch")[::2], "'mutch'", "'much'")


def test_diverging_learning_rate_keeps_the_previous_model(trained, run):
    before = trained[0].read_bytes()
    code, out, err = run(main, "train", "--filepath", CHUCK, "--lr", "900", "--output", trained[0])
    assert_clean_error(code, err, "diverged", "smaller learning rate (--lr)")
    assert trained[0].read_bytes() == before
    assert not [p for p in trained[0].parent.iterdir() if p.name.startswith(".tmp-")]


def test_ctrl_c_saves_complete_epochs_only(tmp_path, run, monkeypatch):
    from tlm import training

    calls = {"n": 0}
    real = training.batched.forward

    def interrupt_in_third_epoch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2 * 30 + 5:  # chuck.txt has 30 examples, one per update
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(training.batched, "forward", interrupt_in_third_epoch)
    path = tmp_path / "m.json"
    code, out, err = run(main, "train", "--filepath", CHUCK, "--output", path)
    assert code == 130
    assert "saved the model after 2 complete epoch(s)" in err
    model = persistence.load(path)
    assert model.training.epochs_done == 2 and model.training.epochs == 5 and len(model.history["loss"]) == 2


@pytest.mark.parametrize("argv, needle", [
    (["train", "--epochs", "0"], "--epochs"),
    (["train", "--lr", "-1"], "--lr"),
    (["train", "--val-fraction", "1.5"], "--val-fraction"),
    (["train", "--batch-size", "0"], "--batch-size"),
    (["train", "--reference", "--optimizer", "adam"], "the reference loop is plain per-example SGD"),
    (["train", "--reference", "--batch-size", "4"], "the reference loop is plain per-example SGD"),
    (["train", "--reference", "--loss", "sampled"], "the reference loop trains the full softmax"),
])
def test_bad_settings(run, tmp_path, argv, needle):
    assert_clean_error(*run(main, *argv, "--output", tmp_path / "m.json")[::2], needle)


def test_resume_without_a_model(run, tmp_path):
    assert_clean_error(*run(main, "train", "--resume", "--output", tmp_path / "none.json")[::2], "not found")


def test_resume_with_conflicting_settings(trained, run):
    assert_clean_error(*run(main, "train", "--resume", "--output", trained[0], "--embedding-dim", "8")[::2], "--embedding-dim")


def test_unwritable_output(run, tmp_path):
    assert_clean_error(*run(main, "train", "--output", tmp_path / "no" / "such" / "dir" / "m.json")[::2], "does not exist")


@pytest.mark.parametrize("flag", ["--context-window", "--embedding-dim"])
def test_non_positive_sizes_are_refused(run, tmp_path, flag):
    code, _, err = run(main, "train", flag, "0", "--output", tmp_path / "m.json")
    assert code == 2
    assert_clean_error(code, err, flag, "must be at least 1")
    assert not (tmp_path / "m.json").exists()


def test_gutenberg_offline_without_a_copy_says_how_to_point_nltk_data(run, monkeypatch, tmp_path):
    import socket

    import nltk

    def no_network(*args, **kwargs):
        raise OSError("network is unreachable (simulated)")

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    assert_clean_error(*run(main, "train", "--gutenberg", "austen-emma.txt", "--output", tmp_path / "m.json")[::2],
                       "NLTK_DATA", "could not be downloaded")
