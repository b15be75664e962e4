"""The fast path: the model's forward pass, gradients and updates for a whole batch at once.

The same math as `TinyLanguageModel._forward` / `_step`, written for B examples per call and for
speed: float32, one preallocated (B, V) buffer reused every batch, the softmax gradient fused into
the products, and gradients summed (not averaged) over the batch, so that batch_size=1 with SGD is
exactly `_step`. Leaves out the epoch loop and the choice of settings (`tlm/training.py`).

Shapes: B = batch, n = context window, d = embedding dim, V = vocabulary size.
"""

import numpy as np


def loss_and_gradients(E, W, b, contexts, targets, out=None):
    """Summed cross-entropy of a batch and its gradients: loss (float), dW (d, V), db (V,), dH (B, d).

    The lesson's dlogits = probs - one_hot(targets) is never formed. With e = exp(logits - max)
    and s its row sums, probs = e / s, so every product with dlogits becomes a product with e plus
    small corrections: the 1/s scaling moves onto the (B, d) side and the one-hot part is a gather.
    That saves two passes over the (B, V) matrix, which dominate everything but the products.
    `out`, a (B, V) float buffer, holds e (no allocation per batch); do not read it afterwards.
    """
    H = E[contexts].mean(axis=1)  # (B, d)   mean context embedding
    logits = np.matmul(H, W, out=out)  # (B, V)
    logits += b
    logits -= logits.max(axis=1, keepdims=True)  # stable: exp never overflows
    e = np.exp(logits, out=logits)  # (B, V)   unnormalised probabilities
    # Row sums as a matrix-vector product: same numbers, ~3x faster than e.sum(axis=1) here.
    inv_s = 1.0 / (e @ np.ones(e.shape[1], dtype=e.dtype))  # (B,)
    rows = np.arange(len(targets))
    loss = -np.log(e[rows, targets] * inv_s).sum()

    dW = (H * inv_s[:, None]).T @ e  # (d, V)   H.T @ probs ...
    np.add.at(dW.T, targets, -H)  # ... - H.T @ one_hot: a repeated target accumulates
    db = inv_s @ e - np.bincount(targets, minlength=e.shape[1])  # (V,)
    dH = (e @ W.T) * inv_s[:, None] - W.T[targets]  # (B, d)   dlogits @ W.T
    return float(loss), dW, db.astype(e.dtype), dH


def embedding_gradient(contexts, dH):
    """Spread dH over the context rows of E: (B, n), (B, d) -> unique rows (U,), dE_rows (U, d).

    Each context word gets 1/n of its example's dH (the mean's share); a word that appears several
    times in the batch accumulates every share.
    """
    n = contexts.shape[1]
    rows, inverse = np.unique(contexts, return_inverse=True)
    dE_rows = np.zeros((len(rows), dH.shape[1]), dtype=dH.dtype)
    np.add.at(dE_rows, inverse.reshape(contexts.shape), (dH / n)[:, None, :])
    return rows, dE_rows


def mean_loss(E, W, b, contexts, targets, chunk=4096):
    """Mean cross-entropy (nats per token) over many examples, in chunks to bound memory."""
    if len(targets) == 0:
        return float("nan")
    total = 0.0
    for start in range(0, len(targets), chunk):
        ctx, tgt = contexts[start:start + chunk], targets[start:start + chunk]
        H = E[ctx].mean(axis=1)  # (C, d)
        logits = H @ W + b  # (C, V)
        top = logits.max(axis=1)
        logsumexp = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
        total += float((logsumexp - logits[np.arange(len(tgt)), tgt]).sum())
    return total / len(targets)


class SGD:
    """Plain gradient descent: p -= lr * dp (per-example learning rate, gradients summed)."""

    def __init__(self, model):
        pass

    def update(self, model, contexts, dH, dW, db, lr):
        dW *= -lr  # in place: no (d, V) temporary
        model.W += dW
        model.b -= lr * db
        # Each context row gets 1/n of its example's dH; np.add.at accumulates repeated words.
        np.add.at(model.E, contexts, (-lr / contexts.shape[1]) * dH[:, None, :])


class Adam:
    """Adam (Kingma & Ba) on the batch-mean gradient; E's moments are updated only for the rows a
    batch touches ("lazy" Adam), so rare words keep their step size instead of decaying to zero."""

    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, model):
        self.m = {k: np.zeros_like(getattr(model, k)) for k in "EWb"}
        self.v = {k: np.zeros_like(getattr(model, k)) for k in "EWb"}
        self.t = 0

    def _move(self, name, param, grad, lr, rows=slice(None)):
        m, v = self.m[name], self.v[name]
        m[rows] = self.beta1 * m[rows] + (1 - self.beta1) * grad
        v[rows] = self.beta2 * v[rows] + (1 - self.beta2) * grad * grad
        param[rows] -= lr * m[rows] / (np.sqrt(v[rows]) + self.eps)

    def update(self, model, contexts, dH, dW, db, lr):
        batch_size = len(contexts)
        rows, dE_rows = embedding_gradient(contexts, dH)
        self.t += 1
        # Bias correction folded into the step size.
        lr_t = lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        self._move("W", model.W, dW / batch_size, lr_t)
        self._move("b", model.b, db / batch_size, lr_t)
        self._move("E", model.E, dE_rows / batch_size, lr_t, rows)
