"""Inspecting, evaluating and comparing models: similar/similarity/predict/eval/export/plot on both
model kinds, with known answers from tiny hand-made corpora."""

import json
import math

import numpy as np
import pytest
from gensim.models import KeyedVectors

from tests.conftest import assert_clean_error as shared_assert_clean_error
from tlm import persistence
from tlm.cli import main
from tlm.counts import CountModel
from tlm.model import TinyLanguageModel


def shared_context_corpus(seed=0, sentences=400):
    """'cat' and 'dog' appear in exactly the same contexts; the other nouns never share theirs."""
    rng = np.random.default_rng(seed)
    templates = [["a", "{pet}", "sat", "on", "a", "mat"], ["the", "bird", "flew", "over", "the", "tree"],
                 ["one", "fish", "swam", "in", "one", "lake"]]
    words = []
    for _ in range(sentences):
        t = templates[rng.integers(3)]
        words += [w.format(pet=rng.choice(["cat", "dog"])) for w in t]
    return words


def test_words_sharing_every_context_become_nearest_neighbours():
    model = TinyLanguageModel(n=1, embedding_dim=8, seed=0)
    model.train(shared_context_corpus(), epochs=10, lr=0.1)
    assert model.most_similar("cat", topn=1)[0][0] == "dog"
    assert model.similarity("cat", "dog") > 0.9
    assert model.similarity("cat", "dog") > max(model.similarity("cat", w) for w in ("bird", "fish", "tree", "lake"))


@pytest.fixture(scope="module")
def tiny_text(tmp_path_factory):
    path = tmp_path_factory.mktemp("pets") / "pets.txt"
    path.write_text(" ".join(shared_context_corpus()) + "\n")
    return path


@pytest.fixture(scope="module")
def pets(tiny_text):
    """A model trained once for the module; the tests only read it."""
    path = tiny_text.with_name("pets.json")
    assert main(["train", "--filepath", str(tiny_text), "--context-window", "1", "--embedding-dim", "8",
                 "--epochs", "10", "--output", str(path), "--val-fraction", "0.2"]) == 0
    return path


@pytest.fixture
def counts_model(tmp_path, run):
    text = tmp_path / "abc.txt"
    text.write_text("a b a b a c\n")
    path = tmp_path / "counts.json"
    code, out, err = run(main, "train", "--kind", "counts", "--filepath", text, "--context-window", "2",
                         "--add-k", "0.5", "--output", path)
    assert code == 0, err
    assert out.splitlines()[-1] == f"Model saved to {path}"
    return path


def test_similar_and_similarity_cli(pets, run):
    code, out, _ = run(main, "similar", "--model", pets, "cat", "-n", "2")
    assert code == 0 and out.split()[0] == "dog"
    assert float(out.split()[1]) > 0.9
    code, out, _ = run(main, "similarity", "--model", pets, "cat", "dog", "--vectors", "E")
    assert float(out) == pytest.approx(persistence.load(pets).similarity("cat", "dog"), abs=1e-4)
    code, out, _ = run(main, "similar", "--model", pets, "cat", "--vectors", "W", "--json")
    assert code == 0 and len(json.loads(out)) == 10


def test_predict_cli(pets, run):
    code, out, _ = run(main, "predict", "--model", pets, "cat", "-k", "3", "--json")
    got = json.loads(out)
    assert got[0]["word"] == "sat" and got[0]["probability"] > 0.5
    assert [g["probability"] for g in got] == sorted((g["probability"] for g in got), reverse=True)


def test_count_model_matches_hand_counts(counts_model, run):
    model = persistence.load(counts_model)
    k, V = 0.5, 3
    # After "a": b twice, c once, out of 3 -> add-k smoothed.
    np.testing.assert_allclose(model.predict(["a"]), [(0 + k) / (3 + V * k), (2 + k) / (3 + V * k), (1 + k) / (3 + V * k)])
    # "b a" was seen twice, followed by b then c.
    np.testing.assert_allclose(model.predict(["b", "a"]), [k / (2 + V * k), (1 + k) / (2 + V * k), (1 + k) / (2 + V * k)])
    # "c" never preceded anything: back off to the unigram counts a=3, b=2, c=1 of 6.
    np.testing.assert_allclose(model.predict(["a", "c"]), [(3 + k) / (6 + V * k), (2 + k) / (6 + V * k), (1 + k) / (6 + V * k)])
    code, out, _ = run(main, "predict", "--model", counts_model, "a", "-k", "1")
    assert out.split() == ["b", f"{(2 + k) / (3 + V * k):.4f}"]


def test_count_model_round_trip_and_generate(counts_model, run, tmp_path):
    model = persistence.load(counts_model)
    persistence.save(model, tmp_path / "again.json")
    again = persistence.load(tmp_path / "again.json")
    for context in (["a"], ["b", "a"], ["c"], []):
        np.testing.assert_array_equal(model.predict(context), again.predict(context))
    code, out, _ = run(main, "generate", "--model", counts_model, "--prompt", "a b", "--length", "5", "--seed", "0")
    assert code == 0 and len(out.split()) == 7 and set(out.split()) <= {"a", "b", "c"}


