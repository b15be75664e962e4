"""The epoch loop: a training plan, shuffled batches, the learning-rate schedule, held-out loss,
progress events, and stopping cleanly on divergence or on request (Ctrl-C).

A plan (`TrainingState`) is saved in the model file with the optimizer's state, so a run stopped
after some epochs and resumed ends with exactly the parameters of the same run left alone: each
epoch's shuffle comes from (seed, epochs trained), the schedule from the plan's step count, and
Adam's moments from the file.

`fit` is the lab's loop: for each epoch, for each batch, one step (forward, loss, backward,
update); what an epoch's batches add up to (progress, divergence, stop requests) is `_Epoch.add`,
and going back to the last complete epoch when training stops inside one is one context manager
around the loop. Steps come from the lab's per-example `model._step` (for teaching and
comparison), the batched fast path of `tlm/batched.py` (the default) or sampled softmax. Leaves out
the model's math, files, printing, and checking what people type (the command does).
"""

import hashlib
import math
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
from pydantic import ConfigDict, Field
from pydantic import dataclasses as checked

from edge.errors import UserError
from tlm import batched, journey, subsampling
from tlm.base import Whole
from tlm.examples import join, make_examples, require_examples
from tlm.optim import OPTIMIZERS
from tlm.threads import Chooser

DEFAULT_EPOCHS = 5
MAX_EPOCHS = 1_000_000
MAX_LR = 1000.0
SCHEDULES = ("linear", "constant")
ENGINES = ("fast", "reference")
LOSSES = ("full", "sampled")  # the training objective: exact softmax, or sampled softmax (tlm/sampled.py)
# The objective a plan gets when none is asked for: the lab's full softmax up to this many words (a
# novel: Emma has 7,054), sampled softmax above, where the full softmax's (B, V) products make an
# epoch slow (Gutenberg-all, 19,659 words: docs/benchmarks.md).
MAX_FULL_SOFTMAX_WORDS = 10_000
MAX_AUTO_BATCH = 256
# The automatic batch size keeps at least this many updates per epoch, so a tiny corpus
# (chuck.txt: 30 examples) trains one example at a time, exactly like the lab's loop.
MIN_STEPS_PER_EPOCH = 256
# Gradients are summed over a batch, so the step of the most frequent target's column of W (and of
# its bias) grows with how many examples of the batch predict it: B x its share of the targets. The
# automatic batch keeps that count at what word-level text has at batch 256 and trains well with
# (Moby Dick's "the": 6.8% -> 17), so character-level text (" ": 23% of Alice) is not driven to
# divergence by batches of 256 (59 spaces each) at the default learning rate.
MAX_TOP_TARGET_PER_BATCH = 16
PROGRESS_EVENTS = 100  # per epoch, for a live bar; more would cost time on small batches


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


@dataclass
class TrainReport:
    """What `fit` had to leave out of the texts, and the batch size it used."""

    batch_size: int
    skipped_tokens: int = 0
    skipped_words: list = field(default_factory=list)


class DivergedError(UserError):
    """Training produced a non-finite loss (usually: the learning rate is too large)."""


class TrainingInterrupted(UserError):
    """Stopped on request; the model holds the parameters and plan of its last complete epoch."""

    def __init__(self, epochs_done, epochs):
        super().__init__(f"training interrupted during epoch {epochs_done + 1}/{epochs}")
        self.epochs_done = epochs_done


@checked.dataclass(config=ConfigDict(extra="forbid"))
class TrainingState:
    """A training plan and how far it got (saved in the model file as "training").

    The one place where each setting's default and range are written: a new plan and a model file
    are both checked against them, and the command's options take their bounds from here.
    """

    epochs: Whole(0, MAX_EPOCHS) = DEFAULT_EPOCHS  # planned epochs of the current plan
    epochs_done: Whole(0, MAX_EPOCHS) = 0  # epochs of the plan already done
    step: Whole(0) = 0  # updates done in the plan: drives the learning-rate schedule
    epochs_trained: Whole(0) = 0  # epochs over all plans: seeds each epoch's shuffle
    # chosen by measurement (README, "Choosing the learning rate")
    lr: float = Field(default=0.1, strict=True, gt=0, le=MAX_LR)
    schedule: Literal[SCHEDULES] = "linear"
    optimizer: Literal[tuple(OPTIMIZERS)] = "sgd"
    batch_size: Whole(1, 2**31 - 1) = 1
    engine: Literal[ENGINES] = "fast"
    loss: Literal[LOSSES] = "full"
    samples: Whole(0, 2**31 - 1) = 0  # sampled softmax: candidate words drawn per batch
    subsample: float = Field(default=0.0, strict=True, ge=0, lt=1)  # thinning of frequent targets (0: none)
    text: str = Field(default="", strict=True)  # fingerprint of the examples the plan started on
    optimizer_state: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self):
        return self.epochs_done >= self.epochs

    def to_dict(self):
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULTS = TrainingState()


