"""The interface every tlm model shares, in the style of minbpe's `Tokenizer` base class.

A model has a vocabulary (by composition), a context window `n`, a next-token distribution
`predict(context_words) -> (V,)`, a loss on examples, generation, a per-epoch history, and
`to_dict` / `from_dict` for its file. What a model can do beyond that is said by attributes, not
by comparing kind names:

- `has_embeddings`: its rows of E are learned word vectors (`word_vectors()`)
- `trainable`: it learns by gradient descent, so `tlm train --resume` can continue it

Subclasses register themselves under their `kind` (the name in model files). Leaves out files
(`tlm/persistence.py`), training (`tlm/training.py`) and sampling (`tlm/generation.py`).
"""

from dataclasses import asdict, field
from typing import Annotated, Literal

import numpy as np
from pydantic import ConfigDict, Field, Strict
from pydantic.dataclasses import dataclass

from edge.errors import UserError
from tlm.tokenizer import TRANSFORMS
from tlm.vocabulary import Vocabulary

MAX_CONTEXT = 64  # longest context window a model (or its file) may have


def Whole(low, high=2**63 - 1):
    """The type of a setting that is a whole number from `low` to `high` (not a bool, not 2.0)."""
    return Annotated[int, Strict(), Field(ge=low, le=high)]


@dataclass(config=ConfigDict(extra="forbid"))
class Config:
    """Settings every model kind has: the context window, the tokenizer transforms, the vocabulary's
    fold. Each field's type says its range: model files are checked against it (`tlm/schema.py`)."""

    n: Whole(1, MAX_CONTEXT) = 2  # context window: how many previous tokens predict the next
    transforms: list[Literal[tuple(TRANSFORMS)]] = field(default_factory=list)  # applied in order
    min_count: Whole(1, 2**31 - 1) = 1  # rarer tokens are folded into <unk>


class LanguageModel:
    """A next-token model over a vocabulary; see the module docstring."""

    kind = None  # name in model files
    has_embeddings = False
    trainable = False
    kinds = {}  # kind -> class, filled as subclasses are defined
    config_class = Config

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.kind:
            LanguageModel.kinds[cls.kind] = cls

    def __init__(self, config):
        self.config = config
        self.vocabulary = Vocabulary(min_count=config.min_count)
        self.word_counts = np.zeros(0, dtype=np.int64)  # (V,) training occurrences of each token
        self.history = {"loss": [], "val_loss": []}

    # ---- the vocabulary -----------------------------------------------------------------------

    @property
    def n(self):
        return self.config.n

    @property
    def vocab(self):
        """The tokens, row order (a list)."""
        return self.vocabulary.tokens

    @property
    def word_to_idx(self):
        """dict token -> row (a missing word raises a `KeyError` with close spellings)."""
        return self.vocabulary.word_to_idx

    def encode(self, words):
        return self.vocabulary.encode(words)

    def index(self, word):
        return self.vocabulary.index(word)

    def frequencies(self):
        """Training occurrences of each token: (V,)."""
        return self.word_counts

    # ---- predicting ---------------------------------------------------------------------------

    def predict(self, context_words):
        """Probabilities of the next token after the given context tokens: (V,).

        Only the last n tokens count; fewer are fine. A word outside the vocabulary reads as <unk>
        when the model has one, else raises `UnknownWordError`.
        """
        rows = [self.vocabulary.lookup(w) for w in context_words][-self.n:] if context_words else []
        return self._probs(np.array(rows, dtype=np.int32))

    def most_likely(self, context_words, k):
        """The k likeliest next tokens after the context: [(token, probability)], likeliest first
        (ties in row order)."""
        probs = self.predict(context_words)  # (V,)
        top = np.argsort(-probs, kind="stable")[:k]
        return [(self.vocab[i], float(probs[i])) for i in top]

    def _probs(self, rows):
        """(k,) context rows, 0 <= k <= n -> (V,) next-token probabilities."""
        raise NotImplementedError

    def mean_loss(self, contexts, targets):
        """Mean cross-entropy in nats per token of (M, n) contexts and (M,) targets (NaN if M = 0)."""
        raise NotImplementedError

    def generate(self, length=50, prompt=None, temperature=1.0, top_k=None, rng=None):
        """Sample `length` tokens after the prompt; returns the tokens, prompt included."""
        from tlm import generation

        return generation.generate(self, length, prompt=prompt, temperature=temperature, top_k=top_k, rng=rng)

    def word_vectors(self, output=False):
        """The model's word vectors as `vectors.WordVectors`."""
        raise UserError(f"a {self.kind} model has no learned word vectors (train an embedding model: --kind embedding)")

    def _by_frequency(self, vectors):
        """`vectors` (V, k), one row per vocabulary row, as `WordVectors` with the most frequent word
        first, as word-vector files order them (so "the N most frequent words" are the first N), with
        their training counts (none for the first model files, which recorded no counts)."""
        from vectors.word_vectors import WordVectors

        order = np.argsort(-self.word_counts, kind="stable")  # (V,)   ties keep vocabulary order
        return WordVectors([self.vocab[i] for i in order], np.ascontiguousarray(vectors[order]),
                           counts=np.asarray(self.word_counts)[order] if self.word_counts.any() else None)

    # ---- describing ---------------------------------------------------------------------------

    def parameter_count(self):
        raise NotImplementedError

    def describe(self):
        """One line: kind, vocabulary, context and size."""
        folded = f" (incl. <unk> for {len(self.vocabulary.folded):,} rare words)" if self.vocabulary.folded else ""
        return f"{self.kind} model, {len(self.vocab):,} tokens{folded}, n={self.n}, {self.parameter_count():,} parameters"

    # ---- files --------------------------------------------------------------------------------

    def to_dict(self):
        """The model as a JSON-ready dict; numpy arrays are left for the file format to encode."""
        folded = sorted(self.vocabulary.folded)
        seen = [self.vocabulary.folded[w] for w in folded]  # a plain list: 2 bytes a word, as the counts are small
        return {"config": asdict(self.config), "vocab": self.vocab, "folded": folded,
                **({"folded_counts": seen} if None not in seen else {}),  # unknown for a file from before them
                "word_counts": self.word_counts, "history": self.history}

    @classmethod
    def from_dict(cls, doc):
        """A model from `to_dict`'s output, every field checked first (`schema.SchemaError` if not valid)."""
        from tlm import schema

        checked = schema.validate(cls.kind, doc)
        model = cls.__new__(cls)
        model.config = checked.config
        seen = checked.folded_counts or [None] * len(checked.folded)
        model.vocabulary = Vocabulary(checked.vocab, dict(zip(checked.folded, seen)), checked.config.min_count)
        model.word_counts = checked.word_counts
        model.history = checked.history.model_dump()
        model._load_parameters(checked)
        return model

    def _load_parameters(self, checked):
        """Take the kind's own fields from the checked file (called by `from_dict`)."""
        raise NotImplementedError
