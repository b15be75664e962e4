"""Promise 1 of docs/robustness.md: no code runs from a data file. A pickle is refused under any
name unless --allow-pickle is given; pickles planted in wp's cache run nothing."""

import pickle

import numpy as np
import pytest
from gensim.test.utils import datapath

from tests.conftest import assert_clean_error
from wp.cli import main as wp

GLOVE = datapath("test_glove.txt")


class Evil:
    """A pickle that creates a file when it is loaded."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("name, protocol", [("evil.kv", None), ("evil.model", 4), ("evil.bin", 4), ("evil.txt", 2)])
def test_a_pickle_under_any_name_runs_nothing(tmp_path, run, name, protocol):
    evil, marker = tmp_path / name, tmp_path / "pwned"
    evil.write_bytes(pickle.dumps(Evil(marker), protocol=protocol))
    assert_clean_error(*run(wp, "--model", evil, "similar", "cat")[::2], "wp", "pickle", "--allow-pickle")
    assert not marker.exists()


def test_allowed_pickles_of_whole_models_or_odd_contents(tmp_path, run):
    """With --allow-pickle: a whole Word2Vec model gives its vectors; keys that are no words, NaN
    vectors and objects that are not vectors are one line each."""
    from gensim.models import KeyedVectors, Word2Vec

    Word2Vec([["a", "b", "c"]] * 10, vector_size=4, min_count=1, seed=1, workers=1).save(str(tmp_path / "w2v.model"))
    code, out, err = run(wp, "--allow-pickle", "--model", tmp_path / "w2v.model", "similar", "a", "-n", "2")
    assert code == 0 and sorted(line.split()[0] for line in out.splitlines()) == ["b", "c"], err
    for name, keys, vectors in (("ints.kv", [1, 2], np.ones((2, 3))), ("nan.kv", ["a", "b"], [[1, 2, 3], [np.nan, 1, 1]])):
        kv = KeyedVectors(3)
        kv.add_vectors(keys, np.asarray(vectors, dtype=np.float32))
        kv.save(str(tmp_path / name))
        assert_clean_error(*run(wp, "--allow-pickle", "--model", tmp_path / name, "similar", "a")[::2], "wp", name)
    (tmp_path / "int.kv").write_bytes(pickle.dumps(7))
    assert_clean_error(*run(wp, "--allow-pickle", "--model", tmp_path / "int.kv", "similar", "a")[::2], "wp", "int.kv")


def test_a_pickle_planted_in_the_cache_runs_nothing(tmp_path, run):
    code, expected, _ = run(wp, "--model", GLOVE, "similar", "he", "-n", "1")
    assert code == 0
    entry = next(p for p in (tmp_path / "cache").iterdir() if p.is_dir())
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Evil(marker))
    for name in ("vectors.kv", "vectors.npy", "unit.npy"):  # an old cache's pickle, and pickles as arrays
        (entry / name).write_bytes(payload)
    np.save(entry / "words.npy", np.array([Evil(marker)], dtype=object), allow_pickle=True)
    code, out, err = run(wp, "--model", GLOVE, "similar", "he", "-n", "1")
    assert code == 0 and out == expected, err
    assert not marker.exists()
    assert np.load(entry / "vectors.npy", allow_pickle=False).shape == (76, 50)  # rebuilt


def test_a_model_file_is_json_only(run, tmp_path):
    """A tlm model file holding a pickle (as some tools save models) is refused, and runs nothing."""
    from tlm.cli import main as tlm

    evil, marker = tmp_path / "m.json", tmp_path / "pwned"
    evil.write_bytes(pickle.dumps(Evil(marker)))
    assert_clean_error(*run(tlm, "generate", "--model", evil)[::2], "tlm", "m.json")
    assert_clean_error(*run(wp, "--model", evil, "similar", "wood")[::2], "wp", "m.json")
    assert not marker.exists()
