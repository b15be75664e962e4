"""A closed or full standard output never costs work (promises 2 and 4 of docs/robustness.md):
`tlm train | head -1` still trains and saves its model, every command exits quietly with status 0
when its reader stops early, and a full stdout is one line and exit 1."""

import pytest
from gensim.test.utils import datapath

from tests.conftest import CHUCK, command, sh
from tlm import persistence
from tlm.cli import main as tlm

GLOVE = datapath("test_glove.txt")


@pytest.mark.slow
def test_training_into_a_closed_pipe_still_saves_the_model(tmp_path):
    result = sh(f"'{command('tlm')}' train --filepath '{CHUCK}' --epochs 300 --output p.json | head -1", tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("Training on"), result.stderr
    assert result.stderr == ""
    assert persistence.load(tmp_path / "p.json").training.epochs_done == 300


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["tlm", "generate", "--model", "m.json", "--length", "20000"],
    ["tlm", "predict", "--model", "m.json", "how", "-k", "11"],
    ["tlm", "similar", "--model", "m.json", "wood"],
    ["wp", "--model", GLOVE, "similar", "he", "-n", "50"],
    ["wp", "--model", GLOVE, "vector", "he"],
])
@pytest.mark.parametrize("reader", ["head -c 1", "true"])
def test_every_command_exits_quietly_on_a_closed_pipe(tmp_path, argv, reader):
    assert tlm(["train", "--filepath", str(CHUCK), "--output", str(tmp_path / "m.json")]) == 0
    cmd = " ".join(f"'{a}'" for a in [command(argv[0]), *argv[1:]])
    result = sh(f"{cmd} | {reader} > /dev/null", tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr


@pytest.mark.slow
def test_a_full_stdout_is_one_line_and_the_model_is_still_saved(tmp_path):
    result = sh(f"'{command('tlm')}' train --filepath '{CHUCK}' --output f.json > /dev/full", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "tlm: error: cannot write to standard output: No space left on device"
    assert persistence.load(tmp_path / "f.json").training.epochs_done == 5


def test_a_broken_pipe_in_process_is_not_an_error(run, monkeypatch, capsys):
    """The same in-process: the first failed write ends the output, the command still succeeds."""
    import sys

    from wp.cli import main as wp

    class Closed:
        def write(self, s):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

        def fileno(self):
            raise ValueError("no file")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert wp(["--model", GLOVE, "similar", "he", "-n", "50"]) == 0
    assert capsys.readouterr().err == ""
