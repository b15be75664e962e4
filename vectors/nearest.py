"""The best-scoring words of questions over the unit rows: each question's query vectors
multiplied by all N rows, block by block and side by side with other questions', keeping only the
rows that can be among its best k; those are then scored again, exactly, and ranked.

Why again: a float32 product's columns differ in their last bits with the number of columns
multiplied together, so a question asked with others and alone would rank near-ties differently.
The product only chooses candidates; every answer is scored in float64 from the same float32 rows
and query vectors, row by row (elementwise products summed, which no other row changes), and
ranked by that score, ties to the lower row. A question asked alone (the commands) and with many
others (the server) gets the same answer.

Choosing candidates without sorting N scores (an `argpartition` over (32, 400,000) scores costs
more than the product): the k-th largest of a sample of the scores (every SAMPLE-th row) is no
larger than the k-th largest of all of them. Taking the sample's lower bounds (`threshold`) and
every row's upper bound (the float32 score widened by its rounding error) keeps every row whose
exact score can reach the top k: about SAMPLE x k rows. A `Scan` multiplies a block of BLOCK rows
by the query vectors of the questions asked together and compares the scores with their thresholds
while they are in the cache: the (M, N) scores are never written out, and the blocks can be
scanned in any order, by any thread, with questions joining and leaving between blocks
(`wp.server.batching`, whose scanners go round the rows).

Shapes: N rows, d dimensions, m query vectors of one question, M of the questions asked together,
r rows of a block, G 3CosMul questions of one shape, n candidates.
Leaves out words (`word_vectors`) and building the query vectors (`WordVectors.question`).
"""

from dataclasses import dataclass

import numpy as np

SAMPLE = 64  # every 64th row's score bounds the k-th largest from below
COSMUL_EPSILON = 1e-6  # gensim's guard against dividing by a zero product
BLOCK = 8192  # rows multiplied at once: their (BLOCK, 32) float32 scores, 1 MB, stay in the cache
PACK = 4  # query vectors are multiplied in groups of 4 (`Scan`)
CHUNK = 8192  # candidate rows scored exactly at once: bounds the float64 temporaries
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


def _cosmul_bound(cosines, positive, err, side):
    """Bounds (G, r) of the exact 3CosMul scores of G questions of one shape from their float32
    cosines (G, m, r) within `err` of the exact ones: lower (side -1) or upper (side +1), widened for
    their own rounding."""
    shifted = (cosines + 1) / 2  # (G, m, r), each within err / 2 of the exact
    e = side * err / 2
    top = np.maximum(shifted[:, :positive] + e, 0).prod(axis=1)
    bottom = np.maximum(shifted[:, positive:] - e, 0).prod(axis=1)
    return top / (bottom + COSMUL_EPSILON) * (1 + side * WIDEN)


def _kth_largest(values, k):
    """The k-th largest of `values` (n,); -inf where there are no more than k (nothing is bounded)."""
    return np.partition(values, len(values) - k)[len(values) - k] if len(values) > k else -np.inf


def rounding_error(unit):
    """How far a float32 cosine of unit rows (N, d) can be from the exact one: twice the rounding
    bound of a float32 dot product of d terms of unit vectors (d * 2**-24)."""
    return unit.shape[1] * 2.0**-23


def threshold(unit, question):
    """What the upper bound of the question's score must reach in a row that can be among its k
    best (k its topn plus its excluded rows): the k-th largest lower bound over the sample rows."""
    err = rounding_error(unit)
    cosines = (unit[::SAMPLE] @ question.columns.T).T  # (m, N / SAMPLE)
    if question.method == "add":
        lower = cosines[0] - err
    else:
        lower = _cosmul_bound(cosines[None], question.positive, err, -1)[0]
    return _kth_largest(lower, question.topn + len(question.exclude))


def _by_shape(cosines, columns, shape):
    """The cosines (G, m, r), contiguous, of the G 3CosMul questions of one `shape` (m, positive)
    whose query vectors are `columns` (a slice) of cosines (r, M)."""
    return np.ascontiguousarray(cosines[:, columns].T).reshape(-1, shape[0], len(cosines))


