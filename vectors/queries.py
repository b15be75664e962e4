"""Questions to ask word vectors, as the commands and the web page ask them: neighbours, similarity,
analogies, the odd one out, and the expressions of the `wp repl` prompt. Every word is checked
first, so a typo gets an `UnknownWordError` with close spellings, and counts are checked.

Takes `WordVectors`; leaves out loading (`wp.models`) and printing (the commands).
"""

import re

from edge.errors import UserError

ANALOGY_METHODS = ("add", "mul")


def check_words(wv, words):
    """Raise `UnknownWordError` naming the first word not in the vocabulary."""
    for word in words:
        wv.row(word)


def _check_count(n, what="n"):
    if not isinstance(n, int) or n < 1:
        raise UserError(f"{what} must be a whole number of at least 1, got {n!r}")


def _answers(ranked, question):
    if not ranked:
        raise UserError(f"{question} has no answer: every word of the vocabulary is in the question")
    return ranked


def similar(wv, words, n=10, restrict=None):
    """The n nearest neighbours by cosine of a word, or of the mean of several: [(word, cosine)]."""
    if not words:
        raise UserError("give at least one word")
    _check_count(n)
    return _answers(wv.most_similar(list(words), topn=n, restrict=restrict), f"the neighbours of {' '.join(words)}")


def frequency(wv, words):
    """How common each word is: ("count", {word: times seen in training}) for vectors that know
    their counts (a tlm model's), else ("rank", {word: 1-based frequency rank}) as vector files
    list words most frequent first."""
    rows = {w: wv.row(w) for w in words}
    if wv.counts is not None:
        return "count", {w: int(wv.counts[r]) for w, r in rows.items()}
    return "rank", {w: r + 1 for w, r in rows.items()}


def similarity(wv, a, b):
    """Cosine similarity of two words."""
    return wv.similarity(a, b)


def analogy(wv, a, b, c, n=5, method="add", restrict=None):
    """'a is to b as c is to ?': the n best answers, input words excluded.

    method 'add' ranks by cos(x, b - a + c) (3CosAdd); 'mul' by 3CosMul (Levy & Goldberg 2014).
    """
    _check_count(n)
    question = f"{a} is to {b} as {c} is to ?"
    if method == "add":
        return _answers(wv.most_similar([b, c], [a], topn=n, restrict=restrict), question)
    if method == "mul":
        return _answers(wv.most_similar_cosmul([b, c], [a], topn=n, restrict=restrict), question)
    raise UserError(f"unknown analogy method {method!r}; use {' or '.join(ANALOGY_METHODS)}")


def odd_one_out(wv, words):
    """The word furthest from the mean of the others (gensim's `doesnt_match`)."""
    if len(words) < 3:
        raise UserError(f"odd-one-out needs at least 3 words, got {len(words)}")
    return wv.doesnt_match(list(words))


def vector(wv, word):
    """The word's vector, as a list of floats."""
    return [float(x) for x in wv[word]]


_TERM = re.compile(r"\s*([+-]?)\s*([^\s+\-~]+)")


def parse_expression(line):
    """A repl line -> ('similar', positives, negatives) or ('similarity', a, b).

    'king' -> neighbours; 'king - man + woman' -> neighbours of the sum; 'cat ~ dog' -> cosine.
    """
    if "~" in line:
        parts = [p.strip() for p in line.split("~")]
        if len(parts) != 2 or not all(parts) or any(len(p.split()) != 1 for p in parts):
            raise UserError("write a similarity as: word ~ word")
        return ("similarity", parts[0], parts[1])
    positive, negative, pos = [], [], 0
    line = line.strip()
    while pos < len(line):
        m = _TERM.match(line, pos)
        if not m or (m.group(1) == "" and positive + negative):
            raise UserError("write a query as: word, or word - word + word ..., or word ~ word")
        (negative if m.group(1) == "-" else positive).append(m.group(2))
        pos = m.end()
    if not positive:
        raise UserError("a query needs at least one word with a + sign (or none)")
    return ("similar", positive, negative)


def evaluate_expression(wv, line, n=10, read=list):
    """Run a repl line: returns ('similar', [(word, cos)]) or ('similarity', cosine). `read` turns
    the line's words into the vectors' own (a tlm model's transforms: `King` -> `king`)."""
    kind, *rest = parse_expression(line)
    if kind == "similarity":
        return kind, similarity(wv, *read(rest))
    positive, negative = rest
    words = read(positive + negative)
    return kind, wv.most_similar(words[:len(positive)], words[len(positive):], topn=n)
