"""One model interface: every model class behaves the same through `LanguageModel`, round-trips
through its file, and answers with probability distributions whatever the context."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tlm import persistence
from tlm.base import LanguageModel
from tlm.counts import CountModel
from tlm.evaluation import held_out
from tlm.model import TinyLanguageModel

FACTORIES = {"embedding": lambda: TinyLanguageModel(seed=1), "counts": lambda: CountModel(n=2)}


def trained(kind, words):
    model = FACTORIES[kind]()
    if model.trainable:
        model.train(words, epochs=2)
    else:
        model.train(words)
    return model


@pytest.fixture(params=list(FACTORIES))
def model(request, chuck_words):
    return trained(request.param, chuck_words)


def test_every_kind_is_registered():
    assert set(LanguageModel.kinds) == set(FACTORIES)
    assert LanguageModel.kinds["embedding"] is TinyLanguageModel and LanguageModel.kinds["counts"] is CountModel


def test_capabilities_are_attributes(model):
    assert model.has_embeddings == model.trainable == isinstance(model, TinyLanguageModel)
    if model.has_embeddings:
        assert model.word_vectors().vectors.shape == model.E.shape
    assert f"{model.kind} model, 11 tokens, n=2" in model.describe()


def test_round_trip_through_a_file(model, tmp_path, chuck_words):
    path = tmp_path / "m.json"
    persistence.save(model, path)
    again = persistence.load(path)
    assert type(again) is type(model) and again.vocab == model.vocab and again.config == model.config
    for context in (["how", "much"], ["wood"], [], ["a", "wood", "chuck"]):
        np.testing.assert_array_equal(model.predict(context), again.predict(context))
    assert held_out(again, chuck_words).loss == pytest.approx(held_out(model, chuck_words).loss, rel=1e-12)
    np.testing.assert_array_equal(again.frequencies(), model.frequencies())


def test_generate_and_mean_loss(model, chuck_words):
    tokens = model.generate(20, prompt="how much", rng=np.random.default_rng(0))
    assert tokens[:2] == ["how", "much"] and len(tokens) == 22 and set(tokens) <= set(model.vocab)
    loss = held_out(model, chuck_words).loss
    assert 0 < loss < np.log(len(model.vocab)) + 0.5


def test_unknown_context_word_is_a_key_error(model):
    with pytest.raises(KeyError, match="woood.*did you mean 'wood'"):
        model.predict(["woood"])


@pytest.mark.parametrize("kind", list(FACTORIES))
@settings(max_examples=40, deadline=None, derandomize=True)
@given(context=st.lists(st.sampled_from(["a", "all", "chuck", "could", "how", "if", "it", "much", "the", "wood",
                                         "would"]), max_size=5))
def test_predict_is_a_distribution_for_any_context(kind, context):
    model = _cached(kind)
    probs = model.predict(context)
    assert probs.shape == (11,) and (probs >= 0).all() and probs.sum() == pytest.approx(1.0, abs=1e-5)


_MODELS = {}


def _cached(kind):
    if kind not in _MODELS:
        from tests.conftest import CHUCK

        _MODELS[kind] = trained(kind, CHUCK.read_text().split())
    return _MODELS[kind]
