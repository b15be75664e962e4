"""Sampled softmax (`tlm/sampled.py`) against the full softmax it estimates, the column-sparse
gradients of the update rules, and training with it (held-out loss, exact resume)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tlm import batched, optim, sampled, training
from tlm.model import TinyLanguageModel


def problem(V, d, B, n, seed):
    """float64 parameters and a batch of (context, target) rows, repeats allowed."""
    rng = np.random.default_rng(seed)
    E, W, b = rng.standard_normal((V, d)), rng.standard_normal((d, V)), rng.standard_normal(V)
    return E, W, b, rng.integers(0, V, (B, n)), rng.integers(0, V, B)


def dense(grad, shape):
    """A sparse gradient (SparseRows or SparseColumns) as the full array it stands for."""
    out = np.zeros(shape)
    view, grad = (optim.columns_as_rows(out), grad.as_rows()) if isinstance(grad, optim.SparseColumns) else (out, grad)
    np.add.at(view, grad.rows, np.broadcast_to(grad.values, grad.rows.shape + view.shape[1:]))
    return out


def full_gradients(E, W, b, contexts, targets):
    ctx_emb, e, inv_s = batched.forward(E, W, b, contexts)
    dE, dW, db = batched.backward(W, contexts, targets, ctx_emb, e, inv_s)
    return batched.loss(e, inv_s, targets), dense(dE, E.shape), dW, db


def sampled_gradients(E, W, b, contexts, targets, sampler, rng):
    candidates, log_pi = sampler.draw(rng)
    ctx_emb, W_t, W_c, probs = sampled.forward(E, W, b, contexts, targets, candidates, log_pi)
    dE, dW, db = sampled.backward(contexts, targets, candidates, ctx_emb, W_t, W_c, probs)
    return sampled.loss(probs), dense(dE, E.shape), dense(dW, W.shape), dense(db, b.shape)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(V=st.integers(1, 30), d=st.integers(1, 5), B=st.integers(1, 12), n=st.integers(1, 4),
       seed=st.integers(0, 2**32 - 1), extra=st.integers(0, 5))
def test_every_word_sampled_is_exactly_the_full_softmax(V, d, B, n, seed, extra):
    """S >= V: every word is a candidate with certainty (pi = 1), so loss and gradients are the full softmax's."""
    E, W, b, contexts, targets = problem(V, d, B, n, seed)
    counts = np.random.default_rng(seed).integers(1, 1000, V)
    got = sampled_gradients(E, W, b, contexts, targets, sampled.Sampler(counts, V + extra), np.random.default_rng(0))
    expected = full_gradients(E, W, b, contexts, targets)
    assert got[0] == pytest.approx(expected[0], rel=1e-12)
    for g, e in zip(got[1:], expected[1:]):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


@pytest.mark.slow
def test_mean_sampled_gradient_approaches_the_full_gradient():
    """Averaged over many draws, the sampled gradient nears the full one, nearer as S grows (the
    self-normalised estimate is biased by O(1/S)); one draw alone is much further off."""
    E, W, b, contexts, targets = problem(V=40, d=3, B=6, n=2, seed=5)
    counts = np.random.default_rng(5).integers(1, 200, 40)
    _, *full = full_gradients(E, W, b, contexts, targets)
    rng = np.random.default_rng(0)
    errors = []
    for S in (4, 16, 39):
        sampler = sampled.Sampler(counts, S)
        draws = [sampled_gradients(E, W, b, contexts, targets, sampler, rng)[1:] for _ in range(1500)]
        mean = [np.mean(g, axis=0) for g in zip(*draws)]
        errors.append(max(np.linalg.norm(m - f) / np.linalg.norm(f) for m, f in zip(mean, full)))
        single = max(np.linalg.norm(g - f) / np.linalg.norm(f) for g, f in zip(draws[0], full))
        assert errors[-1] < single / 2
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.1


