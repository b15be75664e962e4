"""Reading a recorded journey (`tlm/journey.py`): how far the space has settled at each snapshot, a
word's neighbours and a pair's cosine over training beside random pairs, and aligned 2-D maps; as
`tlm journey` shows them (JSON-ready, or tables as lines) and as the page's panel does (`view`).

Maps must mean the same from one snapshot to the next: every snapshot's unit vectors are rotated
onto the final snapshot's (orthogonal Procrustes on all the recorded words), and all of them are
projected on one basis, the first two principal components of the final unit vectors, so that a
word's path on the map is its real movement and the map agrees with cosine. Neighbours are looked
for among the recorded words only. Leaves out recording, drawing and printing.
"""

import numpy as np

from edge.errors import UserError
from tlm.choice import DEFAULT_VECTORS
from tlm.journey import DEFAULT_WORDS
from tlm.vocabulary import UNK
from vectors.word_vectors import unit_rows

SETTLE_K = 10  # the final neighbours whose share is the settling figure
RANDOM_PAIRS = 1000
SEED = 0  # the random pairs are the same in every run
VECTORS_SHOWN = {"E": "rows of E", "W": "columns of W", "E+W": "E+W"}


def require(model, path="the model"):
    """The model's journey, or a `UserError` saying how to record one."""
    journey = getattr(model, "journey", None)
    if journey is None or not journey.snapshots:
        raise UserError(f"{path} has no journey (it was trained with --snapshots 0, or by an older tlm): "
                        f"train it again with `tlm train ... --snapshots 16` to record one")
    return journey


def rows_of(journey, words):
    """The journey's rows of `words`, or a `UserError` for a word it did not record."""
    index = {w: i for i, w in enumerate(journey.words)}
    for word in words:
        if word == UNK:
            raise UserError(f"{UNK} is not recorded: it stands for the words --min-count folded at training, "
                            f"not a word of the text")
        if word not in index:
            raise UserError(f"{word!r} is not among the recorded words: a journey records only the {len(journey.words)} "
                            f"most frequent words (tlm train --snapshot-words K, default {DEFAULT_WORDS}); "
                            f"train with a larger K to record it")
    return [index[w] for w in words]


def units(journey, vectors=DEFAULT_VECTORS):
    """Unit vectors of the recorded words at every snapshot, of the rows of E, the columns of W or
    their sum of unit vectors (`tlm.choice`'s `E`, `W`, `E+W`): (S, K, d)."""
    def one(s):
        if vectors == "E+W":
            return unit_rows(unit_rows(s.vectors()) + unit_rows(s.vectors(output=True)), np.float64)
        return unit_rows(s.vectors(output=vectors == "W"), np.float64)

    return np.stack([one(s) for s in journey.snapshots])


def neighbour_sets(u, k):
    """Each word's k nearest other words by cosine, for unit rows (K, d): (K, k) rows."""
    cos = u @ u.T  # (K, K)
    np.fill_diagonal(cos, -np.inf)
    return np.argsort(-cos, axis=1, kind="stable")[:, :k]


def settling(units_):
    """Per snapshot: the mean share of each word's final SETTLE_K neighbours that are already among
    its SETTLE_K neighbours then: (S,), 1.0 at the final snapshot."""
    k = min(SETTLE_K, units_.shape[1] - 1)
    final = neighbour_sets(units_[-1], k)
    shares = []
    for u in units_:
        now = neighbour_sets(u, k)
        shares.append(np.mean([len(np.intersect1d(a, b)) / k for a, b in zip(now, final)]))
    return np.array(shares)


def summary(journey, units_):
    """Per snapshot: step, epoch, losses and the settling figure (JSON-ready)."""
    return [{"step": s.step, "epoch": round(s.epoch, 4), "loss": s.loss, "val_loss": s.val_loss,
             "settled": round(float(x), 4)} for s, x in zip(journey.snapshots, settling(units_))]


def neighbours(journey, units_, word, n):
    """`word`'s n nearest recorded words at every snapshot: [[(word, cos)]]."""
    (row,) = rows_of(journey, [word])
    result = []
    for u in units_:
        cos = u @ u[row]  # (K,)
        cos[row] = -np.inf
        top = np.argsort(-cos, kind="stable")[:min(n, len(cos) - 1)]  # the word itself is never its neighbour
        result.append([(journey.words[i], float(cos[i])) for i in top])
    return result


def pair_cosines(journey, units_, a, b):
    """The cosine of a and b at every snapshot beside RANDOM_PAIRS random pairs of recorded words:
    dict of (S,) arrays cosine, random_mean, random_std, percentile (the share of random pairs below)."""
    i, j = rows_of(journey, [a, b])
    K = units_.shape[1]
    rng = np.random.default_rng(SEED)
    left = rng.integers(0, K, RANDOM_PAIRS)
    right = (left + rng.integers(1, K, RANDOM_PAIRS)) % K  # never the same word
    random = np.einsum("skd,skd->sk", units_[:, left], units_[:, right])  # (S, P)
    cosine = np.einsum("sd,sd->s", units_[:, i], units_[:, j])  # (S,)
    return {"cosine": cosine, "random_mean": random.mean(axis=1), "random_std": random.std(axis=1),
            "percentile": (random < cosine[:, None]).mean(axis=1) * 100}


