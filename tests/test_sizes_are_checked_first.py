"""Promise 4 of docs/robustness.md, for sizes: a model, batch, count table or file that cannot fit
is refused before it is allocated or read, in one line saying what to make smaller. The memory
available is made small with `ulimit -v`, far above what the commands need to start."""

import pytest

from tests.conftest import CHUCK, assert_clean_error, command, random_text, sh
from tlm.cli import main as tlm


def capped(argv, tmp_path, kilobytes=1_500_000):
    """Run an installed command under `ulimit -v` (KB)."""
    return sh(f"ulimit -v {kilobytes}; exec " + " ".join(f"'{a}'" for a in argv), tmp_path)


@pytest.mark.slow
def test_a_model_too_big_for_memory(tmp_path):
    text = tmp_path / "many.txt"
    text.write_text(" ".join(f"w{i}" for i in range(3000)) + "\n")
    result = capped([command("tlm"), "train", "--filepath", text, "--embedding-dim", "100000"], tmp_path)
    assert_clean_error(result.returncode, result.stderr, "tlm", "needs about", "--embedding-dim")
    assert not (tmp_path / "model.json").exists()


@pytest.mark.slow
def test_a_count_table_too_big_for_memory(tmp_path):
    text = random_text(tmp_path / "t.txt", tokens=400_000)
    result = capped([command("tlm"), "train", "--kind", "counts", "--context-window", "64", "--filepath", text],
                    tmp_path)
    assert_clean_error(result.returncode, result.stderr, "tlm", "needs about")


@pytest.mark.slow
def test_a_batch_whose_context_rows_cannot_fit(tmp_path):
    text = tmp_path / "tenw.txt"
    text.write_text(" ".join(f"w{i % 10}" for i in range(20_000)) + "\n")
    result = capped([command("tlm"), "train", "--filepath", text, "--embedding-dim", "100000", "--batch-size", "20000",
                     "--lr", "0.0001"], tmp_path, kilobytes=4_000_000)
    assert_clean_error(result.returncode, result.stderr, "tlm", "needs about")


def test_a_huge_batch_is_clamped_to_the_examples(run, tmp_path):
    code, out, err = run(tlm, "train", "--filepath", CHUCK, "--batch-size", "1000000000", "--epochs", "1",
                         "--output", tmp_path / "m.json")
    assert code == 0 and "batch 30" in out.splitlines()[0]


def test_a_huge_model_file_is_refused_without_reading_it(tmp_path, run):
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(2 * 1024**3)  # sparse: 2 GiB that take no disk
    assert_clean_error(*run(tlm, "generate", "--model", big)[::2], "tlm", "2.1 GB", "1.0 GB")
