"""Training as pictures: the per-epoch losses stored in model files, as an image, a model's word
map, and a journey's aligned word map (`tlm/replay.py`) as an animated GIF.

The 2-D word maps are `vectors.maps.word_map`, shared with `wp plot`. Leaves out writing the file.
"""

import math
import os
import tempfile

import numpy as np

from edge.errors import UserError
from tlm import choice
from vectors.figures import plain, render

GIF_FPS = 2


def loss_image(models, fmt="png"):
    """`loss_curves` of {file name: model}, refused for a model with no recorded epoch."""
    for path, model in models.items():
        if not model.history["loss"]:
            raise UserError(f"{path} has no training curve: no epoch of it is recorded"
                            + (f" (a {model.kind} model is counted, not trained)" if not model.trainable else ""))
    return loss_curves({path: model.history for path, model in models.items()}, fmt)


def word_map_image(model, name, words=(), top=60, vectors=None, fmt="png"):
    """A map of `words` (default: the `top` most frequent) in the chosen vectors of the model in file
    `name`: (image bytes, notes for the words the model's transforms changed)."""
    from vectors.maps import word_map

    frequent = np.argsort(-model.frequencies(), kind="stable")[:top]
    words = list(dict.fromkeys(words)) or [model.vocab[i] for i in frequent]
    wv, words, notes = choice.chosen(model, name, vectors, words)
    words = list(dict.fromkeys(words))
    if len(words) < 2:
        raise UserError("a word map needs at least 2 words")
    title = f"{name}: {len(words)} words, {vectors or choice.DEFAULT_VECTORS}"
    return word_map(words, wv.vectors[wv.rows(words)], fmt, title=title), notes


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


def journey_gif(words, points, captions, fps=GIF_FPS):
    """An animated GIF (bytes) of words moving on a map: one frame per snapshot.

    words : list of N str;  points : (S, N, 2) positions;  captions : S frame titles (step, loss)
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation, PillowWriter

    fig, ax = plt.subplots(figsize=(7, 6), dpi=80)
    low, high = points.reshape(-1, 2).min(axis=0), points.reshape(-1, 2).max(axis=0)
    pad = (high - low) * 0.08 + 1e-9
    ax.set_xlim(low[0] - pad[0], high[0] + pad[0] * 2)
    ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
    ax.set_xlabel("PC 1 of the final unit vectors")
    ax.set_ylabel("PC 2")
    ax.grid(alpha=0.3)
    dots = ax.scatter(points[0, :, 0], points[0, :, 1], s=18, color="tab:blue")
    labels = [ax.annotate(plain(w), points[0, i], xytext=(3, 3), textcoords="offset points", fontsize=9)
              for i, w in enumerate(words)]
    title = ax.set_title("")

    def frame(s):
        dots.set_offsets(points[s])
        for label, xy in zip(labels, points[s]):
            label.xy = xy
        title.set_text(plain(captions[s]))
        return [dots, title, *labels]

    try:
        animation = FuncAnimation(fig, frame, frames=len(points), blit=False)
        with tempfile.TemporaryDirectory() as tmp:  # the Pillow writer writes a file; the caller writes it atomically
            path = os.path.join(tmp, "journey.gif")
            animation.save(path, writer=PillowWriter(fps=fps))
            with open(path, "rb") as f:
                return f.read()
    finally:
        plt.close(fig)
