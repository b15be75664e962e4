"""The best-scoring words of many questions in one pass over the unit rows: the questions' query
vectors multiplied by all N rows at once, block by block, keeping per question only the rows that
can be among its best k; those are then scored again, exactly, and ranked.

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
can reach the top k: about SAMPLE x k rows. The sample is scored first, so that each block of
BLOCK rows is multiplied and compared with the thresholds while its scores are in the cache: the
(M, N) scores are never written out, and the blocks can be scanned on several threads (`best`).

Shapes: N rows, d dimensions, m query vectors of one question, M of the batch, r rows of a block,
G 3CosMul questions of one shape, n candidates.
Leaves out words (`word_vectors`) and building the query vectors (`WordVectors.question`).
"""

from dataclasses import dataclass

import numpy as np

SAMPLE = 64  # every 64th row's score bounds the k-th largest from below
COSMUL_EPSILON = 1e-6  # gensim's guard against dividing by a zero product
BLOCK = 8192  # rows multiplied at once: their (BLOCK, 32) float32 scores, 1 MB, stay in the cache
PACK = 4  # query vectors are multiplied in groups of 4 (`_Scan`)
SPAN = 16 * BLOCK  # rows scanned by one task of `best`'s map (4 tasks for 400,000 rows)
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


def _by_shape(cosines, columns, shape):
    """The cosines (G, m, r), contiguous, of the G 3CosMul questions of one `shape` (m, positive)
    whose query vectors are `columns` (a slice) of cosines (r, M)."""
    return np.ascontiguousarray(cosines[:, columns].T).reshape(-1, shape[0], len(cosines))


class _Scan:
    """Finding the candidates of a batch of questions, block by block, in any range of rows.

    The thresholds come from the sample rows. A 3CosAdd question is one column: a row is its
    candidate when its cosine reaches the sample's k-th largest cosine less twice the rounding
    bound, which one comparison of a whole block with `limits` tests for all of them at once.
    3CosMul questions of one shape have their bounds computed together.
    """

    def __init__(self, unit, questions, err):
        self.unit, self.err = unit, err
        adds = [i for i, q in enumerate(questions) if q.method == "add"]
        shapes = {}  # (m, positive) -> the 3CosMul questions of that shape
        for i, q in enumerate(questions):
            if q.method == "mul":
                shapes.setdefault((len(q.columns), q.positive), []).append(i)
        order = adds + [i for members in shapes.values() for i in members]
        columns = np.concatenate([questions[i].columns for i in order])  # (M, d), adds first
        # OpenBLAS multiplies by 4 query vectors at a time: 5 to 7 took longer than 8 (measured), so
        # zero vectors, never compared, fill up the last 4.
        filler = np.zeros((-len(columns) % PACK if len(columns) > PACK // 2 else 0, columns.shape[1]), np.float32)
        self.columns = np.concatenate([columns, filler]).T  # (d, M + filler)
        sample = unit[::SAMPLE] @ self.columns  # (N / SAMPLE, M + filler)
        limits = np.full(self.columns.shape[1], np.inf, dtype=np.float32)  # (M,) none for 3CosMul's columns
        for j, i in enumerate(adds):
            limits[j] = _kth_largest(sample[:, j], self._k(questions[i])) - 2 * err
        self.limits = np.tile(limits, (BLOCK, 1))  # (BLOCK, M): compared element by element, not broadcast
        self.owner = np.array(adds, dtype=np.int64)  # question of each 3CosAdd column
        self.cosmul = []  # per shape: (shape, its columns, its questions (G,), thresholds (G, 1))
        start = len(adds)
        for shape, members in shapes.items():
            columns = slice(start, start + shape[0] * len(members))
            lower = _cosmul_bound(_by_shape(sample, columns, shape), shape[1], err, -1)  # (G, N / SAMPLE)
            thresholds = [_kth_largest(lower[g], self._k(questions[i])) for g, i in enumerate(members)]
            self.cosmul.append((shape, columns, np.array(members), np.array(thresholds, dtype=np.float32)[:, None]))
            start = columns.stop
        self.any_add, self.count = bool(adds), len(questions)

    @staticmethod
    def _k(question):
        return question.topn + len(question.exclude)

    def __call__(self, span):
        """(questions (n,), rows (n,)) of the candidates among the rows range(*span)."""
        found_questions, found_rows = [], []
        for first in range(*span, BLOCK):
            cosines = self.unit[first:min(first + BLOCK, span[1])] @ self.columns  # (r, M), in the cache
            if self.any_add:
                hits = np.flatnonzero(cosines >= self.limits[:len(cosines)])  # row * M + column
                row, column = np.divmod(hits, cosines.shape[1])
                found_questions.append(self.owner[column])
                found_rows.append(row + first)
            for shape, columns, members, thresholds in self.cosmul:
                upper = _cosmul_bound(_by_shape(cosines, columns, shape), shape[1], self.err, +1)  # (G, r)
                g, row = np.divmod(np.flatnonzero(upper >= thresholds), len(cosines))
                found_questions.append(members[g])
                found_rows.append(row + first)
        return np.concatenate(found_questions), np.concatenate(found_rows)


def _candidates(scan, spans, map):
    """[(n,) rows] per question (in any order): the candidates found by `scan` in every span."""
    questions, rows = (np.concatenate(parts) for parts in zip(*map(scan, spans)))
    order = np.argsort(questions, kind="stable")
    counts = np.bincount(questions, minlength=scan.count)
    return np.split(rows[order], np.cumsum(counts)[:-1])


def exact_cosines(rows, columns):
    """Cosines (m, n) in float64 of float32 rows (n, d) and query vectors (m, d), row by row."""
    out = np.empty((len(columns), len(rows)))
    cols = columns.astype(np.float64)[:, None, :]  # (m, 1, d)
    for start in range(0, len(rows), CHUNK):
        part = rows[start:start + CHUNK].astype(np.float64)  # (c, d)
        out[:, start:start + CHUNK] = (cols * part[None, :, :]).sum(axis=2)
    return out


def _ranked(unit, question, candidates):
    """(rows (k,), scores (k,)) of one question, best first, from its candidate rows (n,)."""
    exact = scores(exact_cosines(unit[candidates], question.columns), question)  # (n,)
    order = np.lexsort((candidates, -exact))  # best first, ties to the lower row
    rows, ranked = candidates[order], exact[order]
    keep = ~np.isin(rows, question.exclude)
    return rows[keep][:question.topn], ranked[keep][:question.topn]


def best(unit, questions, map=map):
    """[(rows, scores)] per question, best first, for `questions` over the unit rows (N, d).

    `map` runs the scan over spans of SPAN rows: the builtin one after another, an executor's on
    its threads (numpy releases the GIL while it multiplies and compares).
    """
    unit = np.asarray(unit)  # a memory map's slices would each go through np.memmap's Python code
    # Twice the rounding bound of a float32 dot product of d terms of unit vectors (d * 2**-24).
    err = unit.shape[1] * 2.0**-23
    spans = [(first, min(first + SPAN, len(unit))) for first in range(0, len(unit), SPAN)]
    candidates = _candidates(_Scan(unit, questions, err), spans, map)
    return [_ranked(unit, q, rows) for q, rows in zip(questions, candidates)]
