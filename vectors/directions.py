"""Directions in the space, each measured against chance: how close the words of pairs are (beside
random pairs of similar frequency), how consistent the offsets b - a of a relation are (beside the
same pairs shuffled), and where words fall along an axis defined by opposed pairs.

All of it on unit rows (as gensim's similarity questions are), seeded where it draws at random, and
drawing only the rows it needs: no baseline scans the whole vocabulary. The rank of b for
a + (mean offset of the other pairs) is the one question that does.

Takes `WordVectors` and pairs already parsed and looked up (`pair_rows`); leaves out where pairs come
from (`vectors.relation_sets`), printing and plotting (`wp.directions`).

Shapes: P = pairs, S = baseline draws, N = words, d = dimensions, W = words placed on an axis.
"""

from dataclasses import dataclass

import numpy as np

from edge.errors import UserError
from vectors.word_vectors import unit_rows

BASELINE_DRAWS = 1000  # random pairs per typed pair in `pair_cosines`
FREQUENCY_BAND = 2.0  # a baseline word's rank lies within this factor of the pair word's rank
MIN_BAND = 100  # ...and among at least this many ranks (the very first words have few neighbours in rank)
SHUFFLES = 200  # shuffled relations in `relation`'s baseline
MIN_RELATION_PAIRS = 3  # a shuffle of 2 pairs can only swap them: no baseline
RANK_CHUNK = 64  # targets per pass over the vocabulary when ranking b


def parse_pair(text, read=list):
    """'a:b' -> ('a', 'b') of two different words, as `read` (the two typed words -> the words in a
    model's own terms: a tlm model's transforms) gives them; a `UserError` for anything else."""
    parts = text.split(":")
    if len(parts) != 2 or not all(parts):
        raise UserError(f"write a pair as word:word (e.g. hot:cold), got {text!r}")
    a, b = read(parts)
    if a == b:  # after reading: King:king is one word to a -t lower model
        said = "" if [a, b] == parts else f" ({a}:{b} in the model's terms)"
        raise UserError(f"the pair {text!r} has the same word twice{said}: it has no direction")
    return a, b


def pair_rows(wv, pairs, skip_missing=False):
    """Rows of the pairs' words: ((P, 2) ints, the pairs kept, the pairs skipped).

    A missing word is an `UnknownWordError` (with close spellings), or with `skip_missing` the pair
    is skipped; then a word is also looked up in lower case (the Google analogies are capitalised).
    """
    kept, skipped, rows = [], [], []
    for pair in pairs:
        found = [_lookup(wv, w, skip_missing) for w in pair]
        if None in found:
            skipped.append(pair)
            continue
        kept.append(pair)
        rows.append(found)
    return np.array(rows, dtype=np.int64).reshape(-1, 2), kept, skipped


def _lookup(wv, word, lenient):
    if not lenient:
        return wv.row(word)
    for form in dict.fromkeys((word, word.lower())):
        if form in wv.index:  # the index, not `in`: a miss would look for close spellings
            return wv.index[form]
    return None


def require_pairs(count, needed, what):
    """A `UserError` saying how many pairs `what` needs, unless `count` reaches it."""
    if count < needed:
        raise UserError(f"{what} needs at least {needed} pairs, got {count}")


def _unit(wv, rows):
    """Unit vectors of some rows only: (...,) ints -> (..., d) float64."""
    rows = np.asarray(rows)
    return unit_rows(wv.vectors[rows.ravel()]).astype(np.float64).reshape(*rows.shape, -1)


def _cosines(x, y):
    """Row-wise cosine of unit rows: (..., d), (..., d) -> (...,)."""
    return np.einsum("...i,...i->...", x, y)


def _percentile(value, sample):
    """Share of `sample` below `value`, ties counted half, in percent."""
    return 100.0 * (np.sum(sample < value) + 0.5 * np.sum(sample == value)) / len(sample)


# ---- pairs ----------------------------------------------------------------------------------------

@dataclass
class PairCosine:
    a: str
    b: str
    cosine: float
    baseline_mean: float  # of random pairs whose words have about the ranks of a and b
    baseline_sd: float
    percentile: float  # where `cosine` falls among them
    draws: int


def frequency_band(rank, size):
    """[low, high) ranks of words about as frequent as the word of `rank` in a vocabulary of `size`."""
    low, high = int(rank / FREQUENCY_BAND), int(rank * FREQUENCY_BAND) + 1
    if high - low < MIN_BAND:
        high = low + MIN_BAND
    return max(0, min(low, size - MIN_BAND)), min(size, high)


