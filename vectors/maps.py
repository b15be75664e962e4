"""2-D maps of word vectors: the first two principal components of the chosen words' unit vectors,
as coordinates (for the web page) or as a labelled image, optionally with the arrows of an analogy
(`with_analogy` adds its words and answer).

Unit vectors, because every question asked of the vectors is a cosine: in the raw vectors length
dominates the principal components, and a word's nearest neighbours by cosine can land farthest
from it on the map.

Leaves out choosing the words (the commands) and writing files (`edge.files`).
"""

import numpy as np

from edge.errors import UserError
from vectors import queries
from vectors.figures import plain, render
from vectors.word_vectors import unit_rows

PROJECTION = "PCA of unit vectors"


def pca_2d(vectors):
    """Project rows onto their first two principal components: (N, d) -> (N, 2).

    With fewer than two directions of variance (one word, or identical vectors) the missing
    coordinates are 0.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    centered = vectors - vectors.mean(axis=0)  # (N, d)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)  # rows of vt: directions of most variance
    points = centered @ vt[:2].T  # (N, <=2)
    return np.pad(points, ((0, 0), (0, 2 - points.shape[1])))


def word_points(vectors):
    """The map of words: their unit vectors projected onto the first two principal components,
    (N, d) -> (N, 2)."""
    return pca_2d(unit_rows(vectors))


def word_map(words, vectors, fmt="png", title=None, arrows=()):
    """A labelled 2-D map of `words` (`word_points`) as image bytes; `arrows` are (from_word, to_word) pairs.

    Parameters
    ----------
    words : list of str
    vectors : (N, d) array, one row per word
    fmt : 'png', 'svg' or 'pdf'
    """
    points = word_points(vectors)  # (N, 2)
    where = dict(zip(words, points))

    def draw(ax):
        ax.scatter(points[:, 0], points[:, 1], s=18, color="tab:blue")
        for word, (x, y) in where.items():
            ax.annotate(plain(word), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=10)
        for start, end in arrows:
            ax.annotate("", xy=where[end], xytext=where[start],
                        arrowprops=dict(arrowstyle="->", color="tab:red", lw=1.5))
        ax.set_title(plain(f"{title or f'{len(words)} words'} ({PROJECTION})"))
        ax.set_xlabel("PC 1 of the unit vectors")
        ax.set_ylabel("PC 2 of the unit vectors")
        ax.grid(alpha=0.3)

    return render(draw, fmt)


def with_analogy(wv, words, analogy=None):
    """The words of a map, in order and once each, and its arrows: with `analogy` (a, b, c), also
    a, b, c and the best answer d, with the arrows a -> b and c -> d. Fewer than 2 words is a `UserError`."""
    words = list(dict.fromkeys(words))
    arrows = []
    if analogy:
        a, b, c = analogy
        d = queries.analogy(wv, a, b, c, n=1)[0][0]
        words += [w for w in (a, b, c, d) if w not in words]
        arrows = [(a, b), (c, d)]
    if len(words) < 2:
        raise UserError("plot needs at least 2 words (or --analogy A B C)")
    return words, arrows
