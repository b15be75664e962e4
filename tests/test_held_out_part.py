"""The held-out part of `tlm train --val-fraction`: its loss and perplexity, and a note (not an
error) when it is too small or made of words the training part does not have."""

import numpy as np
import pytest

from tests.conftest import CHUCK, needs_gutenberg
from tlm import persistence
from tlm.cli import main as tlm


@pytest.mark.parametrize("kind", ["embedding", "counts"])
def test_a_held_out_part_too_small_says_so(run, tmp_path, kind):
    code, out, err = run(tlm, "train", "--kind", kind, "--filepath", CHUCK, "--val-fraction", "0.05",
                         "--output", tmp_path / "m.json")
    assert code == 0 and "too few for a context of 2" in err and "val_loss" not in out


@pytest.mark.parametrize("kind", ["embedding", "counts"])
def test_a_held_out_part_of_unknown_words_says_so(run, tmp_path, kind):
    text = tmp_path / "distinct.txt"
    text.write_text(" ".join(f"w{i}" for i in range(200)) + "\n")
    code, out, err = run(tlm, "train", "--kind", kind, "--filepath", text, "--val-fraction", "0.5",
                         "--output", tmp_path / "m.json")
    assert code == 0 and "val_loss" not in out, err
    assert "100 of them are words the training part does not have" in err


def test_the_smallest_add_k_still_saves_a_model_with_its_huge_perplexity(run, tmp_path):
    text = tmp_path / "ab.txt"
    text.write_text("a b " * 20 + "b " * 40 + "\n")
    code, out, err = run(tlm, "train", "--kind", "counts", "--filepath", text, "--add-k", "1e-100",
                         "--val-fraction", "0.5", "--output", tmp_path / "ak.json")
    assert code == 0 and "ppl=1.9e+101" in out, err
    assert persistence.load(tmp_path / "ak.json").history["val_loss"] == [pytest.approx(233.2029, abs=1e-4)]


@pytest.mark.slow
@needs_gutenberg
def test_character_level_trains_at_the_defaults(tmp_path, run):
    code, out, err = run(tlm, "train", "--gutenberg", "blake-poems.txt", "-t", "char", "--val-fraction", "0.1",
                         "--output", tmp_path / "c.json")
    assert code == 0, err
    val = persistence.load(tmp_path / "c.json").history["val_loss"]
    assert all(np.isfinite(val)) and val[-1] < val[0] < np.log(72)
