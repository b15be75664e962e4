"""One prediction and one training step of a TinyLM, stage by stage, with the model's own numbers.

The stages are the lab's: look up the context words' rows of E and average them; multiply by W and
add b (the logits), softmax; the loss −ln p(target); backpropagation, dL/dz = p − onehot(target),
and the parameters it reaches (the context words' rows of E, every column of W, b); and gradient
descent: the same example after one step. Every number comes from the model's lesson methods,
`_forward`, `_backward` and `_step` (the step on a copy: the model itself never changes); the
logits, which `_forward` keeps to itself, from `tlm.functional.logits`, the same line of maths.

Leaves out the softmax table's layout (`tlm/softmax_table.py`) and printing (the commands).
"""

import copy
from dataclasses import dataclass, field

import numpy as np

from edge.console import shown
from edge.errors import UserError
from tlm import functional, softmax_table
from tlm.training import DEFAULTS
from tlm.tokenizer import tokenize, tokens_of
from tlm.vocabulary import UNK

DEFAULT_K = 5
DEFAULT_LR = DEFAULTS.lr  # tlm train's default, from where it is defined
MAX_LR = 100.0  # a step far past any that trains: the point of showing one is lost beyond it
SHOWN_NUMBERS = 6  # of each row of E, unless all are asked for


@dataclass
class Change:
    """One parameter's gradient and what one step did to it."""

    name: str  # 'E[how]', 'W', 'b'
    numbers: int  # how many numbers of the parameter the gradient reaches
    gradient: float  # its length (the Euclidean norm of those numbers)
    change: float  # the length of what the step changed them by


@dataclass
class Step:
    """The example after one step of gradient descent."""

    lr: float
    probs: np.ndarray  # (V,) after the step
    loss: float  # after the step
    changes: list  # of `Change`: each context word's row of E, W, b
    rows_changed: int  # rows of E the step changed


@dataclass
class Explanation:
    """Every number of one prediction (and, with a target, one step), for a text or JSON report."""

    name: str
    vocab: list  # V words, row order
    d: int
    n: int
    context: list  # the context words used
    notes: list  # what was done with the context as typed (shortened, <unk>)
    rows: np.ndarray  # (c, d) their rows of E
    ctx_emb: np.ndarray  # (d,) the average
    logits: np.ndarray  # (V,)
    probs: np.ndarray  # (V,) from `_forward`
    shown: list  # rows of the table: the top k, then the target if it is not among them
    k: int
    target: str = None
    loss: float = None  # −ln p(target), as `_step` computes it
    dlogits: np.ndarray = None  # (V,) p − onehot(target), from `_backward`
    dE_rows: np.ndarray = None  # (c, d)
    dW: np.ndarray = None  # (d, V)
    step: Step = None
    table: object = field(default=None, repr=False)  # the `softmax_table.SoftmaxTable` of `shown`

    def top(self, probs, k=None):
        """The k likeliest words under `probs` (ties in row order): [(word, p)]."""
        order = np.argsort(-probs, kind="stable")[:k or self.k]
        return [(self.vocab[i], float(probs[i])) for i in order]


def explain(model, text, target=None, lr=DEFAULT_LR, k=DEFAULT_K, name="the model"):
    """Explain the prediction after `text` (and, given `target`, one step of training on it)."""
    if not model.trainable:
        raise UserError(f"{name} is a {model.kind} model: it has no E or W to look up and multiply, only tables of how "
                        f"often each token followed each context of up to {model.n} tokens (add-k smoothed "
                        f"probabilities); an embedding model has E, W and b")
    words, notes = _context(model, text)
    target_word = _target(model, target, notes) if target is not None else None
    ctx_emb, probs = model._forward(words)
    rows = np.array([model.word_to_idx[w] for w in words], dtype=np.int64)
    logits = functional.logits(model.E, model.W, model.b, rows[None, :])[0]  # (V,)
    shown_rows = [int(i) for i in np.argsort(-probs, kind="stable")[:k]]
    result = Explanation(name, list(model.vocab), model.E.shape[1], model.n, words, notes, model.E[rows], ctx_emb,
                         logits, probs, shown_rows, k)
    if target_word is not None:
        t = model.word_to_idx[target_word]
        if t not in shown_rows:
            shown_rows.append(t)
        result.target = target_word
        result.dE_rows, result.dW, result.dlogits = model._backward(words, target_word, ctx_emb, probs)
        result.loss, result.step = _one_step(model, words, target_word, lr, result)
    result.table = softmax_table.table(logits, probs, result.vocab, shown_rows)
    return result


