"""The epoch loop: (context, target) examples from a token stream, shuffling, batches, learning-rate
schedule, held-out loss, progress events, and stopping cleanly on divergence or Ctrl-C.

Two engines run the same model: the per-example reference loop that calls `model._step` (the lab's
loop, kept for teaching and comparison) and the batched fast path of `tlm/batched.py` (the default).
Leaves out the model's math and anything about files or printing.
"""

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tlm import batched
from tlm.errors import DivergedError, TlmError

OPTIMIZERS = {"sgd": batched.SGD, "adam": batched.Adam}
SCHEDULES = ("constant", "linear")
DEFAULT_OPTIMIZER = "sgd"
DEFAULT_SCHEDULE = "linear"
MAX_AUTO_BATCH = 256
# The automatic batch size keeps at least this many updates per epoch, so a tiny corpus
# (chuck.txt: 30 examples) trains one example at a time, exactly like the lab's loop.
MIN_STEPS_PER_EPOCH = 256
# Progress events per epoch (for a live bar); more would cost time on small batches.
PROGRESS_EVENTS = 100


@dataclass
class Progress:
    """Sent during an epoch: examples done so far and their mean loss."""

    epoch: int
    epochs: int
    done: int
    total: int
    loss: float


@dataclass
class EpochEnd:
    """Sent after each epoch."""

    epoch: int
    epochs: int
    loss: float
    val_loss: float | None
    seconds: float
    examples: int


@dataclass
class TrainReport:
    """What `fit` did: per-epoch losses and what it had to leave out."""

    losses: list = field(default_factory=list)
    val_losses: list = field(default_factory=list)
    batch_size: int = 1
    skipped_tokens: int = 0
    skipped_words: list = field(default_factory=list)


class TrainingInterrupted(TlmError):
    """Ctrl-C during training; the model holds the parameters of the last complete epoch."""

    def __init__(self, epochs_done, epochs):
        super().__init__(f"training interrupted during epoch {epochs_done + 1}/{epochs}")
        self.epochs_done = epochs_done


def make_examples(ids, n):
    """Sliding windows over a token-id stream: (N,) -> contexts (M, n), targets (M,).

    A window that touches an id of -1 (a token outside the vocabulary) is dropped.
    """
    if len(ids) <= n:
        return np.empty((0, n), dtype=np.int64), np.empty(0, dtype=np.int64)
    windows = sliding_window_view(ids, n + 1)  # (N - n, n + 1)
    windows = windows[(windows >= 0).all(axis=1)]
    return np.ascontiguousarray(windows[:, :n]), np.ascontiguousarray(windows[:, n])


def require_examples(ids, n):
    """`make_examples`, or a `TlmError` explaining why there are none."""
    contexts, targets = make_examples(ids, n)
    if len(targets) == 0:
        raise TlmError(f"no training examples: the text has {int((ids >= 0).sum())} usable tokens, and a "
                       f"context window of {n} needs at least {n + 1} in a row")
    return contexts, targets


