"""The best-scoring words of many questions in one pass over the unit rows: the questions' query
vectors multiplied by all N rows at once (one matrix product), then, per question, only the rows
that can be among its best k scored again, exactly, and ranked.

Why again: a float32 product's columns differ in their last bits with the number of columns
multiplied together, so a question asked in a batch and alone would rank near-ties differently.
The product only chooses candidates; every answer is scored in float64 from the same float32 rows
and query vectors, row by row (elementwise products summed, which no other row changes), and
ranked by that score, ties to the lower row. A batch of one (the commands) and of many (the server)
give the same answers.

Choosing candidates without sorting N scores (an `argpartition` over (32, 400,000) scores costs
more than the product): the k-th largest of a sample of the scores (every SAMPLE-th row) is no
larger than the k-th largest of all of them. Taking the sample's lower bounds and every row's
upper bound (the float32 score widened by its rounding error) keeps every row whose exact score
can reach the top k: about SAMPLE x k rows.

Shapes: N rows, d dimensions, m query vectors of one question, M of the batch, n candidates.
Leaves out words (`word_vectors`) and building the query vectors (`WordVectors.question`).
"""

from dataclasses import dataclass

import numpy as np

SAMPLE = 64  # every 64th row's score bounds the k-th largest from below
COSMUL_EPSILON = 1e-6  # gensim's guard against dividing by a zero product
CHUNK = 8192  # candidate rows scored exactly at once: bounds the float64 temporaries
FEW_COLUMNS = 8  # up to this many query vectors, the product is taken the other way round (`best`)
WIDEN = 1e-5  # relative widening of 3CosMul's bounds, for their own float32 rounding


@dataclass(frozen=True)
class Question:
    """What to rank: cosines to the normalised mean of query vectors ("add", one vector), or
    3CosMul of the shifted cosines to each ("mul": the first `positive` in the numerator)."""

    columns: np.ndarray  # (m, d) float32 unit query vectors
    positive: int
    method: str  # "add" or "mul"
    exclude: tuple  # rows never answered (the question's own words)
    topn: int


def scores(cosines, question):
    """A question's scores from its query vectors' cosines (m, n) -> (n,)."""
    if question.method == "add":
        return cosines[0]
    shifted = (cosines + 1) / 2  # (m, n) cosines moved from [-1, 1] to [0, 1]
    p = question.positive
    return shifted[:p].prod(axis=0) / (shifted[p:].prod(axis=0) + COSMUL_EPSILON)


def _kth_largest(values, k):
    return np.partition(values, len(values) - k)[len(values) - k]


def _candidates(cosines, question, err, k):
    """The rows (n,) whose exact score can be among the k largest, from float32 cosines (m, N)
    within `err` of the exact ones: those whose upper bound reaches the sample's k-th lower bound."""
    N = cosines.shape[1]
    if N // SAMPLE <= k:
        return np.arange(N)
    if question.method == "add":  # bounds: the cosine -+ err
        return np.flatnonzero(cosines[0] >= _kth_largest(cosines[0, ::SAMPLE], k) - 2 * err)
    shifted = (cosines + 1) / 2  # (m, N)
    p, e = question.positive, err / 2
    sample = shifted[:, ::SAMPLE]
    lower = np.maximum(sample[:p] - e, 0).prod(axis=0) / ((sample[p:] + e).prod(axis=0) + COSMUL_EPSILON)
    upper = (shifted[:p] + e).prod(axis=0) / (np.maximum(shifted[p:] - e, 0).prod(axis=0) + COSMUL_EPSILON)
    return np.flatnonzero(upper * (1 + WIDEN) >= _kth_largest(lower, k) * (1 - WIDEN))


def exact_cosines(rows, columns):
    """Cosines (m, n) in float64 of float32 rows (n, d) and query vectors (m, d), row by row."""
    out = np.empty((len(columns), len(rows)))
    cols = columns.astype(np.float64)[:, None, :]  # (m, 1, d)
    for start in range(0, len(rows), CHUNK):
        part = rows[start:start + CHUNK].astype(np.float64)  # (c, d)
        out[:, start:start + CHUNK] = (cols * part[None, :, :]).sum(axis=2)
    return out


def _best(unit, question, cosines, err):
    """(rows (k,), scores (k,)) of one question, best first, from its float32 cosines (m, N)."""
    k = min(question.topn + len(question.exclude), len(unit))
    candidates = _candidates(cosines, question, err, k)  # (n,)
    exact = scores(exact_cosines(unit[candidates], question.columns), question)  # (n,)
    order = np.lexsort((candidates, -exact))  # best first, ties to the lower row
    rows, ranked = candidates[order], exact[order]
    keep = ~np.isin(rows, question.exclude)
    return rows[keep][:question.topn], ranked[keep][:question.topn]


def best(unit, questions):
    """[(rows, scores)] per question, best first, for `questions` over the unit rows (N, d)."""
    columns = np.concatenate([q.columns for q in questions])  # (M, d)
    # The one pass over the rows. For a few query vectors (N, d) @ (d, M) is up to 3x faster than
    # (M, d) @ (d, N) (measured); for more, reading its result's strided columns costs more than that.
    cosines = (unit @ columns.T).T if len(columns) <= FEW_COLUMNS else columns @ unit.T  # (M, N)
    # Twice the rounding bound of a float32 dot product of d terms of unit vectors (d * 2**-24).
    err = unit.shape[1] * 2.0**-23
    answers, start = [], 0
    for q in questions:
        answers.append(_best(unit, q, cosines[start:start + len(q.columns)], err))
        start += len(q.columns)
    return answers
