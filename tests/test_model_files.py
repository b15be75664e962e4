"""Model files: what `tlm train` writes loads back to the same model (version 2: base64 arrays),
version 1 files still load and resume, and a damaged or foreign file is one line naming what is
wrong: the field, for a file that parses but does not fit the schema."""

import base64
import json

import numpy as np
import pytest

from tests.conftest import CHUCK
from tests.conftest import assert_clean_error as shared_assert_clean_error
from tlm import persistence
from tlm.cli import main


def assert_clean_error(code, err, *needles):
    shared_assert_clean_error(code, err, "tlm", *needles)


@pytest.fixture
def folded(tmp_path, run):
    """chuck.txt with --min-count 3: some words are folded into <unk>."""
    path = tmp_path / "folded.json"
    assert run(main, "train", "--filepath", CHUCK, "--min-count", "3", "--epochs", "2", "--output", path)[0] == 0
    return path


def test_save_load_round_trip_gives_the_same_probabilities(trained):
    model = persistence.load(trained[0])
    again_path = trained[0].with_name("again.json")
    persistence.save(model, again_path)
    again = persistence.load(again_path)
    for context in (["how", "much"], ["wood"], []):
        np.testing.assert_array_equal(model.predict(context), again.predict(context))
    assert again.config == model.config and again.history == model.history and again.training == model.training
    doc = json.loads(again_path.read_text())
    assert doc["format"] == "tinylm-model" and doc["version"] == 2
    assert doc["config"]["n"] == 2 and doc["training"]["epochs_trained"] == 5
    assert doc["params"]["E"]["dtype"] == "float32" and doc["params"]["E"]["shape"] == [11, 32]


@pytest.mark.parametrize("content, needle", [
    ("{not json", "not valid JSON"),
    ('{"hello": "world"}', "not a tlm model file"),
    ('[1, 2, 3]', "not a tlm model file"),
    ('{"format": "tinylm-model", "version": 99, "kind": "embedding"}', "version 99"),
])
def test_corrupt_or_foreign_model(run, tmp_path, content, needle):
    (tmp_path / "bad.json").write_text(content)
    assert_clean_error(*run(main, "generate", "--model", tmp_path / "bad.json")[::2], needle)


def test_damaged_model_file(trained, run):
    import base64

    doc = json.loads(trained[0].read_text())
    W = doc["params"]["W"]
    W["shape"] = [32, 10]
    W["data"] = base64.b64encode(base64.b64decode(W["data"])[:32 * 10 * 4]).decode()
    trained[0].write_text(json.dumps(doc))
    assert_clean_error(*run(main, "generate", "--model", trained[0])[::2], "damaged", "W has shape")


def test_missing_model_file(run, tmp_path):
    assert_clean_error(*run(main, "generate", "--model", tmp_path / "none.json")[::2], "not found")


def test_version_2_arrays_are_exact_little_endian_float32(folded):
    model = persistence.load(folded)
    doc = json.loads(folded.read_text())
    for name in "EWb":
        stored = doc["params"][name]
        raw = np.frombuffer(base64.b64decode(stored["data"]), dtype="<f4").reshape(stored["shape"])
        np.testing.assert_array_equal(raw, getattr(model, name))
    assert doc["version"] == 2 and doc["folded"] == sorted(model.vocabulary.folded)


def v1_document():
    """A version-1 file as the first tlm wrote it: arrays as nested lists, settings in config."""
    vocab = ["a", "b", "c"]
    rng = np.random.default_rng(0)
    E, W, b = (rng.standard_normal(s).astype(np.float32) for s in ((3, 2), (2, 3), (3,)))
    doc = {"format": "tinylm-model", "version": 1, "kind": "embedding",
           "config": {"n": 1, "embedding_dim": 2, "transforms": [], "seed": 4, "lr": 0.05, "batch_size": 1,
                      "optimizer": "sgd", "schedule": "linear", "epochs_trained": 3},
           "vocab": vocab, "word_counts": [4, 2, 1], "E": E.tolist(), "W": W.tolist(), "b": b.tolist(),
           "history": {"loss": [1.2, 1.1, 1.0], "val_loss": [None, None, None]}}
    return doc, E, W, b


