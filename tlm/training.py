"""The epoch loop: a training plan, shuffled batches, the learning-rate schedule, held-out loss,
progress events, and stopping cleanly on divergence or on request (Ctrl-C).

A plan (`TrainingState`) is saved in the model file with the optimizer's state, so a run stopped
after some epochs and resumed ends with exactly the parameters of the same run left alone: each
epoch's shuffle comes from (seed, epochs trained), the schedule from the plan's step count, and
Adam's moments from the file.

Two engines run the same model: the lab's per-example loop calling `model._step` (for teaching and
comparison) and the batched fast path of `tlm/batched.py` (the default). Leaves out the model's
math, files and printing.
"""

import hashlib
import math
from functools import partial
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from edge import resources
from edge.errors import UserError
from tlm import batched, schema
from tlm.examples import join, make_examples, require_examples
from tlm.optim import OPTIMIZERS
from tlm.threads import Chooser

DEFAULT_LR = 0.1  # chosen by measurement (README, "Choosing the learning rate")
DEFAULT_EPOCHS = 5
DEFAULT_OPTIMIZER = "sgd"
SCHEDULES = ("linear", "constant")
DEFAULT_SCHEDULE = "linear"
ENGINES = ("fast", "reference")
LOSSES = ("full", "sampled")  # the training objective: exact softmax, or sampled softmax (tlm/sampled.py)
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
MAX_EPOCHS = 1_000_000
MAX_STEPS = 2**53  # updates (and epochs) counted over a model's life: exact as floats, far beyond any run


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


@dataclass
class TrainingState:
    """A training plan and how far it got (saved in the model file as "training")."""

    epochs: int = 0  # planned epochs of the current plan
    epochs_done: int = 0  # epochs of the plan already done
    step: int = 0  # updates done in the plan: drives the learning-rate schedule
    epochs_trained: int = 0  # epochs over all plans: seeds each epoch's shuffle
    lr: float = DEFAULT_LR
    schedule: str = DEFAULT_SCHEDULE
    optimizer: str = DEFAULT_OPTIMIZER
    batch_size: int = 1
    engine: str = "fast"
    loss: str = "full"
    samples: int = 0  # sampled softmax: candidate words drawn per batch
    text: str = ""  # fingerprint of the examples the plan started on
    optimizer_state: dict = field(default_factory=dict)

    @property
    def finished(self):
        return self.epochs_done >= self.epochs

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, doc, params):
        """Checked state of a model file; `params` (name -> array) gives the optimizer state's shapes."""
        if not isinstance(doc, dict) or set(doc) - set(cls.__dataclass_fields__):
            raise schema.SchemaError("training must be a JSON object of known settings")
        state = cls(**{k: v for k, v in doc.items() if k != "optimizer_state"})
        schema.integer(state.epochs, "training.epochs", 0, MAX_EPOCHS)
        schema.integer(state.epochs_done, "training.epochs_done", 0, state.epochs)
        schema.integer(state.step, "training.step", 0, MAX_STEPS)
        schema.integer(state.epochs_trained, "training.epochs_trained", 0, MAX_STEPS)
        schema.number(state.lr, "training.lr", positive=True)
        schema.choice(state.schedule, "training.schedule", SCHEDULES)
        schema.choice(state.optimizer, "training.optimizer", list(OPTIMIZERS))
        schema.integer(state.batch_size, "training.batch_size", 1, 2**31 - 1)
        schema.choice(state.engine, "training.engine", ENGINES)
        schema.choice(state.loss, "training.loss", LOSSES)
        vocabulary = len(params["b"]) if "b" in params else 2**31 - 1
        schema.integer(state.samples, "training.samples", 1 if state.loss == "sampled" else 0, vocabulary)
        if not isinstance(state.text, str):
            raise schema.SchemaError("training.text must be a string")
        state.optimizer_state = _optimizer_state(doc.get("optimizer_state", {}), state.optimizer, params)
        return state