class Scan:
    """Questions asked together, laid out to find their candidates in blocks of rows: their query
    vectors side by side, 3CosAdd's first, then 3CosMul's by shape.

    A 3CosAdd question is one column: a row is its candidate when its cosine reaches its threshold
    less the rounding error, which one comparison of a block with `limits` tests for all of them at
    once. 3CosMul questions of one shape have their upper bounds computed together.
    """

    def __init__(self, questions, thresholds, err):
        self.err = err
        adds = [i for i, q in enumerate(questions) if q.method == "add"]
        shapes = {}  # (m, positive) -> the 3CosMul questions of that shape
        for i, q in enumerate(questions):
            if q.method == "mul":
                shapes.setdefault((len(q.columns), q.positive), []).append(i)
        order = adds + [i for members in shapes.values() for i in members]
        columns = np.concatenate([questions[i].columns for i in order])  # (M, d)
        # OpenBLAS multiplies by 4 query vectors at a time: 5 to 7 took longer than 8 (measured), so
        # zero vectors, never compared, fill up the last 4.
        filler = np.zeros((-len(columns) % PACK if len(columns) > PACK // 2 else 0, columns.shape[1]), np.float32)
        self.columns = np.concatenate([columns, filler]).T  # (d, M + filler)
        limits = np.full(self.columns.shape[1], np.inf, dtype=np.float32)  # none for 3CosMul's columns
        limits[:len(adds)] = [thresholds[i] - err for i in adds]
        self.limits = np.tile(limits, (BLOCK, 1))  # (BLOCK, M + filler): compared element by element
        self.owner = np.array(adds, dtype=np.int64)  # the question of each 3CosAdd column
        self.cosmul = []  # per shape: (shape, its columns, its questions (G,), their thresholds (G, 1))
        start = len(adds)
        for shape, members in shapes.items():
            where = slice(start, start + shape[0] * len(members))
            self.cosmul.append((shape, where, np.array(members),
                                np.array([thresholds[i] for i in members], dtype=np.float32)[:, None]))
            start = where.stop

    def __call__(self, rows, first):
        """(questions (n,), rows (n,)) of the candidates among `rows` (r, d), numbered from `first`."""
        cosines = rows @ self.columns  # (r, M + filler), in the cache
        found_questions, found_rows = [], []
        if len(self.owner):
            row, column = np.divmod(np.flatnonzero(cosines >= self.limits[:len(rows)]), cosines.shape[1])
            found_questions.append(self.owner[column])
            found_rows.append(row + first)
        for shape, where, members, thresholds in self.cosmul:
            upper = _cosmul_bound(_by_shape(cosines, where, shape), shape[1], self.err, +1)  # (G, r)
            g, row = np.divmod(np.flatnonzero(upper >= thresholds), len(rows))
            found_questions.append(members[g])
            found_rows.append(row + first)
        return np.concatenate(found_questions), np.concatenate(found_rows)


def by_question(count, questions, rows):
    """Candidate `rows` (n,) of `questions` (n,) numbered 0 to count - 1: [(n_i,) rows] per question."""
    order = np.argsort(questions, kind="stable")
    return np.split(rows[order], np.cumsum(np.bincount(questions, minlength=count))[:-1])


def exact_cosines(rows, columns):
    """Cosines (m, n) in float64 of float32 rows (n, d) and query vectors (m, d), row by row."""
    out = np.empty((len(columns), len(rows)))
    cols = columns.astype(np.float64)[:, None, :]  # (m, 1, d)
    for start in range(0, len(rows), CHUNK):
        part = rows[start:start + CHUNK].astype(np.float64)  # (c, d)
        out[:, start:start + CHUNK] = (cols * part[None, :, :]).sum(axis=2)
    return out


def ranked(unit, question, candidates):
    """(rows (k,), scores (k,)) of one question, best first, from its candidate rows (n,)."""
    exact = scores(exact_cosines(unit[candidates], question.columns), question)  # (n,)
    order = np.lexsort((candidates, -exact))  # best first, ties to the lower row
    rows, exact = candidates[order], exact[order]
    keep = ~np.isin(rows, question.exclude)
    return rows[keep][:question.topn], exact[keep][:question.topn]


def best(unit, questions):
    """[(rows, scores)] per question, best first, for `questions` over the unit rows (N, d)."""
    unit = np.asarray(unit)  # a memory map's slices would each go through np.memmap's Python code
    scan = Scan(questions, [threshold(unit, q) for q in questions], rounding_error(unit))
    found = [scan(unit[first:first + BLOCK], first) for first in range(0, len(unit), BLOCK)]
    candidates = by_question(len(questions), *(np.concatenate(parts) for parts in zip(*found)))
    return [ranked(unit, q, rows) for q, rows in zip(questions, candidates)]
