"""The vocabulary: tokens to rows and back, shared by every model kind (models hold one, by
composition, as `model.vocabulary`).

Row i is `tokens[i]`; tokens are sorted, as the lab's `sorted(set(words))`. With `min_count` > 1,
tokens seen fewer times in training are folded into one `<unk>` row, so the model still predicts
every position of a text; the folded words are remembered with how often each was seen, so that a
question about one of them says so ("seen 1 time") instead of "unknown word". Leaves out counting
occurrences for other purposes (the models).
"""

from collections import Counter

import numpy as np

from edge.errors import UnknownWordError, UserError
from vectors.spelling import composed, unknown_word

UNK = "<unk>"


class FoldedWordError(UnknownWordError):
    """A word the training text had, folded into <unk> by --min-count: it has no close spellings to
    offer, and the page says the message itself rather than "not in the vocabulary"."""


class WordIndex(dict):
    """dict token -> row whose missing keys raise `UnknownWordError` (a `KeyError`) with close
    spellings, so the lab's `self.word_to_idx[w]` explains a typo. `.get` still returns defaults."""

    def __init__(self, vocabulary):
        super().__init__((w, i) for i, w in enumerate(vocabulary.tokens))
        self._vocabulary = vocabulary

    def __missing__(self, word):
        form = composed(word)  # "é" typed as e + a combining accent is the tokenizer's "é"
        if form != word and dict.__contains__(self, form):
            return dict.__getitem__(self, form)
        raise self._vocabulary.unknown(word)


class Vocabulary:
    """Tokens to rows and back.

    Parameters
    ----------
    tokens : list of str
        Distinct tokens in row order.
    folded : dict str -> int or None
        Words folded into `<unk>` (seen fewer than `min_count` times in training), each with how
        often it was seen: None for the model files written before these counts were kept.
    min_count : int
        The threshold that folded them.
    """

    def __init__(self, tokens=(), folded=None, min_count=1):
        self.tokens = list(tokens)
        self.folded = dict(folded or {})
        self.min_count = min_count
        self.word_to_idx = WordIndex(self)

    @classmethod
    def build(cls, words, min_count=1):
        """The sorted vocabulary of a token list; with min_count > 1, rarer tokens fold into <unk>.

        Raises `UserError` when every token would fold: a model of <unk> alone predicts nothing.
        """
        counts = Counter(words)
        kept = [w for w, c in counts.items() if c >= min_count]
        folded = {w: c for w, c in counts.items() if c < min_count}
        if folded and not kept:
            raise UserError(f"every word is seen fewer than {min_count} times in training (--min-count {min_count}), "
                            f"so all would fold into {UNK}; the most frequent is seen {max(counts.values())} times")
        return cls(sorted(kept + [UNK] if folded else kept), folded, min_count)

    def __len__(self):
        return len(self.tokens)

    def __iter__(self):
        return iter(self.tokens)

    def __getitem__(self, row):
        return self.tokens[row]

    def __contains__(self, token):
        return token in self.word_to_idx

    @property
    def unk(self):
        """The row of <unk>, or None when nothing was folded."""
        return self.word_to_idx.get(UNK)

    def encode(self, words):
        """Token list -> (N,) int32 rows; a token outside the vocabulary becomes <unk>'s row, or -1
        when there is no <unk> (training then skips the windows that touch it)."""
        default = -1 if self.unk is None else self.unk
        get = self.word_to_idx.get
        return np.fromiter((get(w, default) for w in words), dtype=np.int32, count=len(words))

    def index(self, word):
        """The row of `word` itself (never <unk>'s); an `UnknownWordError` otherwise."""
        return self.word_to_idx[word]

    def lookup(self, word):
        """The row that stands for `word` in a context: its own, else <unk>'s; an
        `UnknownWordError` when the vocabulary has no <unk>."""
        row = self.word_to_idx.get(word, self.word_to_idx.get(composed(word)))
        if row is None:
            if self.unk is None:
                raise self.unknown(word)
            return self.unk
        return row

    def missing(self, tokens):
        """The distinct tokens of `tokens` outside the vocabulary, in order of first appearance."""
        return [t for t in dict.fromkeys(tokens) if t not in self]

    def unknown(self, word):
        """The `UnknownWordError` for `word`: folded into <unk> (a `FoldedWordError`), or never seen
        (with close spellings)."""
        if word not in self.folded:
            return unknown_word(word, self.tokens, len(self.tokens))
        seen = self.folded[word]
        if seen is None:  # an older model file: only the threshold is known
            return FoldedWordError(word, f"word {word!r} was folded into {UNK}: it is one of the {len(self.folded):,} "
                                         f"words seen fewer than {self.min_count} times in training "
                                         f"(--min-count {self.min_count})")
        return FoldedWordError(word, f"word {word!r} was seen {seen:,} time{'' if seen == 1 else 's'} in the training "
                                     f"text; --min-count {self.min_count} folded it into {UNK}")

