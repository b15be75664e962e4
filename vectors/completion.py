"""Completing a typed prefix from a vocabulary: the words that start with it, most frequent first.

Words come in row order, most frequent first (the convention of `WordVectors`), so "most frequent"
means "lowest row". Leaves out where the words come from and how the completions are shown.
"""

import bisect

import numpy as np


class Completer:
    """Prefix completion over a fixed word list, answered by binary search (no scan per query).

    Parameters
    ----------
    words : list of str
        Distinct words in row order, most frequent first.
    """

    def __init__(self, words):
        self._words = words
        rows = sorted(range(len(words)), key=words.__getitem__)  # rows in alphabetical order of their words
        self._sorted = [words[i] for i in rows]
        self._rows = np.array(rows, dtype=np.int64)

    def complete(self, prefix, limit=10):
        """Up to `limit` words that start with `prefix`, most frequent first."""
        start = bisect.bisect_left(self._sorted, prefix)
        # Cutting every word to the prefix's length keeps the alphabetical order, so the words
        # that start with `prefix` end where their cut stops being <= `prefix`.
        end = bisect.bisect_right(self._sorted, prefix, lo=start, key=lambda w: w[:len(prefix)])
        rows = self._rows[start:end]
        if len(rows) > limit:
            rows = np.partition(rows, limit - 1)[:limit]
        return [self._words[i] for i in np.sort(rows)]