def _optimizer_state(doc, optimizer, params):
    if not isinstance(doc, dict):
        raise schema.SchemaError("training.optimizer_state must be a JSON object")
    if not doc:
        return {}
    if optimizer != "adam":
        raise schema.SchemaError(f"training.optimizer_state is set, but {optimizer} keeps no state")
    state = {"t": schema.integer(schema.require(doc, "t", "training.optimizer_state"), "optimizer_state.t")}
    for name, param in params.items():
        for moment in "mv":
            key = f"{moment}_{name}"
            state[key] = schema.array(schema.require(doc, key, "training.optimizer_state"), f"optimizer_state.{key}",
                                      param.shape, limit=schema.MAX_PARAMETER ** (2 if moment == "v" else 1)).copy()
    return state


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


def new_plan(model, examples, epochs=DEFAULT_EPOCHS, lr=DEFAULT_LR, schedule=DEFAULT_SCHEDULE,
             optimizer=DEFAULT_OPTIMIZER, batch_size=None, engine="fast", loss="full", samples=None):
    """Start a plan of `epochs` epochs on `examples` (the schedule starts again at `lr`).

    The optimizer's state carries over when the optimizer stays the same. Raises `UserError` for
    settings that cannot work.
    """
    check_settings(epochs, lr, batch_size, optimizer, schedule, engine, loss)
    old = model.training
    if engine == "reference":
        batch_size = 1
    if loss == "sampled":
        from tlm import sampled

        samples = min(samples or sampled.DEFAULT_SAMPLES, len(model.vocab))
    model.training = TrainingState(
        epochs=epochs, epochs_trained=old.epochs_trained, lr=lr, schedule=schedule, optimizer=optimizer,
        batch_size=min(batch_size or auto_batch_size(len(examples), examples.top_share()), len(examples)),
        engine=engine, loss=loss,
        samples=samples or 0, optimizer_state=old.optimizer_state if optimizer == old.optimizer else {})