def auto_batch_size(examples, top_share=0.0):
    """1 for tiny corpora, growing to MAX_AUTO_BATCH while an epoch keeps MIN_STEPS_PER_EPOCH updates
    and the most frequent target (`top_share` of all targets) fills at most MAX_TOP_TARGET_PER_BATCH
    examples of a batch."""
    limit = MAX_TOP_TARGET_PER_BATCH / top_share if top_share > 0 else MAX_AUTO_BATCH
    return int(np.clip(min(examples // MIN_STEPS_PER_EPOCH, limit), 1, MAX_AUTO_BATCH))


def learning_rate(lr, schedule, step, total_steps):
    """The step size at `step` of `total_steps`: constant, or decaying linearly (as in word2vec)."""
    if schedule == "linear":
        return lr * max(1.0 - step / total_steps, 1e-4)
    return lr


@dataclass
class Examples:
    """Training examples of some texts, with what had to be left out of them."""

    contexts: np.ndarray  # (M, n) int32 rows
    targets: np.ndarray  # (M,) int32 rows
    skipped_tokens: int = 0  # tokens outside a vocabulary without <unk>
    skipped_words: list = field(default_factory=list)

    def __len__(self):
        return len(self.targets)

    def top_share(self):
        """The share of the targets that the most frequent target takes."""
        return float(np.bincount(self.targets).max() / len(self.targets)) if len(self.targets) else 0.0

    def fingerprint(self):
        """A short digest: resuming a plan on other examples is worth a warning."""
        digest = hashlib.sha1(np.ascontiguousarray(self.contexts).tobytes())
        digest.update(np.ascontiguousarray(self.targets).tobytes())
        return digest.hexdigest()[:16]


def examples_of(model, texts, required=True):
    """The `Examples` of token lists (several texts: no example spans two).

    Raises `UserError` when `required` and there is no example at all.
    """
    encoded = [model.encode(words) for words in texts]
    ids = join(encoded)
    contexts, targets = require_examples(ids, model.n) if required else make_examples(ids, model.n)
    skipped_tokens = sum(int((rows < 0).sum()) for rows in encoded)
    skipped = sorted({w for words, rows in zip(texts, encoded) for w, i in zip(words, rows) if i < 0}
                     if skipped_tokens else ())
    return Examples(contexts, targets, skipped_tokens, skipped)


def new_plan(model, examples, batch_size=None, samples=None, loss=None, subsample=None, **settings):
    """Start a plan on `examples`; `settings` are `TrainingState`'s (epochs, lr, schedule, optimizer,
    engine), their defaults its defaults. The schedule starts again at `lr`.

    `loss` None is the full softmax up to MAX_FULL_SOFTMAX_WORDS words, sampled softmax above (the
    reference engine: always the full); `subsample` None thins frequent targets at
    `subsampling.DEFAULT_THRESHOLD` when the sampled loss trains such a vocabulary, else not at all
    (every word of a short text is frequent in it: thinning would leave it too few examples).
    `batch_size` None is `auto_batch_size` (the reference engine is always 1); `samples` None is
    sampled softmax's default. The optimizer's state carries over when the optimizer stays the same.
    """
    old = model.training
    large = len(model.vocab) > MAX_FULL_SOFTMAX_WORDS and settings.get("engine") != "reference"
    loss = loss or ("sampled" if large else "full")
    if subsample is None:
        subsample = subsampling.DEFAULT_THRESHOLD if large and loss == "sampled" else 0.0
    if samples and loss != "sampled":
        raise UserError(f"the number of candidates (--samples) is sampled softmax's, and this plan trains the full "
                        f"softmax ({len(model.vocab):,} words: sampled is the default above "
                        f"{MAX_FULL_SOFTMAX_WORDS:,}); add --loss sampled or drop --samples")
    plan = TrainingState(loss=loss, subsample=subsample, **settings)
    if plan.engine == "reference":
        batch_size = 1
    if plan.loss == "sampled":
        from tlm import sampled

        samples = min(samples or sampled.DEFAULT_SAMPLES, len(model.vocab))
    plan.batch_size = min(batch_size or auto_batch_size(len(examples), examples.top_share()), len(examples))
    plan.samples = samples or 0
    plan.epochs_trained = old.epochs_trained
    plan.optimizer_state = old.optimizer_state if plan.optimizer == old.optimizer else {}
    plan.text = examples.fingerprint()
    model.training = plan


def memory_needed(V, d, batch_size, examples, n, optimizer):
    """Bytes a training run holds: parameters (twice: the last epoch's copy), Adam's moments, the
    (B, V) buffer and its temporaries, the batch's gathered context rows and gradients (B, n, d),
    and the int32 examples."""
    params = 4 * (2 * V * d + V)
    moments = 2 * params if optimizer == "adam" else 0
    batch = 3 * 4 * batch_size * V + 4 * 4 * batch_size * (n + 2) * d
    return 2 * (params + moments) + batch + 4 * examples * (n + 1)


@np.errstate(all="ignore")  # overflow shows up as a non-finite loss: reported as divergence, not warned
def fit(model, examples, val=None, callback=None, should_stop=None, threads=None):
    """Run `model.training`'s plan on `examples` until it is finished.

    Parameters
    ----------
    examples : `Examples`
    val : `Examples`, optional
        Held-out examples: their mean loss is measured after every epoch.
    callback : callable, optional
        Receives `Progress` and `EpochEnd` events.
    should_stop : callable, optional
        Asked after every batch but an epoch's last; when it returns True training stops as on Ctrl-C.
    threads : int, optional
        BLAS threads for every step; by default chosen by measurement as training runs (`tlm.threads`).

    Raises
    ------
    DivergedError
        The loss became NaN or infinite; the model is back at its last complete epoch.
    TrainingInterrupted
        Ctrl-C or `should_stop`; the model is back at its last complete epoch.
    """
    state = model.training
    contexts, targets = examples.contexts, examples.targets
    keep = _kept_share(model, targets)  # (M,) or None: every example, every epoch
    M = _epoch_length(keep, len(targets))
    B = min(state.batch_size, M)
    step = Chooser(threads).wrap(_step_function(model, B))
    steps_per_epoch = -(-M // B)
    total_steps = state.epochs * steps_per_epoch
    recorder = journey.Recorder(model, total_steps, steps_per_epoch, val)
    with _last_complete_epoch_kept(model) as last:
        while not state.finished:
            order, rng = _epoch_randomness(model.config.seed, state.epochs_trained, len(targets), keep)
            epoch = _Epoch(state, M, steps_per_epoch, callback, should_stop)
            for start in range(0, M, B):
                batch = order[start:start + B]
                lr = learning_rate(state.lr, state.schedule, state.step, total_steps)
                loss = step(contexts[batch], targets[batch], lr, rng)  # forward, loss, backward, update
                state.step += 1
                epoch.add(loss, len(batch))
                recorder.step(loss, len(batch))
            _end_epoch(model, epoch, val, callback)
            recorder.epoch_end()
            last.save()
    return TrainReport(B, examples.skipped_tokens, examples.skipped_words)


def examples_per_epoch(model, examples):
    """How many of `examples` an epoch of the model's plan trains on (fewer than all when it thins)."""
    return _epoch_length(_kept_share(model, examples.targets), len(examples))


def _epoch_length(keep, M):
    return M if keep is None else subsampling.epoch_size(keep)


def _kept_share(model, targets):
    """(M,) each example's probability of being kept for an epoch when the plan thins frequent
    targets (`tlm/subsampling.py`), else None."""
    if not model.training.subsample:
        return None
    return subsampling.keep_probabilities(model.word_counts, model.training.subsample)[targets]


def _epoch_randomness(seed, epochs_trained, M, keep=None):
    """The epoch's shuffled examples (those kept, with each example's probability `keep`) and its
    generator for sampled softmax, from (seed, epochs trained): the same seed gives the same model,
    and a resumed run shuffles exactly as one uninterrupted run would."""
    order = np.random.default_rng([seed, epochs_trained]).permutation(M)
    if keep is not None:
        order = subsampling.kept(order, keep, np.random.default_rng([seed, epochs_trained, 2]))
    return order, np.random.default_rng([seed, epochs_trained, 1])


class _Epoch:
    """An epoch's running loss, watched after every batch: progress events, divergence, stop requests."""

    def __init__(self, state, total, steps, callback, should_stop):
        self.state, self.total, self.callback, self.should_stop = state, total, callback, should_stop
        self.number = state.epochs_done + 1
        self.loss_sum, self.done, self.batches = 0.0, 0, 0
        self.progress_every = max(1, steps // PROGRESS_EVENTS)

    def add(self, loss, examples):
        self.loss_sum += loss
        self.done += examples
        self.batches += 1
        if not math.isfinite(self.loss_sum):
            lr = self.state.lr
            raise DivergedError(f"training diverged (the loss became {self.loss_sum}) in epoch {self.number} with "
                                f"lr={lr:g}; try a smaller learning rate (--lr), e.g. {lr / 10:g}")
        if self.callback and self.batches % self.progress_every == 0:
            self.callback(Progress(self.number, self.state.epochs, self.done, self.total, self.loss_sum / self.done))
        # A request during an epoch's last batch is taken after the next one, so the epoch is kept.
        if self.should_stop is not None and self.done < self.total and self.should_stop():
            raise KeyboardInterrupt

    @property
    def loss(self):
        return self.loss_sum / self.total


def _end_epoch(model, epoch, val, callback):
    state = model.training
    val_loss = model.mean_loss(val.contexts, val.targets) if val is not None and len(val) else None
    state.epochs_done += 1
    state.epochs_trained += 1
    model.history["loss"].append(epoch.loss)
    model.history["val_loss"].append(val_loss)
    if callback:
        callback(EpochEnd(epoch.number, state.epochs, epoch.loss, val_loss))


def _step_function(model, batch_size):
    """step(contexts, targets, lr, rng) -> the batch's summed loss: one update by the plan's engine and loss."""
    state = model.training
    if state.engine == "reference":
        return lambda contexts, targets, lr, rng: _reference_step(model, contexts, targets, lr)
    params = {"E": model.E, "W": model.W, "b": model.b}
    optimizer = OPTIMIZERS[state.optimizer](params, state.optimizer_state)
    state.optimizer_state = optimizer.state
    keep = subsampling.keep_probabilities(model.word_counts, state.subsample)  # (V,) all 1 without thinning
    shift = subsampling.log_keep(keep) if state.subsample else None  # added to b while training
    if state.loss == "sampled":
        from tlm import sampled

        sampler = sampled.Sampler(model.word_counts * keep, state.samples)  # the kept targets' counts
        return lambda contexts, targets, lr, rng: sampled.step(model, optimizer, sampler, contexts, targets, lr, rng,
                                                               shift)
    buffer = np.empty((batch_size, len(model.vocab)), dtype=model.W.dtype)  # (B, V), reused every batch
    return lambda contexts, targets, lr, rng: _fast_step(model, optimizer, contexts, targets, lr, buffer, shift)


def _fast_step(model, optimizer, contexts, targets, lr, buffer, shift=None):
    """One update of the fast path on a batch; returns the batch's summed loss."""
    b = model.b if shift is None else model.b + shift  # thinned targets: their logits told so
    ctx_emb, e, inv_s = batched.forward(model.E, model.W, b, contexts, out=buffer[:len(targets)])
    loss = batched.loss(e, inv_s, targets)
    dE, dW, db = batched.backward(model.W, contexts, targets, ctx_emb, e, inv_s)
    optimizer.update({"E": model.E, "W": model.W, "b": model.b}, {"E": dE, "W": dW, "b": db}, lr, len(targets))
    return loss


def _reference_step(model, contexts, targets, lr):
    """The lab's loop: `model._step` on one example, in words (plain SGD)."""
    vocab = model.vocab
    return model._step([vocab[i] for i in contexts[0]], vocab[targets[0]], lr)


@contextmanager
def _last_complete_epoch_kept(model):
    """Training inside: a Ctrl-C, a stop request or divergence puts the model back at its last complete
    epoch (parameters, history, plan and optimizer state) before the error leaves."""
    last = _Snapshot(model)
    try:
        yield last
    except KeyboardInterrupt:
        last.restore()
        raise TrainingInterrupted(model.training.epochs_done, model.training.epochs) from None
    except DivergedError:
        last.restore()
        raise


class _Snapshot:
    """Everything an epoch changes, copied; `restore` writes it back into the live objects (the
    optimizer keeps using the live state's arrays)."""

    def __init__(self, model):
        self.model = model
        self.save()

    def save(self):
        model, state = self.model, self.model.training
        self.params = (model.E.copy(), model.W.copy(), model.b.copy())
        self.epochs = len(model.history["loss"])
        self.plan = {f.name: getattr(state, f.name) for f in fields(state) if f.name != "optimizer_state"}
        self.optimizer_state = {k: v.copy() if isinstance(v, np.ndarray) else v
                                for k, v in state.optimizer_state.items()}

    def restore(self):
        model, state = self.model, self.model.training
        model.E[...], model.W[...], model.b[...] = self.params
        del model.history["loss"][self.epochs:], model.history["val_loss"][self.epochs:]
        for name, value in self.plan.items():
            setattr(state, name, value)
        for key, value in self.optimizer_state.items():
            if isinstance(value, np.ndarray):
                state.optimizer_state[key][...] = value
            else:
                state.optimizer_state[key] = value
