"""The lesson: `_forward` reads as the lab shows it, and `_backward` / `_step` agree with central
finite differences, in float64 on a tiny model."""

import numpy as np
import pytest

from tlm import functional
from tlm.model import TinyLanguageModel

WORDS = [f"w{i}" for i in range(6)]


def tiny_model(V=6, d=4, n=3, seed=1):
    model = TinyLanguageModel(n=n, embedding_dim=d, seed=seed)
    model.build([f"w{i}" for i in range(V)])
    rng = np.random.default_rng(seed)
    model.E = rng.standard_normal(model.E.shape)  # float64, and large enough to matter
    model.W = rng.standard_normal(model.W.shape)
    model.b = rng.standard_normal(model.b.shape)
    return model


def words(*rows):
    return [WORDS[i] for i in rows]


def loss_of(model, context, target):
    return -np.log(model._forward(context)[1][model.word_to_idx[target]])


def numeric_gradient(model, name, context, target, h=1e-6):
    param = getattr(model, name)
    grad = np.zeros_like(param)
    for i in np.ndindex(param.shape):
        old = param[i]
        param[i] = old + h
        up = loss_of(model, context, target)
        param[i] = old - h
        down = loss_of(model, context, target)
        param[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def step_gradient(model, context, target):
    """The gradient `_step` applies, read off the parameter change with lr = 1."""
    before = {k: getattr(model, k).copy() for k in "EWb"}
    loss = model._step(context, target, lr=1.0)
    return loss, {k: before[k] - getattr(model, k) for k in "EWb"}


CONTEXTS = {"distinct": words(0, 2, 5), "repeated": words(3, 3, 1), "all-same": words(4, 4, 4)}


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
@pytest.mark.parametrize("name", ["E", "W", "b"])
def test_step_matches_finite_differences(context, name):
    model = tiny_model()
    numeric = numeric_gradient(model, name, context, target="w2")
    expected_loss = loss_of(model, context, "w2")
    loss, applied = step_gradient(model, context, "w2")
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(applied[name], numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
def test_backward_returns_the_finite_difference_gradients(context):
    """`_backward`'s dE rows (one per context word, accumulated), dW and db, before any update."""
    model = tiny_model()
    ctx_emb, probs = model._forward(context)
    dE_rows, dW, db = model._backward(context, "w2", ctx_emb, probs)
    assert dE_rows.shape == (len(context), 4) and dW.shape == (4, 6) and db.shape == (6,)
    dE = np.zeros_like(model.E)
    np.add.at(dE, [model.word_to_idx[w] for w in context], dE_rows)
    for name, analytic in (("E", dE), ("W", dW), ("b", db)):
        np.testing.assert_allclose(analytic, numeric_gradient(model, name, context, "w2"), rtol=1e-6, atol=1e-8)


def test_repeated_context_word_accumulates():
    _, applied = step_gradient(tiny_model(), words(3, 3, 1), "w0")
    _, single = step_gradient(tiny_model(), words(3, 5, 1), "w0")
    assert np.abs(applied["E"][3]).sum() > 0
    # Row 3 appears twice, so it receives twice the per-row share that row 1 gets once.
    np.testing.assert_allclose(applied["E"][3], 2 * applied["E"][1])
    assert np.count_nonzero(np.abs(single["E"]).sum(axis=1)) == 3


def test_forward_takes_words_as_the_lab_shows():
    model = tiny_model()
    ctx_emb, probs = model._forward(["w0", "w1", "w2"])
    assert ctx_emb.shape == (4,) and probs.shape == (6,)
    assert probs.sum() == pytest.approx(1.0) and (probs > 0).all()
    np.testing.assert_allclose(ctx_emb, model.E[[0, 1, 2]].mean(axis=0))


def test_forward_of_an_unknown_word_is_a_key_error_with_close_spellings():
    with pytest.raises(KeyError, match="'w00'.*did you mean 'w0'"):
        tiny_model()._forward(["w0", "w00"])


def test_forward_equals_the_shared_batch_function():
    """The lesson's five lines and `functional.log_probs` (used by evaluation and sampling) agree."""
    model = tiny_model()
    contexts = np.array([[0, 2, 5], [3, 3, 1], [4, 4, 4]])
    batch = np.exp(functional.log_probs(model.E, model.W, model.b, contexts))  # (3, V)
    for row, context in zip(batch, contexts):
        np.testing.assert_allclose(model._forward(words(*context))[1], row, rtol=1e-12)
    np.testing.assert_allclose(model.predict(words(0, 2, 5)), batch[0], rtol=1e-12)


def test_softmax_is_stable_for_huge_logits():
    model = tiny_model()
    model.b = np.array([1000.0, 999.0, 0, 0, 0, -1000.0])
    model.W[:] = 0
    probs = model._forward(words(0, 1, 2))[1]
    assert np.isfinite(probs).all()
    assert probs[0] == pytest.approx(1 / (1 + np.exp(-1)))
    log_p = functional.log_softmax(model.b)
    assert np.isfinite(log_p).all() and log_p[5] == pytest.approx(-2000 - np.log1p(np.exp(-1)))
