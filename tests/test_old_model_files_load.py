"""Model files written by earlier versions still load and answer as before: the first version-1
files, without word counts, give the same neighbours as the model they were written from."""

import json

from tests.conftest import CHUCK
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