def test_count_model_vectors_are_successor_counts():
    model = CountModel(n=1)
    model.train("a b a b a c".split())
    kv = model.word_vectors()
    # Columns are ordered by frequency: a (3), b (2), c (1); 'a' is followed by b twice and c once.
    np.testing.assert_array_equal(kv["a"], [0, 2, 1])
    np.testing.assert_array_equal(kv["b"], [2, 0, 0])


def test_eval_reports_held_out_loss_and_unknown_words(pets, tiny_text, run, tmp_path):
    code, out, err = run(main, "eval", "--model", pets, "--filepath", tiny_text, "--val-fraction", "0.2", "--json")
    assert code == 0, err
    result = json.loads(out)
    # The same tail that training held out, so the same loss as its last epoch.
    assert result["held_out"]["loss"] == pytest.approx(persistence.load(pets).history["val_loss"][-1], rel=1e-5)
    assert result["held_out"]["perplexity"] == pytest.approx(math.exp(result["held_out"]["loss"]))
    other = tmp_path / "other.txt"
    other.write_text("a cat sat on a zebra mat a dog sat on a mat\n")
    code, out, err = run(main, "eval", "--model", pets, "--filepath", other)
    assert code == 0, err
    assert "1 of 13 tokens unknown" in out and "WordSim353" in out and "Google analogies" in out


def test_eval_of_a_count_model(counts_model, run, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("a b a c\n")
    code, out, _ = run(main, "eval", "--model", counts_model, "--filepath", text, "--json")
    assert code == 0
    model = persistence.load(counts_model)
    # n = 2: "a b" -> a, "b a" -> c
    expected = -np.mean([np.log(model.predict(["a", "b"])[0]), np.log(model.predict(["b", "a"])[2])])
    assert json.loads(out)["held_out"]["loss"] == pytest.approx(expected)


def test_export_word2vec_round_trips_through_gensim(pets, run, tmp_path):
    path = tmp_path / "pets.w2v"
    assert run(main, "export", "--model", pets, "--format", "word2vec", "--output", path, "--vectors", "E")[0] == 0
    kv = KeyedVectors.load_word2vec_format(str(path))
    model = persistence.load(pets)
    by_frequency = sorted(model.vocab, key=lambda w: -model.frequencies()[model.index(w)])  # stable: ties by vocab
    assert kv.index_to_key == by_frequency  # as word-vector files order their rows
    np.testing.assert_array_equal(kv.vectors, model.E[[model.index(w) for w in by_frequency]])
    from wp.cli import main as wp_main

    code, out, _ = run(wp_main, "--model", path, "similar", "cat", "-n", "1")
    assert code == 0 and out.split()[0] == "dog"


def test_export_tsv_for_the_embedding_projector(pets, run, tmp_path):
    code, out, _ = run(main, "export", "--model", pets, "--format", "tsv", "--output", tmp_path / "pets.tsv", "--vectors", "E")
    assert code == 0 and out.split() == [str(tmp_path / "pets.tsv"), str(tmp_path / "pets.metadata.tsv")]
    model = persistence.load(pets)
    words = (tmp_path / "pets.metadata.tsv").read_text().splitlines()
    assert sorted(words) == model.vocab and words[0] == model.vocab[int(np.argmax(model.frequencies()))]
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "pets.tsv", delimiter="\t", dtype=np.float32),
                                  model.E[[model.index(w) for w in words]])


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["--words", "cat", "dog", "bird", "fish"], ["--loss"]])
def test_plots_are_written(pets, run, tmp_path, extra):
    path = tmp_path / "plot.png"
    code, out, err = run(main, "plot", "--model", pets, *extra, "--output", path)
    assert code == 0, err
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 10_000


def test_most_frequent_words_come_from_training_counts(pets):
    model = persistence.load(pets)
    freq = dict(zip(model.vocab, model.frequencies()))
    assert freq["cat"] + freq["dog"] == freq["sat"] and freq["a"] == 2 * freq["mat"]


# ---- errors ------------------------------------------------------------------------------------

def assert_clean_error(code, err, *needles):
    shared_assert_clean_error(code, err, "tlm", *needles)


@pytest.mark.parametrize("argv", [["similar", "kat"], ["similarity", "cat", "kat"], ["predict", "kat"],
                                  ["plot", "--words", "cat", "kat"]])
def test_unknown_word(pets, run, argv):
    assert_clean_error(*run(main, argv[0], "--model", pets, *argv[1:])[::2], "'kat'")


@pytest.mark.parametrize("argv", [["similar", "a"], ["similarity", "a", "b"], ["export", "--format", "tsv", "--output", "x.tsv"],
                                  ["plot"], ["plot", "--loss"]])
def test_model_of_the_wrong_kind(counts_model, run, argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_clean_error(*run(main, argv[0], "--model", counts_model, *argv[1:])[::2], "counts model")


def test_text_with_no_known_words(pets, run, tmp_path):
    (tmp_path / "x.txt").write_text("zebras graze quietly on savannah grass\n")
    assert_clean_error(*run(main, "eval", "--model", pets, "--filepath", tmp_path / "x.txt")[::2], "no run of 2 tokens")


def test_resume_a_count_model_is_refused(counts_model, run):
    assert_clean_error(*run(main, "train", "--kind", "counts", "--resume", "--output", counts_model)[::2], "--resume")
    assert_clean_error(*run(main, "train", "--resume", "--output", counts_model)[::2], "counts model")
