"""`WordVectors`: words, one vector per word, and the similarity questions of gensim's
`KeyedVectors` (`most_similar`, `most_similar_cosmul`, `similarity`, `doesnt_match`) in plain
numpy, so that a one-shot query needs neither gensim nor scipy at start-up.

The answers follow gensim's definitions (tests compare them on GloVe to 1e-5): cosine on unit
rows, the mean of the query words' unit vectors for neighbours, Levy & Goldberg's 3CosMul with
cosines shifted to [0, 1], and the odd one out as the word furthest from the normalised mean.
Rows of length zero have cosine 0 with everything (gensim divides by zero there).

Shapes: N = words, d = dimensions, Q = query words.
"""

import numpy as np

from vectors.spelling import Speller, composed, unknown_word
from vectors import nearest

# Close spellings are looked for among the most frequent words only (rare words make poor
# suggestions, and indexing 400k words would cost 0.2 s).
SUGGESTION_POOL = 50_000
# The first few look-ups scan the word list instead of building the index: a one-shot query on
# 400k words then starts 0.1 s sooner (a frequent word is found near the top, a miss costs ~8 ms).
SCANNED_LOOKUPS = 8


def unit_rows(vectors, dtype=np.float32):
    """Rows scaled to length 1, zero rows left zero: (N, d) -> (N, d) of `dtype`.

    Computed in float64, where squaring neither overflows (values near 3e38) nor underflows (1e-45).
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))[:, None]  # (N, 1)
    return (vectors / np.where(norms == 0, 1, norms)).astype(dtype, copy=False)


class WordVectors:
    """Words and their vectors.

    Parameters
    ----------
    words : list of str
        Distinct words; row i of `vectors` belongs to words[i] (most frequent first, by convention,
        so that `restrict=N` means "the N most frequent words").
    vectors : (N, d) float32 array, possibly memory-mapped
    unit : (N, d) float32 array, optional
        The unit rows, if already computed (the store keeps them beside the vectors).
    counts : (N,) int array, optional
        How often each word was seen in training, when known (a tlm model's vectors); vector files
        hold none, and their row order is the frequency rank.
    """

    def __init__(self, words, vectors, unit=None, counts=None):
        self.words = list(words)
        self.vectors = vectors
        self.counts = counts
        self._unit = unit
        self._index = None
        self._speller = None
        self._scans = 0

    # ---- looking words up ---------------------------------------------------------------------

    @property
    def index(self):
        """dict word -> row, built on first use."""
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    @property
    def speller(self):
        """Close spellings among the `SUGGESTION_POOL` most frequent words, indexed on first use."""
        if self._speller is None:
            self._speller = Speller(self.words[:SUGGESTION_POOL])
        return self._speller

    @property
    def unit(self):
        """(N, d) rows of length 1."""
        if self._unit is None:
            self._unit = unit_rows(self.vectors)
        return self._unit

    def prepare(self):
        """Build the word index, the unit rows and the speller now rather than on first use (a
        server's first request must not wait for them); returns self."""
        self._index = self.index
        self._unit = self.unit
        self._speller = self.speller
        return self

    @property
    def dim(self):
        return self.vectors.shape[1]

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return self._find(word) is not None

    def _find(self, word):
        """The row of `word`, or of its composed Unicode form (as tokenizers write words); None if absent."""
        for form in dict.fromkeys((word, composed(word))):
            try:
                if self._index is None and self._scans < SCANNED_LOOKUPS:
                    self._scans += 1
                    return self.words.index(form)
                return self.index[form]
            except (KeyError, ValueError, TypeError):
                continue
        return None

    def row(self, word):
        """The row of `word`; an `UnknownWordError` (a `KeyError`) naming close spellings if absent."""
        row = self._find(word)
        if row is None:
            raise unknown_word(word, self.speller, len(self))
        return row

    def rows(self, words):
        """Rows of several words, checked in order: (Q,) ints."""
        return np.array([self.row(w) for w in words], dtype=np.int64)

    def __getitem__(self, word):
        """The vector of `word`: (d,)."""
        return self.vectors[self.row(word)]

    # ---- the questions ------------------------------------------------------------------------

    def similarity(self, a, b):
        """Cosine similarity of two words."""
        return float(self.unit[self.row(a)] @ self.unit[self.row(b)])

    def question(self, positive, negative=(), topn=10, method="add"):
        """A `nearest.Question` about words (`UnknownWordError` for one not here): their unit
        vectors' normalised mean, positive minus negative ("add"), or each of them ("mul")."""
        rows = self.rows(list(positive) + list(negative))  # (Q,)
        if method == "add":
            weights = np.array([1.0] * len(positive) + [-1.0] * len(negative), dtype=np.float32)  # (Q,)
            columns = unit_rows((weights @ self.unit[rows])[None, :])  # (1, d)
        else:
            columns = self.unit[rows]  # (Q, d)
        return nearest.Question(columns, len(positive), method, tuple(rows.tolist()), topn)

    def ask(self, question, restrict=None):
        """[(word, score)], best first, for one question (a server answers many in one pass)."""
        return self.answer([question], restrict)[0]

    def answer(self, questions, restrict=None):
        """[[(word, score)]] for many questions in one pass over the first `restrict` rows."""
        return [self.named(*ranked) for ranked in nearest.best(self.unit[:restrict], questions)]

    def named(self, rows, scores):
        """[(word, score)] of ranked rows (k,) and their scores (k,)."""
        return [(self.words[i], float(s)) for i, s in zip(rows.tolist(), scores)]

    def most_similar(self, positive, negative=(), topn=10, restrict=None):
        """Words nearest by cosine to the mean of the positive words' unit vectors minus the
        negative ones' (3CosAdd for an analogy); the query words are never answers.

        Returns [(word, cosine)], best first; `restrict=N` searches the first N words only.
        """
        return self.ask(self.question(positive, negative, topn, "add"), restrict)

    def most_similar_cosmul(self, positive, negative=(), topn=10, restrict=None):
        """3CosMul (Levy & Goldberg 2014): the product of the positive words' shifted cosines
        (1 + cos) / 2 divided by the negative words' (+ 1e-6); the query words are never answers."""
        return self.ask(self.question(positive, negative, topn, "mul"), restrict)

    def doesnt_match(self, words):
        """The word whose unit vector is furthest from the normalised mean of all the words' (ties:
        the alphabetically first)."""
        unit = self.unit[self.rows(words)]  # (Q, d)
        mean = unit_rows(unit.mean(axis=0)[None, :])[0]  # (d,)
        return min(zip((unit @ mean).tolist(), words))[1]

    def to_keyed_vectors(self):
        """The same vectors as gensim `KeyedVectors` (for `wp shell` and gensim's own tools)."""
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.dim)  # not count=N: that would leave N empty slots before ours
        kv.add_vectors(self.words, np.asarray(self.vectors))
        return kv
