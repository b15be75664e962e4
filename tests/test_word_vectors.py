"""The numpy query core against gensim, the reference: the same words and scores (to 1e-5) for
neighbours, 3CosAdd and 3CosMul analogies, similarity and the odd one out, on the tiny GloVe fixture
and on the real 400k-word GloVe 50d; and the core's own edge cases."""

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.test.utils import datapath
from hypothesis import given
from hypothesis import strategies as st

from edge.errors import UnknownWordError
from vectors.word_vectors import WordVectors


@pytest.fixture(scope="module")
def fixture_pair():
    kv = KeyedVectors.load_word2vec_format(datapath("test_glove.txt"), no_header=True)
    return WordVectors(list(kv.index_to_key), kv.vectors), kv


@pytest.fixture(scope="module")
def glove_pair(glove):
    return glove, glove.to_keyed_vectors()


def same_ranking(ours, theirs):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)


def compare(wv, kv, words, triples, odd_lists):
    for word in words:
        same_ranking(wv.most_similar([word], topn=10), kv.most_similar(word, topn=10))
        same_ranking(wv.most_similar([word], topn=10, restrict=1000), kv.most_similar(word, topn=10, restrict_vocab=1000))
    same_ranking(wv.most_similar(words[:3], topn=10), kv.most_similar(positive=words[:3], topn=10))
    for a, b, c in triples:
        same_ranking(wv.most_similar([b, c], [a], topn=5), kv.most_similar(positive=[b, c], negative=[a], topn=5))
        same_ranking(wv.most_similar_cosmul([b, c], [a], topn=5),
                     kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=5))
    for a in words:
        for b in words:
            assert wv.similarity(a, b) == pytest.approx(float(kv.similarity(a, b)), abs=1e-5)
    for words_ in odd_lists:
        assert wv.doesnt_match(words_) == kv.doesnt_match(words_)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # gensim's most_similar_cosmul calls init_sims
def test_same_answers_as_gensim_on_the_fixture(fixture_pair):
    wv, kv = fixture_pair
    compare(wv, kv, ["he", "she", "his", "the", "percent", "people"],
            [("he", "his", "she"), ("he", "she", "his"), ("the", "a", "people")],
            [["he", "she", "his", "percent"], ["the", "a", "he", "she", "it"]])


@pytest.mark.slow
@pytest.mark.glove
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_same_answers_as_gensim_on_glove(glove_pair):
    wv, kv = glove_pair
    compare(wv, kv, ["king", "cat", "paris", "computer", "running", "happy"],
            [("man", "king", "woman"), ("paris", "france", "tokyo"), ("good", "better", "bad"),
             ("walking", "walked", "swimming")],
            [["breakfast", "lunch", "dinner", "car"], ["cat", "dog", "mouse", "democracy"],
             ["paris", "london", "berlin", "banana", "tokyo"]])


def test_unknown_words_are_key_errors_with_suggestions(fixture_pair):
    wv, _ = fixture_pair
    with pytest.raises(UnknownWordError) as info:
        wv.most_similar(["hiss"])
    assert isinstance(info.value, KeyError) and info.value.word == "hiss" and "his" in info.value.suggestions
    assert "hiss" not in wv and "his" in wv
    for _ in range(20):  # past the first scanned look-ups, the index answers the same
        assert wv.row("his") == wv.words.index("his")
        assert "hiss" not in wv


def test_zero_vectors_have_cosine_zero():
    wv = WordVectors(["a", "b", "zero"], np.array([[1, 0], [0, 1], [0, 0]], dtype=np.float32))
    assert wv.similarity("a", "zero") == 0.0
    assert [w for w, _ in wv.most_similar(["a"], topn=5)] == ["b", "zero"]


@given(st.integers(1, 80), st.integers(0, 3))
def test_topn_never_returns_query_words_or_too_many(topn, queries):
    kv = KeyedVectors.load_word2vec_format(datapath("test_glove.txt"), no_header=True)
    wv = WordVectors(list(kv.index_to_key), kv.vectors)
    positive = wv.words[:queries + 1]
    result = wv.most_similar(positive, topn=topn)
    assert len(result) == min(topn, len(wv) - len(positive))
    assert not set(positive) & {w for w, _ in result}
    scores = [s for _, s in result]
    assert scores == sorted(scores, reverse=True) and all(-1.0001 <= s <= 1.0001 for s in scores)
