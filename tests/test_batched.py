"""The batched fast path against the per-example lesson."""

import numpy as np
import pytest

from tlm import batched, training
from tlm.model import TinyLanguageModel
from tests.test_gradients import tiny_model


def test_batch_gradients_are_the_sum_of_per_example_gradients():
    model = tiny_model()
    contexts = np.array([[0, 2, 5], [3, 3, 1], [1, 0, 3], [3, 3, 3]])
    targets = np.array([2, 0, 2, 3])  # a repeated target too
    loss, dW, db, dH = batched.loss_and_gradients(model.E, model.W, model.b, contexts, targets)
    rows, dE_rows = batched.embedding_gradient(contexts, dH)
    dE = np.zeros_like(model.E)
    dE[rows] = dE_rows

    total = {"E": 0, "W": 0, "b": 0}
    expected_loss = 0.0
    for c, t in zip(contexts, targets):
        m = tiny_model()
        before = {k: getattr(m, k).copy() for k in "EWb"}
        expected_loss += m._step(c, t, lr=1.0)
        for k in "EWb":
            total[k] = total[k] + before[k] - getattr(m, k)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dW, total["W"], atol=1e-12)
    np.testing.assert_allclose(db, total["b"], atol=1e-12)
    np.testing.assert_allclose(dE, total["E"], atol=1e-12)


def test_fast_path_with_batch_size_one_matches_step(chuck_words):
    """Whole training runs: plain SGD, batch 1, constant lr == the lab's `_step` loop."""
    fast = TinyLanguageModel(seed=3)
    ref = TinyLanguageModel(seed=3)
    fast.train(chuck_words, epochs=3, lr=0.3, batch_size=1, optimizer="sgd", schedule="constant")
    ref.train(chuck_words, epochs=3, lr=0.3, schedule="constant", reference=True)
    for k in "EWb":
        np.testing.assert_allclose(getattr(fast, k), getattr(ref, k), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fast.history["loss"], ref.history["loss"], rtol=1e-5)


def test_mean_loss_matches_forward():
    model = tiny_model()
    contexts = np.array([[0, 2, 5], [3, 3, 1]])
    targets = np.array([2, 4])
    expected = np.mean([-np.log(model._forward(c)[1][t]) for c, t in zip(contexts, targets)])
    assert batched.mean_loss(model.E, model.W, model.b, contexts, targets, chunk=1) == pytest.approx(expected)


def test_make_examples_drops_windows_with_unknown_tokens():
    contexts, targets = training.make_examples(np.array([0, 1, 2, -1, 3, 4, 5]), 2)
    assert contexts.tolist() == [[0, 1], [3, 4]]
    assert targets.tolist() == [2, 5]


def test_auto_batch_size():
    assert training.auto_batch_size(30) == 1
    assert training.auto_batch_size(10**6) == training.MAX_AUTO_BATCH


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_batched_training_lowers_the_loss(chuck_words, optimizer):
    model = TinyLanguageModel(seed=0)
    lr = 0.05 if optimizer == "adam" else 0.5
    model.train(chuck_words * 20, epochs=4, lr=lr, batch_size=8, optimizer=optimizer)
    losses = model.history["loss"]
    assert losses[0] < np.log(11) + 0.1
    assert all(a > b for a, b in zip(losses, losses[1:]))


def test_same_seed_same_batched_model(chuck_words):
    models = [TinyLanguageModel(seed=s) for s in (4, 4, 5)]
    for m in models:
        m.train(chuck_words * 20, epochs=2, batch_size=16, optimizer="adam", lr=0.01)
    for k in "EWb":
        np.testing.assert_array_equal(getattr(models[0], k), getattr(models[1], k))
    assert not np.array_equal(models[0].E, models[2].E)


def test_resume_continues_the_shuffle_sequence(chuck_words):
    """Two epochs in one run == one epoch, then one resumed epoch (constant lr, so schedules agree)."""
    whole, split = TinyLanguageModel(seed=2), TinyLanguageModel(seed=2)
    whole.train(chuck_words, epochs=2, schedule="constant")
    split.train(chuck_words, epochs=1, schedule="constant")
    split.train(chuck_words, epochs=1, schedule="constant", resume=True)
    np.testing.assert_allclose(split.E, whole.E, rtol=1e-6)
