"""Training examples: (context, target) windows over token rows, for every model kind.

A text of N tokens gives N - n windows of n context rows and the row that follows. Several texts
are joined with a -1 between them, and a window that touches a -1 (a text boundary, or a token
outside a vocabulary without <unk>) is dropped, so no example spans two texts. Windows are int32:
a corpus of millions of tokens takes tens of megabytes, never anything of size N x V.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from edge.errors import UserError

BOUNDARY = -1


def join(encoded_texts):
    """Row arrays of several texts -> one (N,) int32 array with BOUNDARY between them."""
    parts = []
    for i, ids in enumerate(encoded_texts):
        if i:
            parts.append(np.array([BOUNDARY], dtype=np.int32))
        parts.append(np.asarray(ids, dtype=np.int32))
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)


def make_examples(ids, n):
    """Sliding windows over a row stream: (N,) -> contexts (M, n), targets (M,), both int32.

    A window that touches a negative row (a boundary, or a token outside the vocabulary) is dropped.
    """
    ids = np.asarray(ids, dtype=np.int32)
    if len(ids) <= n:
        return np.empty((0, n), dtype=np.int32), np.empty(0, dtype=np.int32)
    windows = sliding_window_view(ids, n + 1)  # (N - n, n + 1), a view: no copy yet
    windows = windows[(windows >= 0).all(axis=1)]
    return np.ascontiguousarray(windows[:, :n]), np.ascontiguousarray(windows[:, n])


def require_examples(ids, n):
    """`make_examples`, or a `UserError` explaining why there are none."""
    contexts, targets = make_examples(ids, n)
    if len(targets) == 0:
        raise UserError(f"no training examples: the text has {int((np.asarray(ids) >= 0).sum())} usable tokens, "
                        f"and a context window of {n} needs at least {n + 1} in a row")
    return contexts, targets
