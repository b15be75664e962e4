"""Model files written by earlier versions still load and answer as before: the first version-1
files, without word counts, give the same neighbours as the model they were written from."""

import json

from tests.conftest import CHUCK, assert_clean_error
from tlm import persistence
from tlm.cli import main as tlm


def test_the_first_version_1_files_without_word_counts_load(run, tmp_path):
    model = tmp_path / "m.json"
    assert run(tlm, "train", "--filepath", CHUCK, "--output", model)[0] == 0
    doc = json.loads(model.read_text())
    arrays_of = {k: persistence.decode_arrays(doc["params"][k]).tolist() for k in "EWb"}
    v1 = {"format": "tinylm-model", "version": 1, "kind": "embedding",
          "config": {"n": 2, "embedding_dim": 32, "transforms": [], "seed": 0, "lr": 0.1, "batch_size": 1,
                     "optimizer": "sgd", "schedule": "linear", "epochs_trained": 5},
          "vocab": doc["vocab"], **arrays_of, "history": doc["history"]}
    path = tmp_path / "first.json"
    path.write_text(json.dumps(v1))
    code, out, err = run(tlm, "similar", "--model", path, "wood", "-n", "1")
    assert code == 0, err
    counted = run(tlm, "similar", "--model", model, "wood", "-n", "1", "--min-count", "1")[1]
    assert out.split()[:2] == counted.split()[:2]  # the same neighbour and cosine
    assert out.split()[2] == "rank" and counted.split()[2] == "seen"  # without counts, the word's row is shown


def test_files_from_before_the_folded_words_counts_load_and_say_the_threshold(run, tmp_path):
    model = tmp_path / "m.json"
    assert run(tlm, "train", "--filepath", CHUCK, "-t", "lower", "--min-count", "2", "--output", model)[0] == 0
    doc = json.loads(model.read_text())
    assert doc.pop("folded_counts") == [1, 1, 1, 1, 1]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc))
    code, out, err = run(tlm, "similar", "--model", old, "wood")
    assert code == 0 and out == run(tlm, "similar", "--model", model, "wood")[1]
    assert_clean_error(*run(tlm, "similar", "--model", old, "much")[::2], "tlm",
                       "word 'much' was folded into <unk>: it is one of the 5 words seen fewer than 2 times in "
                       "training (--min-count 2)")
    # Training it further keeps the file as it was: no counts are made up for it.
    assert run(tlm, "train", "--filepath", CHUCK, "-t", "lower", "--min-count", "2", "--output", old, "--resume",
               "--epochs", "1")[0] == 0
    assert "folded_counts" not in json.loads(old.read_text())
