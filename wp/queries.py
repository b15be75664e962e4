"""Questions to ask word vectors: neighbours, similarity, analogies, the odd one out, and the
expressions of the `wp repl` prompt. Every word is checked first, so a typo gets a clear error
with close spellings instead of gensim's bare KeyError.

Takes gensim `KeyedVectors`; leaves out loading (`wp/vectors.py`) and printing (`wp/cli.py`).
"""

import difflib
import re

import numpy as np

from wp.errors import WpError

# Close spellings are looked for among the most frequent words only: difflib over 400k is slow.
SUGGESTION_POOL = 50_000


def check_words(kv, words):
    """Raise `WpError` naming the first word not in the vocabulary, with up to three close spellings."""
    for word in words:
        if word not in kv.key_to_index:
            pool = kv.index_to_key[:SUGGESTION_POOL]
            close = difflib.get_close_matches(word, pool, n=3, cutoff=0.75)
            hint = f"; close: {', '.join(close)}" if close else ""
            raise WpError(f"word {word!r} is not in the vocabulary ({len(kv):,} words){hint}")


def similar(kv, words, n=10, restrict=None):
    """The n nearest neighbours by cosine of a word, or of the mean of several: [(word, cosine)]."""
    check_words(kv, words)
    return kv.most_similar(positive=list(words), topn=n, restrict_vocab=restrict)


def similarity(kv, a, b):
    """Cosine similarity of two words."""
    check_words(kv, [a, b])
    return float(kv.similarity(a, b))


def analogy(kv, a, b, c, n=5, method="add", restrict=None):
    """'a is to b as c is to ?': the n best answers, input words excluded.

    method 'add' ranks by cos(x, b - a + c) (3CosAdd); 'mul' by 3CosMul (Levy & Goldberg 2014).
    """
    check_words(kv, [a, b, c])
    if method == "add":
        return kv.most_similar(positive=[b, c], negative=[a], topn=n, restrict_vocab=restrict)
    if method == "mul":
        return kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=n, restrict_vocab=restrict)
    raise WpError(f"unknown analogy method {method!r}; use add or mul")


def odd_one_out(kv, words):
    """The word furthest from the mean of the others (gensim's doesnt_match)."""
    if len(words) < 3:
        raise WpError(f"odd-one-out needs at least 3 words, got {len(words)}")
    check_words(kv, words)
    return kv.doesnt_match(list(words))


def vector(kv, word):
    """The word's vector (a copy, as float64 for printing)."""
    check_words(kv, [word])
    return np.asarray(kv[word], dtype=np.float64)


_TERM = re.compile(r"\s*([+-]?)\s*([^\s+\-~]+)")


def parse_expression(line):
    """A repl line -> ('similar', positives, negatives) or ('similarity', a, b).

    'king' -> neighbours; 'king - man + woman' -> neighbours of the sum; 'cat ~ dog' -> cosine.
    """
    if "~" in line:
        parts = [p.strip() for p in line.split("~")]
        if len(parts) != 2 or not all(parts) or any(len(p.split()) != 1 for p in parts):
            raise WpError("write a similarity as: word ~ word")
        return ("similarity", parts[0], parts[1])
    positive, negative, pos = [], [], 0
    line = line.strip()
    while pos < len(line):
        m = _TERM.match(line, pos)
        if not m or (m.group(1) == "" and positive + negative):
            raise WpError("write a query as: word, or word - word + word ..., or word ~ word")
        (negative if m.group(1) == "-" else positive).append(m.group(2))
        pos = m.end()
    if not positive:
        raise WpError("a query needs at least one word with a + sign (or none)")
    return ("similar", positive, negative)


def evaluate_expression(kv, line, n=10):
    """Run a repl line: returns ('similar', [(word, cos)]) or ('similarity', cosine)."""
    kind, *rest = parse_expression(line)
    if kind == "similarity":
        return kind, similarity(kv, *rest)
    positive, negative = rest
    check_words(kv, positive + negative)
    return kind, kv.most_similar(positive=positive, negative=negative, topn=n)