def check_settings(epochs, lr, batch_size, optimizer, schedule, engine, loss="full"):
    if not 1 <= epochs <= MAX_EPOCHS:
        raise UserError(f"the number of epochs (--epochs) must be from 1 to {MAX_EPOCHS:,}, got {epochs}")
    if not (math.isfinite(lr) and lr > 0):
        raise UserError(f"the learning rate (--lr) must be a positive number, got {lr}")
    if batch_size is not None and batch_size < 1:
        raise UserError(f"the batch size (--batch-size) must be at least 1, got {batch_size}")
    if optimizer not in OPTIMIZERS:
        raise UserError(f"unknown optimizer {optimizer!r}; known: {', '.join(OPTIMIZERS)}")
    if schedule not in SCHEDULES:
        raise UserError(f"unknown learning-rate schedule {schedule!r}; known: {', '.join(SCHEDULES)}")
    if engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    if engine == "reference" and (optimizer != "sgd" or batch_size not in (None, 1)):
        raise UserError("the reference loop is plain per-example SGD: use it with the sgd optimizer and batch size 1")
    if loss not in LOSSES:
        raise UserError(f"unknown loss {loss!r}; known: {', '.join(LOSSES)}")
    if engine == "reference" and loss != "full":
        raise UserError("the reference loop trains the full softmax, not the sampled loss")


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
        Asked after every batch; when it returns True training stops as on Ctrl-C.
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
    M, B = len(targets), min(state.batch_size, len(targets))
    resources.require(memory_needed(len(model.vocab), model.E.shape[1], B, M, model.n, state.optimizer),
                      f"training a {model.describe()} with batch size {B}",
                      "try a smaller embedding dimension (--embedding-dim), batch size (--batch-size) or vocabulary (--min-count)")
    if not state.text:
        state.text = examples.fingerprint()
    params = {"E": model.E, "W": model.W, "b": model.b}
    optimizer = OPTIMIZERS[state.optimizer](params, state.optimizer_state)
    state.optimizer_state = optimizer.state
    step_fn = _reference_step if state.engine == "reference" else _fast_step
    if state.loss == "sampled":
        from tlm import sampled

        step_fn = partial(sampled.step, sampler=sampled.Sampler(model.word_counts, state.samples))
    step_fn = Chooser(threads).wrap(step_fn)
    steps_per_epoch = -(-M // B)
    total_steps = state.epochs * steps_per_epoch
    if state.step + total_steps > MAX_STEPS or state.epochs_trained + state.epochs > MAX_STEPS:
        raise UserError(f"this plan would count more than {MAX_STEPS:,} steps or epochs over the model's life "
                        f"(it is at step {state.step:,}, epoch {state.epochs_trained:,}): a file edited by hand?")
    buffer = np.empty((B, len(model.vocab)), dtype=model.W.dtype)  # (B, V), reused every batch
    progress_every = max(1, steps_per_epoch // PROGRESS_EVENTS)
    saved = _snapshot(model)
    try:
        while not state.finished:
            epoch = state.epochs_done + 1
            # The shuffle comes from (seed, epochs trained): the same seed gives the same model, and
            # a resumed run shuffles exactly as one uninterrupted run would.
            order = np.random.default_rng([model.config.seed, state.epochs_trained]).permutation(M)
            rng = np.random.default_rng([model.config.seed, state.epochs_trained, 1])  # for sampled softmax
            loss_sum = 0.0
            for step in range(steps_per_epoch):
                if should_stop is not None and should_stop():
                    raise KeyboardInterrupt
                batch = order[step * B:(step + 1) * B]
                lr = learning_rate(state.lr, state.schedule, state.step, total_steps)
                loss_sum += step_fn(model, optimizer, contexts[batch], targets[batch], lr, buffer, rng)
                state.step += 1
                if not math.isfinite(loss_sum):
                    _restore(model, saved)
                    raise DivergedError(
                        f"training diverged (the loss became {loss_sum}) in epoch {epoch} with lr={state.lr:g}; "
                        f"try a smaller learning rate (--lr), e.g. {state.lr / 10:g}")
                if callback and (step + 1) % progress_every == 0:
                    done = min((step + 1) * B, M)
                    callback(Progress(epoch, state.epochs, done, M, loss_sum / done))
            loss = loss_sum / M
            val_loss = model.mean_loss(val.contexts, val.targets) if val is not None and len(val) else None
            state.epochs_done += 1
            state.epochs_trained += 1
            model.history["loss"].append(loss)
            model.history["val_loss"].append(val_loss)
            saved = _snapshot(model)
            if callback:
                callback(EpochEnd(epoch, state.epochs, loss, val_loss))
    except KeyboardInterrupt:
        _restore(model, saved)
        raise TrainingInterrupted(model.training.epochs_done, model.training.epochs) from None
    return TrainReport(B, examples.skipped_tokens, examples.skipped_words)


def _fast_step(model, optimizer, contexts, targets, lr, buffer, rng):
    """One update of the fast path on a batch; returns the batch's summed loss."""
    ctx_emb, e, inv_s = batched.forward(model.E, model.W, model.b, contexts, out=buffer[:len(targets)])
    loss = batched.loss(e, inv_s, targets)
    dE, dW, db = batched.backward(model.W, contexts, targets, ctx_emb, e, inv_s)
    optimizer.update({"E": model.E, "W": model.W, "b": model.b}, {"E": dE, "W": dW, "b": db}, lr, len(targets))
    return loss


def _reference_step(model, optimizer, contexts, targets, lr, buffer, rng):
    """The lab's loop: `model._step` on one example, in words."""
    vocab = model.vocab
    return model._step([vocab[i] for i in contexts[0]], vocab[targets[0]], lr)


def _snapshot(model):
    """Everything an epoch changes, copied: parameters, history length, plan and optimizer state."""
    state = model.training
    optimizer_state = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in state.optimizer_state.items()}
    return (model.E.copy(), model.W.copy(), model.b.copy(), len(model.history["loss"]),
            replace(state, optimizer_state=optimizer_state))


def _restore(model, saved):
    E, W, b, epochs, state = saved
    model.E[...], model.W[...], model.b[...] = E, W, b
    del model.history["loss"][epochs:], model.history["val_loss"][epochs:]
    # The optimizer keeps using the live state's arrays: copy the saved values into them.
    live = model.training.optimizer_state
    for key, value in state.optimizer_state.items():
        if isinstance(value, np.ndarray):
            live[key][...] = value
        else:
            live[key] = value
    model.training = replace(state, optimizer_state=live)
