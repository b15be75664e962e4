"""The questions `wp pairs`, `wp relation` and `wp axis` (and the web page's Directions panel) ask,
from the text a person typed to a JSON-ready answer: pairs parsed ('a:b'), words looked up, the
numbers of `vectors.directions` rounded to 6 decimals. The commands print these answers and the
server sends them, so both say the same.

Typed words are read by `read` first (a list of words -> the words in the model's own terms: a
tlm model's transforms, `King` -> `king`; by default as typed), and must be in the model (an
`UnknownWordError` with close spellings); the pairs of a relation set are not typed, and those the
model lacks are skipped and listed in the answer. Leaves out printing.
"""

from edge.errors import UserError
from vectors import directions, relation_sets
from vectors.maps import pca_2d

DECIMALS = 6
MAX_AXES = 2


def _round(x):
    return round(float(x), DECIMALS)


def _pairs(texts, what, needed, read):
    pairs = list(dict.fromkeys(directions.parse_pair(t, read) for t in texts))  # a pair twice would count twice
    directions.require_pairs(len(pairs), needed, what)
    return pairs


def pairs(wv, texts, seed=0, read=list):
    """Cosine of each typed pair 'a:b' beside random pairs of similar frequency."""
    rows, kept, _ = directions.pair_rows(wv, _pairs(texts, "pairs", 1, read))
    results = directions.pair_cosines(wv, rows, seed=seed)
    return {"seed": seed, "band": directions.FREQUENCY_BAND,
            "pairs": [{"a": r.a, "b": r.b, "cosine": _round(r.cosine),
                       "baseline": {"mean": _round(r.baseline_mean), "sd": _round(r.baseline_sd), "draws": r.draws},
                       "percentile": round(float(r.percentile), 1)} for r in results]}


def relation(wv, texts=(), set_name=None, seed=0, points=False, read=list):
    """Offset consistency of typed pairs, or of a relation set's pairs (those the model has);
    `points`: also the pairs' words on the first two principal components of their unit vectors."""
    if set_name is not None:
        if texts:
            raise UserError("give pairs or a relation set, not both")
        rows, kept, skipped = directions.pair_rows(wv, relation_sets.pairs(set_name), skip_missing=True)
        if len(kept) < directions.MIN_RELATION_PAIRS:
            raise UserError(f"a relation needs at least {directions.MIN_RELATION_PAIRS} pairs; the model has the words "
                            f"of {len(kept)} of the {len(kept) + len(skipped)} pairs of {set_name}")
    else:
        rows, kept, skipped = directions.pair_rows(wv, _pairs(texts, "a relation", directions.MIN_RELATION_PAIRS, read))
    r = directions.relation(wv, rows, seed=seed)
    answer = {"set": set_name, "seed": seed,
            "pairs": [{"a": a, "b": b, "consistency": _round(c), "rank": rank}
                      for (a, b), c, rank in zip(r.pairs, r.consistency, r.ranks)],
            "skipped": [{"a": a, "b": b} for a, b in skipped],
            "consistency": _round(r.mean), "hits": r.hits,
            "shuffled": {"mean": _round(r.shuffled_mean), "sd": _round(r.shuffled_sd), "shuffles": r.shuffles},
            "percentile": round(float(r.percentile), 1)}
    if points:
        words = list(dict.fromkeys(w for pair in r.pairs for w in pair))
        answer["points"] = [{"word": w, "x": _round(x), "y": _round(y)}
                            for w, (x, y) in zip(words, pca_2d(wv.unit[wv.rows(words)]))]
    return answer


def axes(wv, axes_texts, words=(), read=list):
    """Words placed on one or two axes, each from opposed pairs 'a:b' (a at the negative end);
    without words, the pairs' own words."""
    if not 1 <= len(axes_texts) <= MAX_AXES:
        raise UserError(f"give one or {MAX_AXES} axes, got {len(axes_texts)}")
    built = []
    for texts in axes_texts:
        rows, kept, _ = directions.pair_rows(wv, _pairs(texts, "an axis", 1, read))
        built.append((kept, directions.axis_direction(wv, rows)))
    words = list(dict.fromkeys(read(words) if words else [w for kept, _ in built for pair in kept for w in pair]))
    rows = wv.rows(words)
    placed = [directions.positions(wv, direction, rows) for _, direction in built]  # per axis (W,)
    answer = {"axes": [{"pairs": [{"a": a, "b": b} for a, b in kept], "label": _label(kept)} for kept, _ in built],
              "words": [{"word": w, "positions": [_round(p[i]) for p in placed]} for i, w in enumerate(words)]}
    if len(built) == 2:
        answer["axes_cosine"] = _round(built[0][1] @ built[1][1])
    return answer


def _label(kept):
    """'man → woman' for the axis of man:woman he:she (its first pair names its ends)."""
    return f"{kept[0][0]} → {kept[0][1]}"
