"""Small pure numpy functions shared by the per-example lesson and the batched fast path.

Nothing here holds state; shapes are in the comments (V = vocabulary size).
"""

import numpy as np


def softmax(logits):
    """Softmax over the last axis, stable for large logits: (..., V) -> (..., V)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)  # exp never overflows; result unchanged
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)

