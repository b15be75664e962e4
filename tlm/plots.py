"""Training curves: the per-epoch losses stored in model files, as an image.

The 2-D word maps are `vectors.maps.word_map`, shared with `wp plot`. Leaves out writing the file.
"""

import io
import math


def loss_curves(histories, fmt="png"):
    """Train (solid) and held-out (dashed) loss per epoch for one or more models, as image bytes.

    histories : dict label -> {"loss": [...], "val_loss": [... or None]}
    fmt : 'png', 'svg' or 'pdf'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    try:
        for i, (label, history) in enumerate(histories.items()):
            color = f"C{i}"
            label = label.replace("$", r"\$")  # not matplotlib's math mode
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
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt)
    finally:
        plt.close(fig)
    return buffer.getvalue()
