"""Images of words placed on semantic axes: one axis as a ranked bar chart, two as a scatter with one
axis per direction. The positions come from `vectors.directions.positions`; leaves out computing
them and writing files.
"""

from vectors.figures import plain, render


def axis_bars(words, values, label, fmt="png"):
    """Horizontal bars of each word's position on one axis, most negative at the bottom.

    words : list of W str; values : (W,) cosines with the axis; label : 'man → woman'.
    """
    order = sorted(range(len(words)), key=lambda i: values[i])

    def draw(ax):
        ax.barh(range(len(order)), [values[i] for i in order],
                color=["tab:blue" if values[i] < 0 else "tab:red" for i in order])
        ax.set_yticks(range(len(order)), [plain(words[i]) for i in order])
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(plain(f"cosine with the axis {label}"))
        ax.grid(axis="x", alpha=0.3)

    return render(draw, fmt, figsize=(8, max(3, 0.3 * len(words) + 1)))


def axes_scatter(words, xs, ys, labels, fmt="png"):
    """Words at (cosine with axis 1, cosine with axis 2); labels : the two axes' names."""

    def draw(ax):
        ax.scatter(xs, ys, s=18, color="tab:blue")
        for word, x, y in zip(words, xs, ys):
            ax.annotate(plain(word), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=10)
        ax.axhline(0, color="black", lw=0.8)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(plain(f"cosine with {labels[0]}"))
        ax.set_ylabel(plain(f"cosine with {labels[1]}"))
        ax.grid(alpha=0.3)

    return render(draw, fmt)
