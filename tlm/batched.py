"""The fast path: the lesson's `_forward`, `_backward` and loss for B examples at once.

Same names and the same math as `TinyLanguageModel._forward` / `_backward`, written for speed:
float32, one preallocated (B, V) buffer reused every batch, and the softmax gradient fused into
the products (probs and dlogits are never formed). Gradients are summed over the batch, so batch
size 1 with SGD is exactly `_step` (tested). Leaves out the epoch loop (`tlm/training.py`) and
the update rules (`tlm/optim.py`).

Shapes: B = batch, n = context window, d = embedding dim, V = vocabulary size.
"""

import numpy as np

from tlm.optim import SparseRows


def forward(E, W, b, contexts, out=None):
    """(B, n) context rows -> ctx_emb (B, d), e (B, V), inv_s (B,).

    probs = e * inv_s[:, None] with e = exp(logits - max) and inv_s = 1 / e.sum(axis=1); keeping the
    two apart saves two passes over the (B, V) matrix. `out`, a (B, V) buffer, receives e.
    """
    ctx_emb = E[contexts].mean(axis=1)  # (B, d)   average of the context words' rows
    logits = np.matmul(ctx_emb, W, out=out)  # (B, V)
    logits += b
    logits -= logits.max(axis=1, keepdims=True)  # stable: exp never overflows
    e = np.exp(logits, out=logits)  # (B, V)   unnormalised probabilities
    # Row sums as a matrix-vector product: same numbers, ~3x faster than e.sum(axis=1) here.
    inv_s = 1.0 / (e @ np.ones(e.shape[1], dtype=e.dtype))  # (B,)
    return ctx_emb, e, inv_s


def loss(e, inv_s, targets):
    """Summed cross-entropy of the batch: -sum log probs[i, targets[i]]."""
    return float(-np.log(e[np.arange(len(targets)), targets] * inv_s).sum())


def backward(W, contexts, targets, ctx_emb, e, inv_s):
    """Gradients of the summed loss, in the reverse order of `forward`: dE (SparseRows), dW (d, V), db (V,).

    dlogits = probs - one_hot(targets) is never formed: a product with probs is a product with e
    scaled by inv_s on the (B, d) side, and the one-hot part is a gather.
    """
    db = inv_s @ e - np.bincount(targets, minlength=e.shape[1])  # (V,)
    dW = (ctx_emb * inv_s[:, None]).T @ e  # (d, V)   ctx_emb.T @ probs ...
    np.add.at(dW.T, targets, -ctx_emb)  # ... - ctx_emb.T @ one_hot: a repeated target accumulates
    dctx_emb = (e @ W.T) * inv_s[:, None] - W.T[targets]  # (B, d)   dlogits @ W.T
    # The mean hands 1/n of dctx_emb to each of an example's n context rows.
    dE = SparseRows(contexts, (dctx_emb / contexts.shape[1])[:, None, :])  # rows (B, n), values (B, 1, d)
    return dE, dW, db.astype(e.dtype)
