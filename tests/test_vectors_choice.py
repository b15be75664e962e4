"""Choosing a tlm model's word vectors (--vectors E|W|E+W), the training counts beside neighbours and
the query-time --min-count, query words in the model's own terms, and the warning of an evaluation
on the training text: in `tlm` and in `wp --model FILE.json`, as a learner sees them."""

import io
import json
import sys

import numpy as np
import pytest

from tests.conftest import assert_clean_error
from tlm import persistence
from tlm.cli import main as tlm
from wp.cli import main as wp

SENTENCES = ["The cat sat on the mat.", "A dog sat on a mat.", "The bird flew over the tree.",
             "A fish swam in the lake.", "The Cat saw the dog."]


@pytest.fixture(scope="module")
def text(tmp_path_factory):
    """A small text with capitals, a few frequent words and some seen once ('saw', 'lake', ...)."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("text") / "pets.txt"
    path.write_text(" ".join(rng.choice(SENTENCES[:4], 300)) + " " + SENTENCES[4] + " Zebra.\n")
    return path


@pytest.fixture(scope="module")
def model(text):
    """A model trained on `text` with -t lower -t alpha --min-count 2 (so 'zebra' and 'saw' are folded)."""
    path = text.with_name("pets.json")
    assert tlm(["train", "--filepath", str(text), "-t", "lower", "-t", "alpha", "--min-count", "2",
                "--epochs", "3", "--output", str(path)]) == 0
    return path


def unit(m):
    m = np.asarray(m, dtype=np.float64)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def neighbours_by_numpy(vectors, vocab, word, counts, min_count=1):
    """(word, cosine) of every other word seen at least min_count times, best first, computed plainly."""
    u = unit(vectors)
    i = vocab.index(word)
    cos = u @ u[i]
    ranked = sorted(((cos[j], vocab[j]) for j in range(len(vocab)) if j != i and counts[j] >= min_count),
                    key=lambda p: -p[0])
    return [(w, c) for c, w in ranked]


@pytest.mark.parametrize("which", ["E", "W", "E+W"])
def test_similar_ranks_by_cosine_of_the_chosen_vectors(model, run, which):
    lm = persistence.load(model)
    matrix = {"E": lm.E, "W": lm.W.T, "E+W": unit(lm.E) + unit(lm.W.T)}[which]
    code, out, err = run(tlm, "similar", "--model", model, "cat", "--vectors", which, "-n", "5", "--min-count", "1",
                         "--json")
    assert code == 0, err
    expected = neighbours_by_numpy(matrix, lm.vocab, "cat", lm.frequencies())[:5]
    got = json.loads(out)
    assert [g["word"] for g in got] == [w for w, _ in expected]
    np.testing.assert_allclose([g["cosine"] for g in got], [c for _, c in expected], atol=1e-5)
    code, out, _ = run(tlm, "similarity", "--model", model, "cat", "dog", "--vectors", which)
    assert float(out) == pytest.approx(float(unit(matrix)[lm.vocab.index("cat")] @ unit(matrix)[lm.vocab.index("dog")]),
                                       abs=1e-4)


def test_the_default_is_E_plus_W_and_E_is_unchanged(model, run):
    lm = persistence.load(model)
    default = run(tlm, "similar", "--model", model, "cat", "--json")[1]
    assert default == run(tlm, "similar", "--model", model, "cat", "--json", "--vectors", "E+W")[1]
    e = json.loads(run(tlm, "similar", "--model", model, "cat", "--json", "--vectors", "E", "--min-count", "1")[1])
    assert [(g["word"], pytest.approx(g["cosine"], abs=1e-6)) for g in e] == [
        (w, round(c, 6)) for w, c in lm.most_similar("cat", topn=10)]  # the lab's model.most_similar: rows of E


def test_neighbours_show_training_counts_and_min_count_hides_rare_words(model, text, run):
    from tlm.tokenizer import tokenize

    words = tokenize(text.read_text(), ["lower", "alpha"])
    code, out, _ = run(tlm, "similar", "--model", model, "the", "--min-count", "1", "-n", "100")
    listed = [line.split() for line in out.splitlines()]
    assert {w for w, *_ in listed} >= {"lake", "cat"}
    for word, _, seen, count in listed:
        assert seen == "seen" and int(count.replace(",", "")) == (words.count(word) if word != "<unk>" else 2)
    code, out, _ = run(tlm, "similar", "--model", model, "the", "--min-count", "100", "-n", "100", "--json")
    got = json.loads(out)
    assert got and all(g["count"] >= 100 for g in got)
    assert {g["word"] for g in got} == {w for w in set(words) if words.count(w) >= 100} - {"the"}


@pytest.mark.slow
def test_wp_on_a_tlm_model_shows_counts_and_glove_shows_ranks(model, run):
    from gensim.test.utils import datapath

    tlm_out = json.loads(run(tlm, "similar", "--model", model, "cat", "--json", "--vectors", "W")[1])
    code, out, err = run(wp, "--model", model, "similar", "cat", "--json", "--vectors", "W")
    assert code == 0, err
    assert json.loads(out) == tlm_out
    code, out, _ = run(wp, "--model", datapath("test_glove.txt"), "similar", "he", "-n", "3")
    glove_words = [line.split()[0] for line in open(datapath("test_glove.txt"), encoding="utf-8")]
    for word, _, rank, number in (line.split() for line in out.splitlines()):
        assert rank == "rank" and int(number) == glove_words.index(word) + 1


def test_query_words_take_the_model_transforms(model, run):
    code, out, err = run(tlm, "similar", "--model", model, "CAT", "--json")
    assert code == 0 and out == run(tlm, "similar", "--model", model, "cat", "--json")[1]
    assert err.strip() == "CAT -> cat (the model's transforms: lower, alpha)"
    code, out, err = run(wp, "--model", model, "similarity", "Cat", "DOG")
    assert code == 0 and out == run(wp, "--model", model, "similarity", "cat", "dog")[1]
    assert "wp: Cat -> cat" in err and "wp: DOG -> dog" in err


def test_directions_read_words_through_the_model_transforms(model, run):
    def json_of(*argv):
        code, out, err = run(wp, "--model", model, *argv, "--json")
        assert code == 0, err
        return json.loads(out), err

    for typed, lower in [(["pairs", "Cat:DOG", "Bird:fish"], ["pairs", "cat:dog", "bird:fish"]),
                         (["relation", "Cat:Dog", "Bird:Fish", "The:A"], ["relation", "cat:dog", "bird:fish", "the:a"]),
                         (["axis", "Cat:Dog", "--words", "Mat", "BIRD", "bird"], ["axis", "cat:dog", "--words", "mat", "bird"])]:
        got, notes = json_of(*typed)
        assert got == json_of(*lower)[0]
        assert "wp: Cat -> cat (the model's transforms: lower, alpha)" in notes.splitlines()
    for pair, error in [("Cat:cat", "the pair 'Cat:cat' has the same word twice (cat:cat in the model's terms): it has "
                                    "no direction"),
                        ("12:cat", "'12' is 0 tokens after the model's transforms (lower, alpha); give one word"),
                        ("Zebra:cat", "word 'zebra' was seen 1 time in the training text; --min-count 2 folded it into "
                                      "<unk>")]:
        code, out, err = run(wp, "--model", model, "pairs", pair)
        assert (code, out, err.splitlines()[-1]) == (1, "", f"wp: error: {error}")  # after the notes of the words read


def test_an_odd_one_out_gives_the_words_as_the_model_read_them(model, run):
    code, out, err = run(wp, "--model", model, "odd-one-out", "Cat", "DOG", "Tree", "--json")
    assert code == 0 and json.loads(out)["words"] == ["cat", "dog", "tree"]
    assert out == run(wp, "--model", model, "odd-one-out", "cat", "dog", "tree", "--json")[1]


def test_the_repl_reads_words_through_the_model_transforms(model, run, monkeypatch):
    def repl(lines):
        monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
        code, out, err = run(wp, "--model", model, "repl", "-n", "3")
        assert code == 0
        return out, err

    asked, notes = repl("Cat\nCat ~ DOG\nCAT - dog + Bird\n")
    assert (asked, "") == repl("cat\ncat ~ dog\ncat - dog + bird\n") and len(asked.splitlines()) == 7
    assert notes.splitlines() == [f"wp: {word} -> {word.lower()} (the model's transforms: lower, alpha)"
                                  for word in ("Cat", "Cat", "DOG", "CAT", "Bird")]
    out, err = repl("!!!\nZebra\ncat\n")  # a mistake is one line, and the prompt goes on
    assert out == repl("cat\n")[0]
    assert err.splitlines() == ["wp: '!!!' is 0 tokens after the model's transforms (lower, alpha); give one word",
                                "wp: word 'zebra' was seen 1 time in the training text; --min-count 2 folded it into <unk>"]


@pytest.mark.parametrize("cli, prefix", [(tlm, "tlm"), (wp, "wp")])
def test_a_folded_word_says_how_often_it_was_seen(model, run, cli, prefix):
    argv = ["similar", "--model", model, "Zebra"] if prefix == "tlm" else ["--model", model, "similar", "Zebra"]
    assert_clean_error(*run(cli, *argv)[::2], prefix,
                       "word 'zebra' was seen 1 time in the training text; --min-count 2 folded it into <unk>")


def test_bad_input_is_one_line(model, run):
    from gensim.test.utils import datapath

    assert_clean_error(*run(tlm, "similar", "--model", model, "cat", "--vectors", "V")[::2], "tlm",
                       "--vectors", "'V'", "E+W")
    assert_clean_error(*run(wp, "--model", datapath("test_glove.txt"), "similar", "he", "--vectors", "W")[::2], "wp",
                       "one vector per word", "--vectors W")
    assert_clean_error(*run(tlm, "similar", "--model", model, "cat", "--min-count", "100000")[::2], "tlm",
                       "--min-count 100000 hides every word")
    assert_clean_error(*run(wp, "--model", model, "similar", "cat", "--min-count", "100000")[::2], "wp",
                       "--min-count 100000 hides every word")
    assert_clean_error(*run(wp, "--model", datapath("test_glove.txt"), "similar", "he", "--min-count", "2")[::2],
                       "wp", "no training counts", "--restrict")


@pytest.mark.slow
def test_eval_on_the_training_text_warns_once(model, text, tmp_path, run):
    code, _, err = run(tlm, "eval", "--model", model, "--filepath", text)
    assert code == 0
    assert [line for line in err.splitlines() if "warning" in line] == [
        f"warning: {model} was trained on all of this text: the held-out words were seen in training "
        f"(train with --val-fraction F, then evaluate with the same F)"]
    held = tmp_path / "held.json"
    assert tlm(["train", "--filepath", str(text), "-t", "lower", "-t", "alpha", "--epochs", "1", "--val-fraction", "0.1",
                "--output", str(held)]) == 0
    capsys_err = run(tlm, "eval", "--model", held, "--filepath", text, "--val-fraction", "0.1")[2]
    assert "warning" not in capsys_err


@pytest.fixture(scope="module")
def emma(tmp_path_factory):
    """Emma at the lab's settings, 2 epochs instead of 10 (the maps' question needs no more)."""
    path = tmp_path_factory.mktemp("emma") / "emma.json"
    assert tlm(["train", "--gutenberg", "austen-emma.txt", "-t", "lower", "-t", "alpha", "--epochs", "2",
                "--output", str(path)]) == 0
    return persistence.load(path)


def map_agrees(wv, project, words):
    """The share of `words` whose map (the word and its 10 listed neighbours, as the page draws it)
    puts its 3 nearest neighbours by cosine nearer to it than its 3 farthest listed ones."""
    agree = 0
    for word in words:
        listed = [w for w, _ in wv.most_similar([word], topn=10)]
        points = project(wv.vectors[wv.rows([word, *listed])])  # (11, 2)
        on_map = np.linalg.norm(points[1:] - points[0], axis=1)  # (10,) in the order of cosine
        agree += on_map[:3].mean() < on_map[-3:].mean()
    return agree / len(words)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["E", "W", "E+W"])
def test_a_map_puts_the_nearest_neighbours_nearer_than_the_farthest_listed(emma, which):
    from tlm import choice
    from vectors.maps import pca_2d, word_points

    wv = choice.word_vectors(emma, which)
    words = wv.words[20:120]  # frequent words, past the very commonest ("the", "to", ...)
    unit_map, raw_map = map_agrees(wv, word_points, words), map_agrees(wv, pca_2d, words)
    assert unit_map >= 0.8 and unit_map > raw_map, (unit_map, raw_map)


def test_a_models_own_tokens_are_queried_as_they_are(tmp_path, run):
    from tests.conftest import CHUCK

    path = tmp_path / "char.json"
    assert run(tlm, "train", "--filepath", CHUCK, "-t", "char", "--epochs", "1", "--output", path)[0] == 0
    code, out, err = run(tlm, "similar", "--model", path, " ", "-n", "2", "--min-count", "1")
    assert code == 0 and err == "" and len(out.splitlines()) == 2  # the space token: no transform, no note
    assert run(tlm, "plot", "--model", path, "--output", tmp_path / "map.png")[0] == 0  # every token mapped
    assert_clean_error(*run(tlm, "similar", "--model", path, "ab")[::2], "tlm", "'ab' is 2 tokens", "char")