def pair_cosines(wv, rows, seed=0, draws=BASELINE_DRAWS):
    """Each pair's cosine beside `draws` random pairs of words of similar frequency (rank), drawn
    from `numpy.random.default_rng(seed)`; a draw of one word twice is dropped.

    rows : (P, 2) ints from `pair_rows`. Returns [PairCosine].
    """
    rng = np.random.default_rng(seed)
    unit = _unit(wv, rows)  # (P, 2, d)
    cosine = _cosines(unit[:, 0], unit[:, 1])  # (P,)
    results = []
    for (a, b), c in zip(rows.tolist(), cosine.tolist()):
        x = rng.integers(*frequency_band(a, len(wv)), size=draws)  # (S,)
        y = rng.integers(*frequency_band(b, len(wv)), size=draws)  # (S,)
        x, y = x[x != y], y[x != y]
        sample = _cosines(_unit(wv, x), _unit(wv, y))  # (S',)
        results.append(PairCosine(wv.words[a], wv.words[b], c, float(sample.mean()), float(sample.std()),
                                  _percentile(c, sample), len(sample)))
    return results


# ---- relations --------------------------------------------------------------------------------------

def offsets(wv, rows):
    """b - a of each pair, on unit rows: (P, 2) ints -> (P, d)."""
    unit = _unit(wv, rows)  # (P, 2, d)
    return unit[:, 1] - unit[:, 0]


def mean_of_others(d):
    """Row i: the mean of all rows of `d` but row i: (P, d) -> (P, d)."""
    return (d.sum(axis=0) - d) / (len(d) - 1)


def leave_one_out(d):
    """Each offset's cosine with the mean of the other offsets: (P, d) -> (P,)."""
    return _cosines(unit_rows(d).astype(np.float64), unit_rows(mean_of_others(d)).astype(np.float64))


def derangement(rng, count):
    """A random permutation of range(count) that moves every index (count >= 2)."""
    while True:
        order = rng.permutation(count)
        if np.all(order != np.arange(count)):
            return order


@dataclass
class Relation:
    pairs: list  # (a, b)
    consistency: list  # (P,) cosine of each b - a with the mean offset of the other pairs
    ranks: list  # (P,) rank of b among all words for a + that mean offset, a excluded (1 = hit)
    shuffled_mean: float  # the mean consistency of pairs a_i : b_j shuffled (no b with its own a)
    shuffled_sd: float
    shuffles: int
    percentile: float  # where the mean consistency falls among the shuffled ones

    @property
    def mean(self):
        return float(np.mean(self.consistency))

    @property
    def hits(self):
        return sum(r == 1 for r in self.ranks)


def relation(wv, rows, seed=0, shuffles=SHUFFLES):
    """Leave-one-out consistency of the pairs' offsets beside `shuffles` shuffled relations (seeded),
    and the rank of each b for a + mean offset of the others. rows : (P, 2) ints, P >= 3."""
    require_pairs(len(rows), MIN_RELATION_PAIRS, "a relation")
    rng = np.random.default_rng(seed)
    d = offsets(wv, rows)  # (P, d)
    consistency = leave_one_out(d)  # (P,)
    unit = _unit(wv, rows)  # (P, 2, d)
    shuffled = np.array([leave_one_out(unit[derangement(rng, len(rows)), 1] - unit[:, 0]).mean()
                         for _ in range(shuffles)])  # (shuffles,)
    ranks = rank_of(wv, unit[:, 0] + mean_of_others(d), rows[:, 1], exclude=rows[:, 0])
    return Relation([(wv.words[a], wv.words[b]) for a, b in rows.tolist()], consistency.tolist(), ranks,
                    float(shuffled.mean()), float(shuffled.std()), shuffles, _percentile(consistency.mean(), shuffled))


def rank_of(wv, targets, rows, exclude):
    """Rank (1 = nearest) of word `rows[i]` among all words by cosine with `targets[i]`, word
    `exclude[i]` left out: (P, d), (P,), (P,) -> [P ints]."""
    targets = unit_rows(targets)  # (P, d)
    ranks = []
    for start in range(0, len(targets), RANK_CHUNK):
        t = targets[start:start + RANK_CHUNK]  # (C, d)
        scores = wv.unit @ t.T  # (N, C)
        columns = np.arange(len(t))
        scores[exclude[start:start + RANK_CHUNK], columns] = -np.inf
        own = scores[rows[start:start + RANK_CHUNK], columns]  # (C,)
        ranks += (1 + (scores > own).sum(axis=0)).tolist()
    return ranks


# ---- axes -------------------------------------------------------------------------------------------

def axis_direction(wv, rows):
    """The unit direction from the first words of opposed pairs to the second: the mean of the
    pairs' normalised differences, normalised. (P, 2) ints -> (d,)."""
    require_pairs(len(rows), 1, "an axis")
    d = unit_rows(offsets(wv, rows)).astype(np.float64)  # (P, d)
    return unit_rows(d.mean(axis=0)[None, :])[0].astype(np.float64)


def positions(wv, direction, rows):
    """Each word's cosine with an axis direction: (d,), (W,) ints -> (W,)."""
    return _unit(wv, rows) @ direction