def _one_step(model, words, target, lr, result):
    """(loss before, `Step`) of one `_step` on a copy of the model."""
    trained = copy.deepcopy(model)
    with np.errstate(divide="ignore"):  # a probability that rounds to 0 is an infinite loss, said as such
        loss = trained._step(words, target, lr)
        _, after = trained._forward(words)
        loss_after = float(-np.log(after[model.word_to_idx[target]]))
    dE = trained.E - model.E  # (V, d)
    changes = []
    for word in dict.fromkeys(words):  # a word twice in the context: one row, changed twice
        i = model.word_to_idx[word]
        grad = result.dE_rows[[j for j, w in enumerate(words) if w == word]].sum(axis=0)
        changes.append(Change(f"E[{word}]", grad.size, _norm(grad), _norm(dE[i])))
    changes.append(Change("W", result.dW.size, _norm(result.dW), _norm(trained.W - model.W)))
    changes.append(Change("b", result.dlogits.size, _norm(result.dlogits), _norm(trained.b - model.b)))
    rows_changed = int(np.count_nonzero(np.any(dE != 0, axis=1)))
    return float(loss), Step(lr, after, loss_after, changes, rows_changed)


def _norm(values):
    return float(np.linalg.norm(np.asarray(values, dtype=np.float64)))


def _context(model, text):
    """(the context words the model reads, notes on what was made of `text`)."""
    tokens = tokens_of(text, model.config.transforms, "the context")
    notes = []
    n = model.n
    if len(tokens) > n:
        notes.append(f"the context has {len(tokens)} tokens and the model reads n={n}: it uses the last {n}, "
                     f"{' '.join(map(shown, tokens[-n:]))!r}")
        tokens = tokens[-n:]
    elif len(tokens) < n:
        notes.append(f"the context has {len(tokens)} token{'s' * (len(tokens) > 1)} and the model reads n={n}: it "
                     f"averages {len(tokens)} row{'s' * (len(tokens) > 1)} of E, where training always averages {n}")
    words = [_word(model, token, notes) for token in tokens]
    return words, notes


def _word(model, token, notes):
    """The vocabulary word that stands for `token`: itself, or <unk> (with a note) when the model has it."""
    word = model.vocab[model.vocabulary.lookup(token)]  # an unknown word without <unk>: close spellings
    if word != token and word == UNK:
        notes.append(f"{shown(token)!r} is not in the vocabulary: read as {UNK}, as training reads it")
    return word


def _target(model, text, notes):
    tokens = tokenize(text, model.config.transforms)
    if len(tokens) != 1:
        raise UserError(f"the target is one next token; {text!r} is {len(tokens)} after the model's transforms "
                        f"({', '.join(model.config.transforms) or 'none'})")
    return _word(model, tokens[0], notes)


# ---- as text ---------------------------------------------------------------------------------------------------

