"""The model's forward math as small pure numpy functions, written once: the lesson's `_forward`,
the fast path (`tlm/batched.py`), evaluation and sampling all use these or are tested equal to them.

Shapes: B = batch, n = context length (any k >= 1 tokens), d = embedding dim, V = vocabulary size.
"""

import numpy as np


def softmax(logits):
    """Softmax over the last axis, stable for large logits: (..., V) -> (..., V)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)  # exp never overflows; result unchanged
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(logits):
    """log(softmax(logits)) without forming tiny probabilities: (..., V) -> (..., V)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def logits(E, W, b, contexts):
    """Scores of every next token: (B, n) context rows -> (B, V).

    The mean of the context words' rows of E (B, d), times W, plus b.
    """
    ctx_emb = E[contexts].mean(axis=1)  # (B, d)
    return ctx_emb @ W + b  # (B, V)


def log_probs(E, W, b, contexts):
    """Log-probabilities of every next token: (B, n) -> (B, V)."""
    return log_softmax(logits(E, W, b, contexts))
