"""Which word vectors a trained model answers with, and a query word in the model's own terms.

An embedding model has two matrices of word vectors: the rows of E (what a word is as context) and
the columns of W (what a word is as the next token). `E+W` adds each word's two unit vectors, so
both count equally whatever their lengths. Measured on Emma and on all of Gutenberg (see
docs/vectors.md, bench/vector_choice.py), E+W agrees best with people's ratings and with GloVe.

Also here: the tokenizer transforms applied to a query word (`King` -> `king` in a `-t lower`
model), and how many words a query-time `--min-count` leaves in the neighbour lists. Leaves out
printing (the commands) and the questions themselves (`vectors.queries`).
"""

import numpy as np

from edge.errors import UserError
from tlm.tokenizer import tokenize
from vectors.word_vectors import unit_rows

VECTORS = ("E", "W", "E+W")
DEFAULT_VECTORS = "E+W"
VECTORS_HELP = ("which word vectors: E = rows of E (input), W = columns of W (output), E+W = the sum of each word's "
                f"two unit vectors (default: {DEFAULT_VECTORS})")
# Neighbours seen fewer times than this in training are hidden by default (docs/vectors.md: on Emma,
# words seen once or twice fill the lists with high cosines and say little).
DEFAULT_MIN_COUNT = 3


def matrix(model, which=DEFAULT_VECTORS):
    """The chosen word vectors of an embedding model, one row per vocabulary row: (V, d)."""
    if which == "E":
        return model.E
    if which == "W":
        return model.W.T
    return unit_rows(model.E) + unit_rows(model.W.T)  # (V, d)


def word_vectors(model, which=None):
    """The chosen vectors of `model` as `WordVectors`, most frequent word first, with their training
    counts. A count model has one set of vectors: `which` must be None."""
    if not model.has_embeddings:
        if which is not None:
            raise UserError(f"a {model.kind} model has one set of word vectors (its counts): drop --vectors")
        return model.word_vectors()
    which = which or DEFAULT_VECTORS
    return model.word_vectors() if which == "E" else model._by_frequency(matrix(model, which))


def chosen(model, name, which=None, words=()):
    """The chosen word vectors of the model in file `name` and `words` in its own terms: (WordVectors,
    tokens, notes for the words its transforms changed); a `UserError` for a model without learned
    word vectors, or a word it lacks."""
    if not model.has_embeddings:
        raise UserError(f"{name} is a {model.kind} model: it has no learned word vectors (train with --kind embedding)")
    tokens, notes = query_words(model, words)
    return word_vectors(model, which), tokens, notes


def visible(wv, min_count):
    """How many of wv's words (most frequent first) were seen at least `min_count` times: the
    `restrict` that hides rarer words. A --min-count that leaves none says so."""
    kept = int(np.count_nonzero(np.asarray(wv.counts) >= min_count))
    if kept == 0:
        raise UserError(f"--min-count {min_count} hides every word: the most frequent word was seen "
                        f"{int(max(wv.counts, default=0)):,} times")
    return kept


def shown(wv, name, min_count=None, restrict=None):
    """The `restrict` of a neighbour search in `wv` (the vectors of model `name`): `restrict`, narrowed
    to the words seen at least `min_count` times (default DEFAULT_MIN_COUNT) when wv knows its
    training counts; a `min_count` for vectors without counts is refused."""
    if wv.counts is None:
        if min_count is not None:
            raise UserError(f"{name} holds no training counts (only tlm models do); --restrict N keeps its N most "
                            f"frequent words")
        return restrict
    kept = visible(wv, min_count or DEFAULT_MIN_COUNT)
    return min(kept, restrict or kept)


def query_word(model, word):
    """`word` as the model's tokenizer writes it: (token, note or None). A word the transforms turn
    into nothing, or into several tokens, is refused; one of the model's tokens is kept as it is."""
    transforms = model.config.transforms
    if not transforms or word in model.vocabulary:  # a token of its own (a char model's ' ') is taken as it is
        return word, None
    tokens = tokenize(word, transforms)
    if len(tokens) != 1:
        raise UserError(f"{word!r} is {len(tokens)} tokens after the model's transforms ({', '.join(transforms)}); "
                        f"give one word")
    token = tokens[0]
    return token, (None if token == word else f"{word} -> {token} (the model's transforms: {', '.join(transforms)})")


def query_words(model, words):
    """Several query words in the model's terms, each checked to be in its vocabulary (a folded one
    says so): (tokens, notes for the words the transforms changed)."""
    pairs = [query_word(model, w) for w in words]
    for token, _ in pairs:
        model.index(token)
    return [t for t, _ in pairs], [n for _, n in pairs if n]
