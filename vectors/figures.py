"""Drawing a matplotlib figure into image bytes, headless (the Agg backend, no display needed), and
the image format a file name asks for.

Used by the maps and plots of `vectors` and `tlm`; leaves out what is drawn and where the bytes are
written.
"""

import io

from edge.errors import UserError

IMAGE_FORMATS = ("png", "svg", "pdf")


def image_format(path):
    """The image format a file name asks for: 'png', 'svg' or 'pdf' (a `UserError` for any other)."""
    name = str(path)
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in IMAGE_FORMATS:
        raise UserError(f"cannot write image {path}: the name must end in {', '.join('.' + f for f in IMAGE_FORMATS)}")
    return suffix


def render(draw, fmt="png", figsize=(8, 6)):
    """Call `draw(ax)` on a new figure and return it as `fmt` bytes ('png', 'svg' or 'pdf')."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, dpi=120)
    try:
        draw(ax)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt)
    finally:
        plt.close(fig)
    return buffer.getvalue()


def plain(text):
    """`text` shown as is: "$" would start matplotlib's math mode (and fail on a word like "$x")."""
    return text.replace("$", r"\$")
