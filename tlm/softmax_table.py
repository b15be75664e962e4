"""The lab's softmax table: for each word its logit z, e^z and σ(z) = e^z / Σ e^z, and the sum row,
rounded as the lab rounds them, so a learner can check the lab's arithmetic and then their own.

The lab works each e^z to four significant figures (e^3 = 20.09, e^-2 = 0.1353, e^-1 = 0.3679),
shows it to two decimals and adds the four-figure values: for the logits 3, −2, −1, 3, −2 the sum is
40.82 (exactly, 40.8096). σ is shown to three decimals and is never rounded before it is shown: it
comes from tlm's own `softmax` (or, for a model, its `_forward`). Values too small for those decimals
are shown in scientific notation instead of as 0.00.

When e^z itself would overflow or underflow a float64 (z near ±709), every e^z is taken of z − m,
m the largest logit, as tlm's softmax always does; σ is the same, since e^m cancels. Leaves out
where the logits come from (`tlm/explain.py` for a model's) and printing (the commands).
"""

import math
from dataclasses import dataclass

import numpy as np

from edge.console import counted
from edge.errors import UserError
from tlm.functional import softmax

SIGNIFICANT = 4  # figures the lab carries e^z to
LOG_MAX = math.log(np.finfo(np.float64).max)  # 709.78: e^z beyond overflows a float64
LOG_TINY = math.log(np.finfo(np.float64).tiny)  # -708.40: e^z below loses its digits


@dataclass
class SoftmaxTable:
    """The rows of a softmax table and its sum row.

    words, z, exp, probs : the shown rows: word, logit (divided by the temperature), e^(z − shift) to
        four significant figures, σ
    total : Σ over all `size` words of the four-figure e^(z − shift)
    prob_total : Σ σ over all `size` words
    shift : 0, or m, the largest logit, subtracted from every z before e^ because e^m would
        overflow or underflow
    temperature : what the logits were divided by (1: not at all)
    """

    words: list
    z: np.ndarray  # (K,)
    exp: np.ndarray  # (K,)
    probs: np.ndarray  # (K,)
    total: float
    prob_total: float
    shift: float
    size: int
    temperature: float = 1.0

    def to_json(self):
        return {"words": list(self.words), "z": self.z.tolist(), "exp": self.exp.tolist(), "probs": self.probs.tolist(),
                "sum_exp": self.total, "sum_probs": self.prob_total, "shift": self.shift, "words_summed": self.size,
                "temperature": self.temperature}


def four_figures(values):
    """Each value rounded to `SIGNIFICANT` significant figures, as the lab works e^z: (K,) -> (K,)."""
    return np.array([float(f"{v:.{SIGNIFICANT - 1}e}") for v in values.tolist()], dtype=np.float64)


def table(logits, probs, words, rows=None, temperature=1.0):
    """The lab's table of `rows` (default: all) of a softmax over every word.

    logits : (V,) the scores, already divided by `temperature`;  probs : (V,) their softmax
    words : V labels;  rows : the rows to show, in order
    """
    logits = np.asarray(logits, dtype=np.float64)  # (V,)
    top = float(logits.max())
    shift = top if top + math.log(len(logits)) > LOG_MAX or top < LOG_TINY else 0.0
    exp = four_figures(np.exp(logits - shift))  # (V,)
    rows = list(range(len(logits))) if rows is None else list(rows)
    return SoftmaxTable([words[i] for i in rows], logits[rows], exp[rows], np.asarray(probs, dtype=np.float64)[rows],
                        float(exp.sum()), float(np.sum(probs, dtype=np.float64)), shift, len(logits), temperature)


def of_logits(logits, words=None, temperature=1.0):
    """The table of logits typed by hand (`tlm softmax`): σ of z / temperature, by tlm's `softmax`;
    `words`, if given, one per logit."""
    if words and len(words) != len(logits):
        raise UserError(f"give one word per logit: {counted(len(logits), 'logit')} and {counted(len(words), 'word')}")
    scaled = np.asarray(logits, dtype=np.float64) / temperature  # (K,)
    words = list(words) if words else [str(i + 1) for i in range(len(scaled))]
    return table(scaled, softmax(scaled), words, temperature=temperature)


# ---- as text ---------------------------------------------------------------------------------------------------

def number(value, decimals, figures=3):
    """`value` to `decimals` places, or to `figures` significant figures when that would show only
    zeros (or too many digits)."""
    if value != 0 and abs(value) < 0.5 * 10.0**-decimals or abs(value) >= 1e7:
        return f"{value:.{figures - 1}e}"
    return f"{value:.{decimals}f}"


def exp_number(value):
    """A four-figure e^z as the lab shows it: two decimals, fewer where they would be digits it does not have."""
    digits = math.floor(math.log10(value)) + 1 if value >= 1 else 1  # before the decimal point
    return number(value, max(0, min(2, SIGNIFICANT - digits)), SIGNIFICANT)


def logit(value, decimals=None):
    """A logit as typed (`3`, `-0.5`, `1000`), or to `decimals` places."""
    return f"{value:g}" if decimals is None else f"{value:.{decimals}f}"


def cells(t, z_decimals=None, given=None, sum_label="sum"):
    """(head, body): the table's cells as text, rounded as the lab rounds. `given`: the logits as
    typed, shown beside z/T when a temperature divided them; `z_decimals`: decimals of z (None: as typed)."""
    from edge.console import shown

    z = "z" if t.temperature == 1 else "z/T"
    exp_head = f"e^({z}−m)" if t.shift else "e^z" if z == "z" else f"e^({z})"
    head = ["word", "z"] + (["z/T"] if given is not None else []) + [exp_head, f"σ({z})"]
    body = []
    for i, word in enumerate(t.words):
        row = [shown(word)] + ([logit(given[i], z_decimals)] if given is not None else [])
        body.append(row + [logit(t.z[i], z_decimals), exp_number(t.exp[i]), number(t.probs[i], 3)])
    body.append([sum_label] + [""] * (len(head) - 3) + [exp_number(t.total), number(t.prob_total, 3)])
    return head, body


def shift_note(t, z_decimals=None):
    """Why every z had the largest subtracted before e^, or None when nothing was subtracted."""
    if not t.shift:
        return None
    big = "overflows a float64 (whose largest is about e^709.78)" if t.shift > 0 else "underflows a float64 to 0"
    z = "z" if t.temperature == 1 else "z/T"
    return (f"m = {logit(t.shift, z_decimals)}, the largest {z}, is subtracted before e^: e^m {big}. σ is the same, "
            f"because e^m cancels: e^(z−m) / Σ e^(z−m) = e^z / Σ e^z (tlm's softmax always subtracts it).")


def lines(t, z_decimals=None, given=None, sum_label="sum"):
    """The table as a Markdown-style text table (it pastes into notes as a table), then the note on
    the shift when there was one; arguments as `cells`."""
    note = shift_note(t, z_decimals)
    return grid(*cells(t, z_decimals, given, sum_label)) + ([note] if note else [])


def grid(head, body):
    """Rows of cells as a Markdown-style text table: the first column left-aligned, the others right."""
    widths = [max(len(row[c]) for row in [head] + body) for c in range(len(head))]
    rule = "|" + "|".join([f"{'-' * (widths[0] + 2)}"] + [f"{'-' * (w + 1)}:" for w in widths[1:]]) + "|"
    return [_row(head, widths), rule] + [_row(row, widths) for row in body]


def _row(cells, widths):
    return "| " + " | ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]) + " |"