def test_version_1_file_still_loads(tmp_path, run):
    doc, E, W, b = v1_document()
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(doc))
    model = persistence.load(path)
    assert model.vocab == ["a", "b", "c"] and model.n == 1 and model.config.seed == 4
    for name, expected in zip("EWb", (E, W, b)):
        np.testing.assert_array_equal(getattr(model, name), expected)
    state = model.training
    assert (state.lr, state.epochs_trained, state.finished) == (0.05, 3, True)
    assert model.history["loss"] == [1.2, 1.1, 1.0] and model.word_counts.tolist() == [4, 2, 1]
    code, out, err = run(main, "generate", "--model", path, "--length", "5", "--seed", "0")
    assert code == 0 and set(out.split()) <= {"a", "b", "c"}
    # Saving it again writes version 2 with the same numbers.
    persistence.save(model, tmp_path / "v2.json")
    again = persistence.load(tmp_path / "v2.json")
    np.testing.assert_array_equal(again.E, E)
    assert json.loads((tmp_path / "v2.json").read_text())["version"] == 2


def test_resume_a_version_1_file(tmp_path, run):
    doc, *_ = v1_document()
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(doc))
    text = tmp_path / "abc.txt"
    text.write_text("a b c a b c a b\n")
    code, out, err = run(main, "train", "--resume", "--filepath", text, "--epochs", "1", "--output", path)
    assert code == 0, err
    assert persistence.load(path).training.epochs_trained == 4



def encoded(array, dtype="<f4"):
    array = np.asarray(array, dtype=dtype)
    return {"dtype": "float32" if dtype == "<f4" else "int64", "shape": list(array.shape),
            "data": base64.b64encode(array.tobytes()).decode()}


@pytest.mark.parametrize("change, field", [
    (lambda d: d["config"].update(n=0), "config.n"),
    (lambda d: d["config"].update(embedding_dim=True), "config.embedding_dim"),
    (lambda d: d["config"].update(transforms=["upper"]), "config.transforms[0]"),
    (lambda d: d["config"].update(colour="red"), "config.colour"),
    (lambda d: d["training"].update(lr=-0.1), "training.lr"),
    (lambda d: d["training"].update(lr="0.1"), "training.lr"),
    (lambda d: d["training"].update(optimizer="rmsprop"), "training.optimizer"),
    (lambda d: d["training"].update(epochs_done=6), "training.epochs_done"),
    (lambda d: d["training"].update(optimizer_state={"t": 1}), "training.optimizer_state"),
    (lambda d: d["params"].update(E=encoded(np.zeros((11, 31)))), "E has shape (11, 31), expected (11, 32)"),
    (lambda d: d["params"].update(b=encoded([np.nan] * 11)), "params.b holds NaN"),
    (lambda d: d["params"].update(b={"dtype": "float16", "shape": [11], "data": ""}), "params.b.dtype"),
    (lambda d: d["params"].update(b={"dtype": "float32", "shape": [11], "data": "%%"}), "params.b its data is not"),
    (lambda d: d["params"].pop("W"), "params.W is missing"),
    (lambda d: d.update(word_counts=encoded([-1] * 11, "<i8")), "word_counts must not be negative"),
    (lambda d: d["vocab"].__setitem__(1, "a"), "vocab repeats an entry"),
    (lambda d: d["history"].update(val_loss=["low"]), "history.val_loss[0]"),
])
def test_a_file_that_does_not_fit_the_schema_names_the_field(trained, run, change, field):
    doc = json.loads(trained[0].read_text())
    change(doc)
    trained[0].write_text(json.dumps(doc))
    assert_clean_error(*run(main, "predict", "--model", trained[0], "how")[::2], "is a damaged tlm model file", field)


def test_a_count_model_file_with_a_bad_row_names_its_table(tmp_path, run):
    path = tmp_path / "counts.json"
    assert run(main, "train", "--kind", "counts", "--filepath", CHUCK, "--output", path)[0] == 0
    doc = json.loads(path.read_text())
    doc["ngrams"][1][0] = [0, 99, 1]  # a next token outside the vocabulary
    path.write_text(json.dumps(doc))
    assert_clean_error(*run(main, "predict", "--model", path, "how")[::2], "bad n-gram row [0, 99, 1] in table 1")


def test_adam_moments_round_trip(tmp_path, run):
    path = tmp_path / "adam.json"
    assert run(main, "train", "--filepath", CHUCK, "--optimizer", "adam", "--lr", "0.01", "--epochs", "1",
               "--output", path)[0] == 0
    state = persistence.load(path).training.optimizer_state
    assert state["t"] == 30 and state["m_E"].shape == (11, 32) and state["v_W"].shape == (32, 11)
    assert np.abs(state["m_b"]).sum() > 0