def lines(e, full=False):
    """The explanation as the lab would walk through it: a list of lines."""
    words = " ".join(map(shown, e.context))
    out = [f"Inside one prediction of {e.name} ({len(e.vocab):,} words, d={e.d}, n={e.n}): "
           f"context {words!r}" + (f", target {shown(e.target)!r}" if e.target is not None else ""), ""]
    count = e.d if full else min(e.d, SHOWN_NUMBERS)
    first = f"all {e.d} numbers" if count == e.d else f"the first {count} of {e.d} numbers"
    out.append(f"1. Look up and average: each context word's row of E ({first}), and their average, the context "
               f"embedding ctx_emb")
    labels = [f"E[{shown(w)}]" for w in e.context] + ["average"]
    width = max(map(len, labels))
    more = "" if count == e.d else "  ..."
    for label, row in zip(labels, list(e.rows) + [e.ctx_emb]):
        out.append(f"   {label:<{width}}  " + " ".join(f"{x:7.3f}" for x in row[:count]) + more)
    out += ["", f"2. Multiply: the logits z = ctx_emb @ W + b, one per word, and softmax σ(z) = e^z / Σ e^z "
                f"(the top {e.k}{' and the target' if e.target is not None and len(e.shown) > e.k else ''}; "
                f"the sum is over all {len(e.vocab):,} words)"]
    out += _indented(softmax_table.lines(e.table, z_decimals=3, sum_label=f"sum of all {len(e.vocab):,}"))
    if e.target is None:
        return out
    t = e.vocab.index(e.target)
    out += ["", f"3. The loss: −ln p({shown(e.target)}) = −ln {e.probs[t]:.4f} = {_loss(e.loss)}", "",
            f"4. Backpropagation: dL/dz = p − onehot({shown(e.target)}), for the same words"]
    out += _indented(softmax_table.grid(
        ["word", "p", "onehot", "dL/dz"],
        [[shown(e.vocab[i]), f"{e.probs[i]:.4f}", "1" if i == t else "0", f"{e.dlogits[i]:+.4f}"] for i in e.shown]))
    context = ", ".join(c.name for c in e.step.changes[:-2])
    twice = "; a word there twice gets it twice" if len(set(e.context)) < len(e.context) else ""
    out += [f"   It reaches {context} (each context word gets 1/{len(e.context)} of W @ dL/dz{twice}), every column of W "
            f"(outer(ctx_emb, dL/dz)) and b (dL/dz itself);",
            f"   no other row of E. One step subtracts lr × the gradient, lr = {e.step.lr:g} (‖·‖: the length of "
            f"all those numbers as one vector):"]
    out += _indented(softmax_table.grid(
        ["parameter", "numbers", "‖gradient‖", "‖change‖"],
        [[shown(c.name), f"{c.numbers:,}", f"{c.gradient:.4f}", f"{c.change:.5f}"] for c in e.step.changes]))
    after = e.step.probs
    p_label = f"p({shown(e.target)})"
    out += ["", f"5. Gradient descent: the same example after one step at lr {e.step.lr:g} (on a copy; "
                f"{e.name} is not changed)",
            f"   {p_label:<{len(p_label)}}  {e.probs[t]:.4f} -> {after[t]:.4f}",
            f"   {'loss':<{len(p_label)}}  {_loss(e.loss)} -> {_loss(e.step.loss)}",
            f"   top {e.k} after: " + ", ".join(f"{shown(w)} {p:.3f}" for w, p in e.top(after))]
    return out


def _loss(value):
    """A loss to 4 decimals; a float32 probability a hair above 1 gives a loss a hair below 0, shown as 0."""
    return f"{max(value, 0.0):.4f}"


def _indented(lines):
    return ["   " + line for line in lines]


# ---- as JSON ---------------------------------------------------------------------------------------------------

def to_json(e, every=True):
    """The explanation as JSON-ready values; `every`: also the full (V,) and (d, V) arrays."""
    doc = {"model": e.name, "words": len(e.vocab), "d": e.d, "n": e.n, "context": e.context, "notes": e.notes,
           "rows": [{"word": w, "row": row.tolist()} for w, row in zip(e.context, e.rows)], "ctx_emb": e.ctx_emb.tolist(),
           "table": e.table.to_json(), "table_text": _table_text(e), "top": [{"word": w, "probability": p} for w, p in e.top(e.probs)],
           "target": e.target}
    if every:
        doc.update(vocab=e.vocab, logits=e.logits.tolist(), probs=e.probs.tolist())
    if e.target is not None:
        t = e.vocab.index(e.target)
        doc.update(loss=e.loss, p_target=float(e.probs[t]),
                   dlogits={e.vocab[i]: float(e.dlogits[i]) for i in e.shown},
                   gradient=[vars(c) for c in e.step.changes],
                   step={"lr": e.step.lr, "loss": e.step.loss, "p_target": float(e.step.probs[t]),
                         "rows_of_E_changed": e.step.rows_changed,
                         "top": [{"word": w, "probability": p} for w, p in e.top(e.step.probs)],
                         "table_probs": [float(e.step.probs[i]) for i in e.shown]})
        if every:
            doc.update(dlogits_all=e.dlogits.tolist(), dE_rows=e.dE_rows.tolist(), dW=e.dW.tolist(),
                       probs_after=e.step.probs.tolist())
    return doc


def _table_text(e):
    head, body = softmax_table.cells(e.table, z_decimals=3, sum_label=f"sum of all {len(e.vocab):,}")
    return {"head": head, "rows": body, "note": softmax_table.shift_note(e.table, 3)}