def auto_batch_size(examples):
    """1 for tiny corpora, growing to MAX_AUTO_BATCH while an epoch keeps MIN_STEPS_PER_EPOCH updates."""
    return int(np.clip(examples // MIN_STEPS_PER_EPOCH, 1, MAX_AUTO_BATCH))


def learning_rate(lr, schedule, step, total_steps):
    """The step size at `step` of `total_steps`: constant, or decaying linearly (as in word2vec)."""
    if schedule == "linear":
        return lr * max(1.0 - step / total_steps, 1e-4)
    return lr


def check_settings(epochs, lr, batch_size, optimizer, schedule, reference):
    if epochs < 1:
        raise TlmError(f"--epochs must be at least 1, got {epochs}")
    if not (lr > 0 and np.isfinite(lr)):
        raise TlmError(f"--lr must be a positive number, got {lr}")
    if batch_size is not None and batch_size < 1:
        raise TlmError(f"--batch-size must be at least 1, got {batch_size}")
    if optimizer not in OPTIMIZERS:
        raise TlmError(f"unknown optimizer {optimizer!r}; known: {', '.join(OPTIMIZERS)}")
    if schedule not in SCHEDULES:
        raise TlmError(f"unknown learning-rate schedule {schedule!r}; known: {', '.join(SCHEDULES)}")
    if reference and (optimizer != "sgd" or batch_size not in (None, 1)):
        raise TlmError("the reference loop is plain per-example SGD: use it with --optimizer sgd and batch size 1")


@np.errstate(all="ignore")  # overflow shows up as a non-finite loss: reported as divergence, not warned
def fit(model, words, epochs, lr, batch_size=None, optimizer=DEFAULT_OPTIMIZER, schedule=DEFAULT_SCHEDULE,
        val_words=None, callback=None, reference=False):
    """Train `model` (already built) on a token list for `epochs` epochs.

    Parameters
    ----------
    batch_size : int or None
        Examples per update; None picks `auto_batch_size`.
    optimizer : 'sgd' or 'adam'
    schedule : 'constant' or 'linear' (decay to ~0 over this call's updates)
    reference : bool
        Run the lab's per-example loop (`model._step`) instead of the batched fast path.

    Raises
    ------
    TlmError
        No examples (corpus shorter than the context window, or nothing left in the vocabulary).
    DivergedError
        The loss became NaN or infinite; the model is restored to its last complete epoch.
    TrainingInterrupted
        Ctrl-C; the model holds the parameters of the last complete epoch.
    """
    check_settings(epochs, lr, batch_size, optimizer, schedule, reference)
    ids = model.encode(words)
    report = TrainReport(skipped_tokens=int((ids < 0).sum()),
                         skipped_words=sorted({w for w, i in zip(words, ids) if i < 0}))
    contexts, targets = require_examples(ids, model.n)
    model.word_counts += np.bincount(ids[ids >= 0], minlength=len(model.vocab))
    val_contexts, val_targets = make_examples(model.encode(val_words), model.n) if val_words else (None, None)
    B = 1 if reference else batch_size or auto_batch_size(len(targets))
    report.batch_size = B

    opt = OPTIMIZERS[optimizer](model)
    steps_per_epoch = -(-len(targets) // B)
    total_steps = epochs * steps_per_epoch
    buffer = np.empty((B, len(model.vocab)), dtype=model.W.dtype)  # (B, V), reused every batch
    progress_every = max(1, steps_per_epoch // PROGRESS_EVENTS)
    saved = _snapshot(model)

    try:
        for epoch in range(epochs):
            start = time.perf_counter()
            # Each epoch's shuffle comes from (seed, epoch number): the same seed gives the same model,
            # and a resumed run shuffles exactly as one uninterrupted run would.
            epoch_rng = np.random.default_rng([model.config.seed, model.config.epochs_trained])
            order = epoch_rng.permutation(len(targets))
            loss_sum = 0.0
            for step in range(steps_per_epoch):
                batch = order[step * B:(step + 1) * B]
                step_lr = learning_rate(lr, schedule, epoch * steps_per_epoch + step, total_steps)
                if reference:
                    loss_sum += model._step(contexts[batch[0]], targets[batch[0]], step_lr)
                else:
                    loss_sum += _batch_step(model, opt, contexts[batch], targets[batch], step_lr, buffer)
                if not np.isfinite(loss_sum):
                    _restore(model, saved)
                    raise DivergedError(
                        f"training diverged (the loss became {loss_sum}) in epoch {epoch + 1} with lr={lr}; "
                        f"try a smaller --lr, e.g. {lr / 10:g}")
                if callback and (step + 1) % progress_every == 0:
                    done = min((step + 1) * B, len(targets))
                    callback(Progress(epoch + 1, epochs, done, len(targets), loss_sum / done))
            loss = loss_sum / len(targets)
            val_loss = (batched.mean_loss(model.E, model.W, model.b, val_contexts, val_targets)
                        if val_targets is not None and len(val_targets) else None)
            model.config.epochs_trained += 1
            model.history["loss"].append(loss)
            model.history["val_loss"].append(val_loss)
            report.losses.append(loss)
            report.val_losses.append(val_loss)
            saved = _snapshot(model)
            if callback:
                callback(EpochEnd(epoch + 1, epochs, loss, val_loss, time.perf_counter() - start, len(targets)))
    except KeyboardInterrupt:
        _restore(model, saved)
        raise TrainingInterrupted(len(report.losses), epochs) from None
    return report


def _batch_step(model, opt, contexts, targets, lr, buffer):
    """One update of the fast path on a batch; returns the batch's summed loss."""
    loss, dW, db, dH = batched.loss_and_gradients(model.E, model.W, model.b, contexts, targets,
                                                  out=buffer[:len(targets)])
    opt.update(model, contexts, dH, dW, db, lr)
    return loss


def _snapshot(model):
    return model.E.copy(), model.W.copy(), model.b.copy()


def _restore(model, saved):
    model.E[...], model.W[...], model.b[...] = saved
