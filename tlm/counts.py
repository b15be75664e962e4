"""The count model of the previous lab: next-token probabilities from n-gram counts, with add-k
smoothing and back-off, so that an unseen context falls back to a shorter one instead of stopping.

P(w | c) = (count(c, w) + k) / (count(c) + k V), where c is the longest suffix of the context (at
most n tokens) that appeared in training; with none, c is empty and this is the unigram estimate.
It learns no embeddings (`has_embeddings` is False), but its counts give each word a vector too:
the counts of the words that follow it (`word_vectors`), the "count-based" vectors that
embeddings replace. Leaves out files (`tlm/persistence.py`).
"""

from collections import Counter, defaultdict

import numpy as np
from pydantic import Field
from pydantic.dataclasses import dataclass

from edge.errors import UserError
from tlm.base import Config, LanguageModel
from tlm.examples import require_examples
from tlm.vocabulary import Vocabulary

DEFAULT_ADD_K = 0.01  # chosen on Emma's held-out tail (README): add-1 flattens everything
MIN_ADD_K = 1e-100  # smaller k can round an unseen token's probability to 0: an infinite loss
MAX_ADD_K = 1e6
VECTOR_COLUMNS = 2000  # count vectors use the successors among the most frequent words only
BYTES_PER_NGRAM = 1000  # a Python tuple, dict entry and Counter: ~800 measured (n=20, 48k tokens)


@dataclass
class CountConfig(Config):
    add_k: float = Field(default=DEFAULT_ADD_K, strict=True, ge=MIN_ADD_K, le=MAX_ADD_K)  # every next token's extra counts


class CountModel(LanguageModel):
    """n-gram counts with add-k smoothing and back-off to shorter contexts.

    Attributes (after `train`)
    --------------------------
    tables : list, tables[j] maps a context of j token rows (a tuple) to a Counter of next rows
    """

    kind = "counts"
    config_class = CountConfig

    def __init__(self, n=2, add_k=DEFAULT_ADD_K, transforms=(), min_count=1):
        super().__init__(CountConfig(n=n, transforms=list(transforms), min_count=min_count, add_k=add_k))
        self.tables = []

    def train(self, words):
        """Count every j-gram context (j = 0..n) and the token that follows it.

        `words` is a token list or a list of token lists (texts; no n-gram spans two).
        """
        texts = [words] if not words or isinstance(words[0], str) else list(words)
        self.vocabulary = Vocabulary.build([w for t in texts for w in t], self.config.min_count)
        encoded = [self.encode(t) for t in texts]
        if not any(len(ids) > self.n for ids in encoded):
            require_examples(max(encoded, key=len), self.n)  # raises, saying why there is nothing to count
        self.tables = [defaultdict(Counter) for _ in range(self.n + 1)]
        for ids in map(np.ndarray.tolist, encoded):
            # Every position i >= j predicts ids[i] from the j tokens before it.
            for j in range(self.n + 1):
                table = self.tables[j]
                for i in range(j, len(ids)):
                    table[tuple(ids[i - j:i])][ids[i]] += 1
        self.word_counts = self._unigram_counts()

    def _unigram_counts(self):
        freq = np.zeros(len(self.vocab), dtype=np.int64)
        unigrams = self.tables[0][()]
        freq[list(unigrams)] = list(unigrams.values())
        return freq

    def _probs(self, rows):
        context = tuple(rows.tolist())[-self.n:]
        for j in range(len(context), -1, -1):  # longest suffix first; j = 0 (unigrams) always exists
            counts = self.tables[j].get(context[len(context) - j:])
            if counts:
                break
        probs = np.full(len(self.vocab), self.config.add_k)
        probs[list(counts)] += list(counts.values())
        return probs / probs.sum()

    def mean_loss(self, contexts, targets):
        if len(targets) == 0:
            return float("nan")
        cache = {}
        total = 0.0
        for context, target in zip(map(tuple, contexts.tolist()), targets.tolist()):
            if context not in cache:
                cache[context] = self._probs(np.array(context))
            total -= np.log(cache[context][target])
        return total / len(targets)

    def parameter_count(self):
        return sum(len(followers) for table in self.tables for followers in table.values())

    def word_vectors(self, output=False):
        """Count vectors: row w = how often each of the most frequent words follows w (most frequent
        word first)."""
        if output:
            raise UserError("a count model has no output vectors")
        columns = [w for w, _ in self.tables[0][()].most_common(VECTOR_COLUMNS)]
        column_of = {w: j for j, w in enumerate(columns)}
        vectors = np.zeros((len(self.vocab), len(columns)), dtype=np.float32)
        for (w,), followers in self.tables[1].items():
            for nxt, c in followers.items():
                if nxt in column_of:
                    vectors[w, column_of[nxt]] = c
        return self._by_frequency(vectors)

    def to_dict(self):
        # One row [context rows..., next row, count] per n-gram, in a list per context length j = 0..n.
        ngrams = [[[*context, nxt, c] for context, followers in table.items() for nxt, c in followers.items()]
                  for table in self.tables]
        return {**super().to_dict(), "ngrams": ngrams}

    def _load_parameters(self, checked):
        self.tables = []
        for j, rows in enumerate(checked.ngrams):
            table = defaultdict(Counter)
            for row in rows:
                table[tuple(row[:j])][row[j]] = row[-1]
            self.tables.append(table)
