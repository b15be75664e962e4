"""The count model of the previous lab: next-token probabilities from n-gram counts, with add-k
smoothing and back-off, so that an unseen context falls back to a shorter one instead of stopping.

P(w | c) = (count(c, w) + k) / (count(c) + k V), where c is the longest suffix of the context (at
most n tokens) that appeared in training; with none, c is empty and this is the unigram estimate.
It has no embeddings, but its counts give each word a vector too: the counts of the words that
follow it (`keyed_vectors`), the "count-based" word vectors that embeddings replace.

Shares the interface that generation, prediction and evaluation use with `TinyLanguageModel`.
Leaves out files (`tlm/persistence.py`).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from tlm.errors import TlmError
from tlm.training import require_examples
from tlm.vocabulary import Vocabulary

DEFAULT_ADD_K = 0.01  # chosen on Emma's held-out tail (README): add-1 flattens everything
VECTOR_COLUMNS = 2000  # count vectors use the successors among the most frequent words only


@dataclass
class CountConfig:
    n: int = 2
    add_k: float = DEFAULT_ADD_K
    transforms: list = field(default_factory=list)


class CountModel(Vocabulary):
    """n-gram counts with add-k smoothing and back-off to shorter contexts.

    Attributes (after `train`)
    --------------------------
    vocab : sorted list of tokens; word_to_idx : dict
    tables : list, tables[j] maps a context of j token ids (a tuple) to a Counter of next ids
    """

    kind = "counts"

    def __init__(self, n=2, add_k=DEFAULT_ADD_K, transforms=()):
        if n < 1:
            raise ValueError(f"context window must be at least 1, got {n}")
        if not add_k > 0:
            raise TlmError(f"--add-k must be positive, got {add_k}")
        self.config = CountConfig(n=n, add_k=add_k, transforms=list(transforms))
        self.vocab, self.word_to_idx, self.tables = [], {}, []
        self.history = {"loss": [], "val_loss": []}

    @property
    def n(self):
        return self.config.n

    def train(self, words):
        """Count every j-gram context (j = 0..n) and the token that follows it."""
        self.use_vocab(sorted(set(words)))
        ids = self.encode(words)
        require_examples(ids, self.n)
        self.tables = [defaultdict(Counter) for _ in range(self.n + 1)]
        # Every position i >= j predicts ids[i] from the j tokens before it.
        for j in range(self.n + 1):
            for i in range(j, len(ids)):
                self.tables[j][tuple(ids[i - j:i].tolist())][int(ids[i])] += 1

    def _probs_ids(self, context_ids):
        """(<=n,) ids -> (V,) probabilities, from the longest context suffix seen in training."""
        context = tuple(context_ids)[-self.n:]
        for j in range(len(context), -1, -1):  # longest suffix first; j = 0 (unigrams) always exists
            counts = self.tables[j].get(context[len(context) - j:])
            if counts:
                break
        probs = np.full(len(self.vocab), self.config.add_k)
        probs[list(counts)] += list(counts.values())
        return probs / probs.sum()

    def predict(self, context_words):
        """Probabilities of the next token after the given context tokens: (V,)."""
        return self._probs_ids([self.index(w) for w in context_words])

    def generate(self, length=50, prompt=None, temperature=1.0, top_k=None, rng=None):
        from tlm import generation

        return generation.generate(self, length, prompt=prompt, temperature=temperature, top_k=top_k, rng=rng)

    def mean_loss(self, contexts, targets):
        """Mean cross-entropy (nats per token) over (M, n) contexts and (M,) targets."""
        if len(targets) == 0:
            return float("nan")
        cache = {}
        total = 0.0
        for context, target in zip(map(tuple, contexts.tolist()), targets.tolist()):
            if context not in cache:
                cache[context] = self._probs_ids(context)
            total -= np.log(cache[context][target])
        return total / len(targets)

    def keyed_vectors(self, output=False):
        """Count vectors as gensim KeyedVectors: row w = how often each frequent word follows w."""
        from gensim.models import KeyedVectors

        if output:
            raise TlmError("a count model has no output vectors")
        unigrams = self.tables[0][()]
        columns = [w for w, _ in unigrams.most_common(VECTOR_COLUMNS)]
        column_of = {w: j for j, w in enumerate(columns)}
        vectors = np.zeros((len(self.vocab), len(columns)), dtype=np.float32)
        for (w,), followers in self.tables[1].items():
            for nxt, c in followers.items():
                if nxt in column_of:
                    vectors[w, column_of[nxt]] = c
        kv = KeyedVectors(len(columns))
        kv.add_vectors(self.vocab, vectors)
        return kv

    def frequencies(self):
        """Training counts of each vocabulary word: (V,)."""
        freq = np.zeros(len(self.vocab), dtype=np.int64)
        unigrams = self.tables[0][()]
        freq[list(unigrams)] = list(unigrams.values())
        return freq
