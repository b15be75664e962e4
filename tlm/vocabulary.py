"""The vocabulary: tokens to row indices and back, shared by both model kinds.

A mixin: the model keeps `vocab` (sorted tokens) and `word_to_idx`; this adds the look-ups.
"""

import difflib

import numpy as np


class Vocabulary:
    """Look-ups over `self.vocab` / `self.word_to_idx`."""

    def use_vocab(self, vocab):
        """Adopt an ordered token list as the vocabulary (row i is vocab[i])."""
        self.vocab = list(vocab)
        self.word_to_idx = {w: i for i, w in enumerate(self.vocab)}

    def encode(self, words):
        """Token list -> array of indices, with -1 for tokens outside the vocabulary."""
        return np.array([self.word_to_idx.get(w, -1) for w in words], dtype=np.int64)

    def index(self, word):
        """The row of `word`; a `KeyError` naming close spellings if it is not in the vocabulary."""
        try:
            return self.word_to_idx[word]
        except KeyError:
            close = difflib.get_close_matches(word, self.vocab, n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise KeyError(f"word {word!r} not in vocabulary ({len(self.vocab)} words){hint}") from None
