"""The batched fast path against the per-example lesson, the update rules, and examples."""

import numpy as np
import pytest

from tests.test_gradients import WORDS, tiny_model
from tlm import batched, examples, optim, training
from tlm.model import TinyLanguageModel


def batch_gradients(model, contexts, targets):
    ctx_emb, e, inv_s = batched.forward(model.E, model.W, model.b, contexts)
    loss = batched.loss(e, inv_s, targets)
    dE, dW, db = batched.backward(model.W, contexts, targets, ctx_emb, e, inv_s)
    return loss, dE, dW, db


def test_batch_gradients_are_the_sum_of_per_example_gradients():
    model = tiny_model()
    contexts = np.array([[0, 2, 5], [3, 3, 1], [1, 0, 3], [3, 3, 3]])
    targets = np.array([2, 0, 2, 3])  # a repeated target too
    loss, dE_sparse, dW, db = batch_gradients(model, contexts, targets)
    dE = np.zeros_like(model.E)
    np.add.at(dE, dE_sparse.rows, np.broadcast_to(dE_sparse.values, dE_sparse.rows.shape + (4,)))

    total = {"E": 0, "W": 0, "b": 0}
    expected_loss = 0.0
    for c, t in zip(contexts, targets):
        m = tiny_model()
        before = {k: getattr(m, k).copy() for k in "EWb"}
        expected_loss += m._step([WORDS[i] for i in c], WORDS[t], lr=1.0)
        for k in "EWb":
            total[k] = total[k] + before[k] - getattr(m, k)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dW, total["W"], atol=1e-12)
    np.testing.assert_allclose(db, total["b"], atol=1e-12)
    np.testing.assert_allclose(dE, total["E"], atol=1e-12)


def test_batch_probabilities_equal_the_shared_forward():
    from tlm import functional

    model = tiny_model()
    contexts = np.array([[0, 2, 5], [3, 3, 1]])
    _, e, inv_s = batched.forward(model.E, model.W, model.b, contexts)
    np.testing.assert_allclose(e * inv_s[:, None], np.exp(functional.log_probs(model.E, model.W, model.b, contexts)),
                               rtol=1e-12)


@pytest.mark.parametrize("schedule", ["constant", "linear"])
def test_fast_path_with_batch_size_one_matches_step(chuck_words, schedule):
    """Whole training runs: plain SGD, batch 1 == the lab's `_step` loop, to float32 round-off."""
    fast = TinyLanguageModel(seed=3)
    ref = TinyLanguageModel(seed=3)
    fast.train(chuck_words, epochs=3, lr=0.3, batch_size=1, optimizer="sgd", schedule=schedule)
    ref.train(chuck_words, epochs=3, lr=0.3, schedule=schedule, reference=True)
    for k in "EWb":
        np.testing.assert_allclose(getattr(fast, k), getattr(ref, k), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fast.history["loss"], ref.history["loss"], rtol=1e-5)


def test_mean_loss_matches_forward():
    model = tiny_model()
    contexts = np.array([[0, 2, 5], [3, 3, 1]])
    targets = np.array([2, 4])
    expected = np.mean([-np.log(model._forward([WORDS[i] for i in c])[1][t]) for c, t in zip(contexts, targets)])
    assert model.mean_loss(contexts, targets) == pytest.approx(expected)


def test_sparse_rows_accumulate_in_both_optimizers():
    params = {"E": np.zeros((4, 2))}
    grad = optim.SparseRows(np.array([[1, 1], [3, 1]]), np.array([[[1.0, 2.0]], [[10.0, 20.0]]]))
    optim.SGD(params).update(params, {"E": grad}, lr=1.0, batch_size=2)
    np.testing.assert_array_equal(params["E"], [[0, 0], [-12, -24], [0, 0], [-10, -20]])
    rows, summed = grad.coalesce(2, np.float64)
    assert rows.tolist() == [1, 3] and summed.tolist() == [[12, 24], [10, 20]]
    adam = optim.Adam({"E": np.zeros((4, 2))})
    adam.update({"E": np.zeros((4, 2))}, {"E": grad}, lr=0.1, batch_size=2)
    assert adam.state["t"] == 1 and np.count_nonzero(adam.state["m_E"].any(axis=1)) == 2  # lazy: rows 1 and 3


def test_make_examples_drops_windows_with_unknown_tokens():
    contexts, targets = examples.make_examples(np.array([0, 1, 2, -1, 3, 4, 5]), 2)
    assert contexts.tolist() == [[0, 1], [3, 4]] and targets.tolist() == [2, 5]
    assert contexts.dtype == np.int32 and targets.dtype == np.int32


def test_no_example_spans_two_texts():
    joined = examples.join([np.array([0, 1, 2]), np.array([3, 4, 5])])
    contexts, targets = examples.make_examples(joined, 2)
    assert contexts.tolist() == [[0, 1], [3, 4]] and targets.tolist() == [2, 5]


def test_auto_batch_size():
    assert training.auto_batch_size(30) == 1
    assert training.auto_batch_size(10**6) == training.MAX_AUTO_BATCH
    assert training.auto_batch_size(10**6, top_share=0.04) == training.MAX_AUTO_BATCH  # "the" in word-level text
    assert training.auto_batch_size(10**6, top_share=0.2) == 80  # " " in character-level text


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