def test_sampler_inclusion_probabilities_match_draws():
    counts = np.array([1000, 300, 50, 10, 3, 1, 1])
    sampler = sampled.Sampler(counts, 3)
    rng = np.random.default_rng(0)
    seen = np.zeros(len(counts))
    for _ in range(4000):
        candidates, log_pi = sampler.draw(rng)
        assert (np.diff(candidates) > 0).all()  # distinct and sorted
        np.testing.assert_array_equal(log_pi, sampler.log_pi[candidates])
        seen[candidates] += 1
    np.testing.assert_allclose(seen / 4000, np.exp(sampler.log_pi), atol=0.03)
    assert sampled.Sampler([5], 10).draw(rng)[1].tolist() == [0.0]  # V = 1: certain


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_column_gradients_update_like_dense_ones(name):
    """SparseColumns (W (d, V) and b (V,)) moves the parameters as the dense gradient it stands for,
    repeated columns accumulating; Adam, being lazy, leaves untouched columns and their moments alone."""
    rng = np.random.default_rng(1)
    W, b = rng.standard_normal((3, 6)), rng.standard_normal(6)
    columns = np.array([4, 1, 4])
    dW = optim.SparseColumns(columns, rng.standard_normal((3, 3)))
    db = optim.SparseColumns(columns, rng.standard_normal(3))
    sparse = {"W": W.copy(), "b": b.copy()}
    dense_params = {"W": W.copy(), "b": b.copy()}
    optimizer = optim.OPTIMIZERS[name]
    optimizer(sparse).update(sparse, {"W": dW, "b": db}, lr=0.1, batch_size=3)
    reference = optimizer(dense_params)
    reference.update(dense_params, {"W": dense(dW, W.shape), "b": dense(db, b.shape)}, lr=0.1, batch_size=3)
    touched = [1, 4]
    np.testing.assert_allclose(sparse["W"][:, touched], dense_params["W"][:, touched], rtol=1e-12)
    np.testing.assert_allclose(sparse["b"][touched], dense_params["b"][touched], rtol=1e-12)
    untouched = [0, 2, 3, 5]
    np.testing.assert_array_equal(sparse["W"][:, untouched], W[:, untouched])
    np.testing.assert_array_equal(sparse["b"][untouched], b[untouched])
    if name == "sgd":
        np.testing.assert_allclose(sparse["W"], dense_params["W"], rtol=1e-12)


def zipf_text(words=4000, V=60, seed=0):
    """A text with some structure: each word's successor is one of two fixed words."""
    rng = np.random.default_rng(seed)
    nxt = rng.integers(0, V, (V, 2))
    rows = [0]
    for _ in range(words - 1):
        rows.append(nxt[rows[-1], rng.integers(2)])
    return [f"w{r}" for r in rows]


def test_sampled_training_lowers_the_full_held_out_loss():
    text = zipf_text()
    model = TinyLanguageModel(seed=0)
    model.train(text[:3200], val_words=text[3200:], epochs=3, lr=0.3, loss="sampled", samples=8)
    before = np.log(len(model.vocab))  # about where an untrained model starts
    val = model.history["val_loss"]
    assert val[-1] < before - 1.0 and val[0] > val[-1]
    assert model.training.samples == 8 and model.training.loss == "sampled"


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_sampled_resume_is_exact(optimizer):
    """4 epochs in one plan == 2 epochs, stop, resume and finish the plan: identical float32 arrays."""
    text = zipf_text(words=1500)
    lr = 0.01 if optimizer == "adam" else 0.3
    whole = TinyLanguageModel(seed=2)
    whole.train(text, epochs=4, lr=lr, loss="sampled", samples=8, optimizer=optimizer)

    parted = TinyLanguageModel(seed=2)
    calls = {"batches": 0}
    steps = -(-(len(text) - 2) // training.auto_batch_size(len(text) - 2))

    def stop_after_two_epochs():
        calls["batches"] += 1
        return calls["batches"] > 2 * steps

    with pytest.raises(training.TrainingInterrupted):
        parted.train(text, epochs=4, lr=lr, loss="sampled", samples=8, optimizer=optimizer,
                     should_stop=stop_after_two_epochs)
    assert parted.training.epochs_done == 2
    training.fit(parted, training.examples_of(parted, [text]))
    for k in "EWb":
        assert getattr(parted, k).dtype == np.float32
        np.testing.assert_array_equal(getattr(parted, k), getattr(whole, k))
    assert parted.history == whole.history


def test_samples_default_and_cap():
    model = TinyLanguageModel()
    words = zipf_text(words=500)
    model.build(words)
    examples = training.examples_of(model, [words])
    training.new_plan(model, examples, loss="sampled")
    assert model.training.samples == min(sampled.DEFAULT_SAMPLES, len(model.vocab))
    training.new_plan(model, examples, loss="sampled", samples=10**6)
    assert model.training.samples == len(model.vocab)  # every word: the exact softmax


def test_train_cli_with_sampled_loss_and_resume(tmp_path, run):
    """--loss sampled --samples S are saved in the plan, and a resumed run's new plan keeps them."""
    from tests.conftest import CHUCK
    from tlm import persistence
    from tlm.cli import main

    path = tmp_path / "m.json"
    code, out, err = run(main, "train", "--filepath", CHUCK, "--loss", "sampled", "--samples", "4", "--epochs", "2",
                         "--val-fraction", "0.2", "--output", path)
    assert code == 0, err
    model = persistence.load(path)
    assert (model.training.loss, model.training.samples) == ("sampled", 4)
    assert all(v is not None for v in model.history["val_loss"])  # the exact full softmax, every epoch
    code, _, err = run(main, "train", "--filepath", CHUCK, "--resume", "--epochs", "1", "--output", path)
    assert code == 0, err
    model = persistence.load(path)
    assert (model.training.loss, model.training.samples, model.training.epochs_trained) == ("sampled", 4, 3)
