"""Spelling: words in the composed Unicode form that tokenizers write them in (`composed`), whether a
string is text at all (`is_text`: JSON escapes can spell half of a surrogate pair), and close
spellings of a word that is not in a vocabulary: the same word in other case first, then
difflib's `get_close_matches`, exactly, made fast enough for a 50,000-word vocabulary (about 100 ms
of pure Python otherwise, on every typo); `unknown_word` makes the error that names them.

difflib ranks candidates by `ratio()` and skips any whose cheaper upper bound `quick_ratio()` is below
the cutoff. That bound only counts shared characters: 2 * (sum over characters of the smaller of
their counts in the word and in the candidate) / (the two lengths added). `Speller` computes it for
all candidates at once with numpy, and difflib sees only the candidates that can still pass, so the
answer is the same.
"""

import difflib
import unicodedata
from collections import Counter

import numpy as np

from edge.errors import UnknownWordError

MAX_WORD = 100  # difflib is quadratic in the word's length: longer words get no suggestions


class Speller:
    """Close spellings among a fixed list of candidates, whose characters are indexed once.

    Parameters
    ----------
    candidates : list of str
    """

    def __init__(self, candidates):
        self.candidates = list(candidates)
        self._known = set(self.candidates)
        count = len(self.candidates)
        self._lengths = np.fromiter(map(len, self.candidates), dtype=np.int64, count=count)  # (C,)
        codes = np.frombuffer("".join(self.candidates).encode("utf-32-le"), dtype=np.uint32)  # (L,) every character
        # (A,) the distinct characters, and (L,) each character as an index into them
        self._alphabet, letters = np.unique(codes, return_inverse=True)
        owner = np.repeat(np.arange(count), self._lengths)  # (L,) whose character it is
        # (P,) the distinct (character, candidate) pairs, grouped by character: the candidates that
        # have character a, and how many times, are _holders and _times[_starts[a]:_starts[a + 1]]
        pairs, self._times = np.unique(letters * count + owner, return_counts=True)
        self._holders = pairs % count
        self._starts = np.searchsorted(pairs // count, np.arange(len(self._alphabet) + 1))

    def _plausible(self, word, cutoff):
        """The candidates whose quick-ratio bound with `word` is at least `cutoff`."""
        shared = np.zeros(len(self.candidates), dtype=np.int64)  # (C,) characters each has in common with word
        for char, times in Counter(word).items():
            a = np.searchsorted(self._alphabet, ord(char))
            if a < len(self._alphabet) and self._alphabet[a] == ord(char):
                have = slice(self._starts[a], self._starts[a + 1])
                shared[self._holders[have]] += np.minimum(self._times[have], times)
        total = self._lengths + len(word)
        bound = np.where(total > 0, 2.0 * shared / np.maximum(total, 1), 1.0)  # difflib's ratio formula
        return [self.candidates[i] for i in np.flatnonzero(bound >= cutoff)]

    def close(self, word, n=3, cutoff=0.75):
        """Up to `n` candidates that look like `word`: the same word in other case first, then
        difflib's close matches (ratio >= cutoff), best first."""
        if not isinstance(word, str) or len(word) > MAX_WORD:
            return []
        cases = [c for c in dict.fromkeys((word.lower(), word.capitalize(), word.upper())) if c != word and c in self._known]
        # An empty word or candidates without characters leave nothing to index: difflib is quick there.
        plausible = self._plausible(word, cutoff) if word and len(self._alphabet) else self.candidates
        return (cases + [c for c in difflib.get_close_matches(word, plausible, n=n, cutoff=cutoff) if c not in cases])[:n]


def close_spellings(word, candidates, n=3, cutoff=0.75):
    """Up to `n` entries of `candidates` (a list, or a `Speller` made of them) that look like `word`."""
    speller = candidates if isinstance(candidates, Speller) else Speller(candidates)
    return speller.close(word, n, cutoff)


def composed(word):
    """`word` in Unicode's composed form (NFC), as tokenizers write words; anything else as it is."""
    return unicodedata.normalize("NFC", word) if isinstance(word, str) else word


def is_text(word):
    """Whether `word` is text that UTF-8 can hold (not half of a surrogate pair, as a JSON escape can spell)."""
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unknown_word(word, candidates, size, what="the vocabulary"):
    """The `UnknownWordError` for `word`, suggesting close spellings among `candidates` (a list of
    words, or a `Speller` made of them)."""
    close = close_spellings(word, candidates)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    shown = word if not isinstance(word, str) or len(word) <= 60 else word[:57] + "..."
    return UnknownWordError(word, f"word {shown!r} is not in {what} ({size:,} words){hint}", close)