def aligned(units_):
    """Every snapshot's unit vectors rotated onto the final snapshot's (orthogonal Procrustes):
    (S, K, d), the last one unchanged."""
    from scipy.linalg import orthogonal_procrustes  # here: wp serve's other answers load no scipy

    final = units_[-1]
    return np.stack([u @ orthogonal_procrustes(u, final)[0] for u in units_])


def aligned_map(units_):
    """2-D positions of every word at every snapshot, on the final unit vectors' first two principal
    components: (S, K, 2)."""
    rotated = aligned(units_)
    final = rotated[-1]
    mean = final.mean(axis=0)
    _, _, vt = np.linalg.svd(final - mean, full_matrices=False)
    basis = vt[:2].T  # (d, <=2)
    points = (rotated - mean) @ basis  # (S, K, <=2)
    return np.pad(points, ((0, 0), (0, 0), (0, 2 - points.shape[2])))


def view(journey, word=None, n=8, frequent=5, decimals=6, vectors=DEFAULT_VECTORS):
    """Everything a page needs to replay `word` (default: the most frequent recorded word): per
    snapshot its step, epoch, losses and settling figure, the aligned map of the word, its final n
    neighbours and `frequent` frequent words for reference, and the word's n neighbours (JSON-ready),
    in the chosen `vectors` of the snapshots (E, W or E+W)."""
    word = word or journey.words[0]
    units_ = units(journey, vectors)
    final = neighbours(journey, units_[-1:], word, n)[0]
    words = list(dict.fromkeys([word, *(w for w, _ in final), *journey.words[:frequent]]))
    roles = ["query"] + ["neighbour"] * len(final) + ["frequent"] * (len(words) - 1 - len(final))
    points = np.round(aligned_map(units_)[:, rows_of(journey, words)], decimals)  # (S, N, 2)
    return {"word": word, "words": words, "roles": roles, "snapshots": summary(journey, units_),
            "points": points.tolist(),
            "neighbours": [[{"word": w, "cosine": round(c, decimals)} for w, c in row]
                           for row in neighbours(journey, units_, word, n)]}


def report(journey, vectors=DEFAULT_VECTORS, word=None, pair=None, n=5):
    """What `tlm journey` shows (JSON-ready): per snapshot its step, epoch, losses and settling figure;
    with `word`, its n nearest recorded words at each snapshot; with `pair`, their cosine beside random pairs."""
    units_ = units(journey, vectors)
    result = {"words": len(journey.words), "vectors": vectors, "snapshots": summary(journey, units_)}
    if word:
        result["neighbours"] = [[{"word": w, "cosine": round(c, 6)} for w, c in row]
                                for row in neighbours(journey, units_, word, n)]
    if pair:
        result["pair"] = {k: [round(float(x), 6) for x in v] for k, v in pair_cosines(journey, units_, *pair).items()}
    return result


def lines(result, name, word=None, pair=None):
    """A `report` of the model in file `name` as tables: settling per snapshot, then `word`'s
    neighbours and `pair`'s cosine (the ones it was asked for) over training."""
    shots = result["snapshots"]
    table = [f"{name}: {len(shots)} snapshots of the {result['words']} most frequent words "
             f"({VECTORS_SHOWN[result['vectors']]}); settled: the share of each word's final {SETTLE_K} neighbours "
             f"already among its neighbours", f"{'step':>8} {'epoch':>6} {'loss':>7} {'settled':>8}"]
    for row in shots:
        loss = "-" if row["loss"] is None else f"{row['loss']:.3f}"
        table.append(f"{row['step']:>8,} {row['epoch']:>6.2f} {loss:>7} {row['settled']:>8.0%}")
    if word:
        table += ["", f"Nearest recorded words to {word!r}:"]
        table += [f"{s['step']:>8,}  " + ", ".join(f"{x['word']} {x['cosine']:.2f}" for x in row)
                  for s, row in zip(shots, result["neighbours"])]
    if pair:
        p = result["pair"]
        table += ["", f"cosine of {pair[0]!r} and {pair[1]!r}, beside {RANDOM_PAIRS} random pairs of recorded words:",
                  f"{'step':>8} {'cosine':>7} {'random mean ± sd':>17} {'above random':>13}"]
        table += [f"{s['step']:>8,} {p['cosine'][i]:>7.3f} {p['random_mean'][i]:>9.3f} ± {p['random_std'][i]:.3f} "
                  f"{p['percentile'][i]:>12.1f}%" for i, s in enumerate(shots)]
    return table


def frames(journey, vectors, words):
    """An animation of `words` over training: their aligned positions (S, N, 2) and a caption per snapshot."""
    points = aligned_map(units(journey, vectors))[:, rows_of(journey, words)]
    return points, [f"step {s.step:,} (epoch {s.epoch:.2f})  loss {s.loss:.3f}" for s in journey.snapshots]
