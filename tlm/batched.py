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
    # The bias rides in the product, as a last row of W met by a 1 after ctx_emb: one pass over
    # the (B, V) matrix fewer than adding b afterwards.
    logits = np.matmul(_with_ones(ctx_emb), np.vstack([W, b]), out=out)  # (B, V)   ctx_emb @ W + b
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
    d = ctx_emb.shape[1]
    # [ctx_emb, 1].T @ probs: dW's and db's softmax parts in one product, as the bias rode in forward's.
    dW_b = (_with_ones(ctx_emb) * inv_s[:, None]).T @ e  # (d + 1, V)
    dW, db = dW_b[:d], dW_b[d] - np.bincount(targets, minlength=e.shape[1])  # (d, V), (V,)
    np.add.at(dW.T, targets, -ctx_emb)  # ... - ctx_emb.T @ one_hot: a repeated target accumulates
    dctx_emb = (e @ W.T) * inv_s[:, None] - W.T[targets]  # (B, d)   dlogits @ W.T
    # The mean hands 1/n of dctx_emb to each of an example's n context rows.
    dE = SparseRows(contexts, (dctx_emb / contexts.shape[1])[:, None, :])  # rows (B, n), values (B, 1, d)
    return dE, dW, db.astype(e.dtype)


def _with_ones(ctx_emb):
    """(B, d) -> (B, d + 1) with a column of ones: the bias's input."""
    return np.hstack([ctx_emb, np.ones((len(ctx_emb), 1), dtype=ctx_emb.dtype)])
