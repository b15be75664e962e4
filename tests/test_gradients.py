"""`_step` against central finite differences, in float64 on a tiny model."""

import numpy as np
import pytest

from tlm.model import TinyLanguageModel


def tiny_model(V=6, d=4, n=3, seed=1):
    model = TinyLanguageModel(n=n, embedding_dim=d, seed=seed)
    model.build([f"w{i}" for i in range(V)])
    rng = np.random.default_rng(seed)
    model.E = rng.standard_normal(model.E.shape)  # float64, and large enough to matter
    model.W = rng.standard_normal(model.W.shape)
    model.b = rng.standard_normal(model.b.shape)
    return model


def loss_of(model, context, target):
    return -np.log(model._forward(np.array(context))[1][target])


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
    loss = model._step(np.array(context), target, lr=1.0)
    return loss, {k: before[k] - getattr(model, k) for k in "EWb"}, before


@pytest.mark.parametrize("context", [[0, 2, 5], [3, 3, 1], [4, 4, 4]], ids=["distinct", "repeated", "all-same"])
@pytest.mark.parametrize("name", ["E", "W", "b"])
def test_step_matches_finite_differences(context, name):
    model = tiny_model()
    numeric = numeric_gradient(model, name, context, target=2)
    expected_loss = loss_of(model, context, 2)
    loss, applied, _ = step_gradient(model, context, 2)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(applied[name], numeric, rtol=1e-6, atol=1e-8)


def test_repeated_context_word_accumulates():
    model = tiny_model()
    _, applied, _ = step_gradient(model, [3, 3, 1], 0)
    _, single, _ = step_gradient(tiny_model(), [3, 5, 1], 0)
    assert np.abs(applied["E"][3]).sum() > 0
    # Row 3 appears twice, so it receives twice the per-row share that row 1 gets once.
    np.testing.assert_allclose(applied["E"][3], 2 * applied["E"][1])
    assert np.count_nonzero(np.abs(single["E"]).sum(axis=1)) == 3


def test_forward_probabilities_are_a_distribution():
    model = tiny_model()
    ctx_emb, probs = model._forward(np.array([0, 1, 2]))
    assert ctx_emb.shape == (4,) and probs.shape == (6,)
    assert probs.sum() == pytest.approx(1.0) and (probs > 0).all()
    np.testing.assert_allclose(ctx_emb, model.E[[0, 1, 2]].mean(axis=0))


def test_softmax_is_stable_for_huge_logits():
    model = tiny_model()
    model.b = np.array([1000.0, 999.0, 0, 0, 0, -1000.0])
    model.W[:] = 0
    probs = model._forward(np.array([0, 1, 2]))[1]
    assert np.isfinite(probs).all()
    assert probs[0] == pytest.approx(1 / (1 + np.exp(-1)))
