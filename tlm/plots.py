"""Training curves: the per-epoch losses stored in model files, as an image.

The 2-D word maps are `vectors.maps.word_map`, shared with `wp plot`. Leaves out writing the file.
"""

import math

from edge.figures import plain, render


def loss_curves(histories, fmt="png"):
    """Train (solid) and held-out (dashed) loss per epoch for one or more models, as image bytes.

    histories : dict label -> {"loss": [...], "val_loss": [... or None]}
    fmt : 'png', 'svg' or 'pdf'
    """
    from matplotlib.ticker import MaxNLocator

    def draw(ax):
        for i, (label, history) in enumerate(histories.items()):
            color, label = f"C{i}", plain(label)
            epochs = range(1, len(history["loss"]) + 1)
            ax.plot(epochs, history["loss"], "o-", color=color, label=f"{label} train")
            val = [(e, v) for e, v in zip(epochs, history.get("val_loss", [])) if v is not None and math.isfinite(v)]
            if val:
                ax.plot(*zip(*val), "s--", color=color, label=f"{label} held-out")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("cross-entropy (nats per token)")
        ax.set_title("Training loss")
        ax.grid(alpha=0.3)
        ax.legend()

    return render(draw, fmt, figsize=(8, 5))
