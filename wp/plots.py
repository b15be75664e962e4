"""2-D maps of word vectors: PCA of the chosen words' vectors, each point labelled, optionally
with the arrows of an analogy. Writes an image file with matplotlib's headless Agg backend.

Leaves out choosing the words (the CLIs) and loading vectors.
"""

import numpy as np


def pca_2d(vectors):
    """Project rows onto their first two principal components: (N, d) -> (N, 2)."""
    centered = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)  # rows of vt: directions of most variance
    return centered @ vt[:2].T


def word_map(words, vectors, output, title=None, arrows=()):
    """Save a labelled 2-D PCA scatter of `words`; `arrows` are (from_word, to_word) pairs to draw.

    Parameters
    ----------
    words : list of str
    vectors : (N, d) array, one row per word
    output : path of the image (its extension picks the format: .png, .svg, .pdf)
    """
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    points = pca_2d(np.asarray(vectors, dtype=np.float64))
    where = dict(zip(words, points))
    fig, ax = plt.subplots(figsize=(8, 6), dpi=120)
    ax.scatter(points[:, 0], points[:, 1], s=18, color="tab:blue")
    for word, (x, y) in where.items():
        ax.annotate(word, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=10)
    for start, end in arrows:
        ax.annotate("", xy=where[end], xytext=where[start],
                    arrowprops=dict(arrowstyle="->", color="tab:red", lw=1.5))
    ax.set_title(title or f"{len(words)} words, first two principal components")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(output)
    plt.close(fig)
