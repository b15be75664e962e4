"""The journey: snapshots of the word vectors taken while a model trains, so that a learner can
watch the space form (the maps and figures made from them are `tlm/replay.py`).

A journey follows the K most frequent words (chosen once, when it starts) and keeps, at
log-spaced steps of each training plan (step 0, the random start; more often early, where most of
the change happens, than late; and the plan's last step), their rows of E and columns of W with
the step (counted over the model's life), the epoch reached, the running training loss (mean over
the batches since the previous snapshot or the epoch's start; at step 0 the first batch's loss,
which is measured before its update) and a held-out loss on a fixed sample of the held-out examples when there are some.

Vectors are stored as int8 with one float32 scale per vector (error under 0.4% of the vector's
largest entry): 16 snapshots of 500 words x 32 dimensions, E and W, take about 0.8 MB of the model
file. Snapshots taken during an epoch are kept only once the epoch ends, so that an interrupted or
diverged run, which goes back to its last complete epoch, keeps the journey that led there.

Leaves out the training loop (`tlm/training.py`, which calls a `Recorder`) and the file format
(`tlm/persistence.py`, which stores `to_dict`).
"""

from dataclasses import dataclass

import numpy as np

from tlm.vocabulary import UNK

VERSION = 1
DEFAULT_SNAPSHOTS = 16  # per training plan
DEFAULT_WORDS = 500
MAX_SNAPSHOTS = 1000
MAX_WORDS = 100_000
# The schedule is log-spaced from this fraction of a plan on: evenly spaced before it, so the first
# snapshots are not spent on steps 1, 2 and 3, in which nothing has moved yet.
EARLIEST = 1 / 200
VAL_SAMPLE = 1024  # held-out examples measured at a snapshot: a few ms, not a pass over all of them
QUANT = 127


def schedule(total_steps, snapshots):
    """The steps 0..total_steps at which a plan of `total_steps` updates is recorded: `snapshots` steps
    (fewer on a short plan), log-spaced with an offset, so denser early; always 0 and the last."""
    if snapshots == 1:
        return np.array([total_steps])
    a = max(total_steps * EARLIEST, 1.0)
    steps = np.geomspace(a, total_steps + a, snapshots) - a
    return np.unique(np.round(steps).astype(np.int64))


def quantize(vectors):
    """(K, d) float -> (K, d) int8 and (K,) float32 scales, vectors ~= q * scale[:, None]."""
    scale = np.abs(vectors).max(axis=1) / QUANT  # (K,)
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    return np.round(vectors / scale[:, None]).astype(np.int8), scale


@dataclass
class Snapshot:
    step: int  # updates over the model's life
    epoch: float  # epochs over the model's life, with the fraction of the current one
    loss: float | None  # running training loss
    val_loss: float | None  # on a sample of the held-out examples
    E: np.ndarray  # (K, d) int8: rows of E of the journey's words
    E_scale: np.ndarray  # (K,) float32
    W: np.ndarray  # (K, d) int8: columns of W of the journey's words
    W_scale: np.ndarray  # (K,) float32

    def vectors(self, output=False):
        """The words' vectors at this snapshot: rows of E, or with `output` columns of W: (K, d)."""
        q, scale = (self.W, self.W_scale) if output else (self.E, self.E_scale)
        return q.astype(np.float32) * scale[:, None]


class Journey:
    """The recorded words, the snapshots, and how many updates the model has had (`done`)."""

    def __init__(self, snapshots=DEFAULT_SNAPSHOTS, words=DEFAULT_WORDS):
        self.snapshots_per_plan = snapshots
        self.size = words  # K
        self.words = []  # chosen when recording starts
        self.snapshots = []
        self.done = 0  # updates over the model's life when its last complete epoch ended

    def start(self, model):
        """Choose the K most frequent words of the model (once)."""
        if not self.words:
            order = np.argsort(-model.word_counts, kind="stable")  # as `word_vectors()` orders them
            self.words = [model.vocab[i] for i in order if model.vocab[i] != UNK][:self.size]

    def rows(self, model):
        return np.array([model.word_to_idx[w] for w in self.words], dtype=np.int64)

    def to_dict(self):
        return {"version": VERSION, "snapshots_per_plan": self.snapshots_per_plan, "size": self.size,
                "words": self.words, "done": self.done,
                "snapshots": [vars(s) for s in self.snapshots]}

    @classmethod
    def from_dict(cls, doc, model):
        """A checked journey of `model`'s file (`schema.SchemaError` if it is not a valid one)."""
        from tlm import schema  # the schema imports the model classes, which import this module

        checked = schema.validate_journey(doc)
        journey = cls(checked.snapshots_per_plan, checked.size)
        journey.words, journey.done = checked.words, checked.done
        if len(journey.words) > journey.size or any(w not in model.word_to_idx for w in journey.words):
            raise schema.SchemaError("journey.words must be at most journey.size words of the vocabulary")
        shape, last = (len(journey.words), model.config.embedding_dim), -1
        for i, s in enumerate(checked.snapshots):
            if not last < s.step <= journey.done:
                raise schema.SchemaError(f"journey.snapshots[{i}].step must grow, up to journey.done")
            if any(a.shape != want for a, want in ((s.E, shape), (s.W, shape), (s.E_scale, shape[:1]),
                                                   (s.W_scale, shape[:1]))):
                raise schema.SchemaError(f"journey.snapshots[{i}] holds arrays of the wrong shape for {shape}")
            last = s.step
            journey.snapshots.append(Snapshot(**s.model_dump()))
        return journey


class Recorder:
    """Takes a plan's snapshots as `fit` runs it: created before the first batch, told after every
    update (`step`) and at the end of every epoch (`epoch_end`), when the epoch's snapshots are kept."""

    def __init__(self, model, total_steps, steps_per_epoch, val=None):
        self.model, self.journey = model, model.journey
        self.pending = []
        if self.journey is None:
            return
        self.journey.start(model)
        self.rows = self.journey.rows(model)
        state = model.training
        self.plan_start = self.journey.done - state.step
        last = self.journey.snapshots[-1].step if self.journey.snapshots else -1
        planned = self.plan_start + schedule(total_steps, self.journey.snapshots_per_plan)
        self.due = [int(s) for s in planned if s > last][::-1]  # a stack, next step last
        self.steps_per_epoch = steps_per_epoch
        self.val = None
        if val is not None and len(val):
            pick = np.linspace(0, len(val) - 1, min(VAL_SAMPLE, len(val))).astype(np.int64)
            self.val = (val.contexts[pick], val.targets[pick])
        self.window = [0.0, 0]  # summed loss and examples since the previous snapshot
        self.first = None
        self._record_if_due()

    def step(self, batch_loss, examples):
        """After one update whose batch (of `examples`) had summed loss `batch_loss`."""
        if self.journey is None:
            return
        if self.first is not None:  # the step-0 snapshot takes the first batch's loss
            self.first.loss, self.first = batch_loss / examples, None
        self.window[0] += batch_loss
        self.window[1] += examples
        self._record_if_due()

    def epoch_end(self):
        """The epoch is complete: keep its snapshots."""
        if self.journey is None:
            return
        self.journey.snapshots += self.pending
        self.pending, self.window = [], [0.0, 0]  # the window never spans an epoch end, where a resumed run starts
        self.journey.done = self.plan_start + self.model.training.step

    def _record_if_due(self):
        state = self.model.training
        step = self.plan_start + state.step
        if not self.due or self.due[-1] != step:
            return
        self.due.pop()
        model = self.model
        E, E_scale = quantize(model.E[self.rows])
        W, W_scale = quantize(model.W[:, self.rows].T)
        in_epoch = state.step - state.epochs_done * self.steps_per_epoch
        loss = self.window[0] / self.window[1] if self.window[1] else None
        val_loss = model.mean_loss(*self.val) if self.val is not None else None
        snapshot = Snapshot(step, state.epochs_trained + in_epoch / self.steps_per_epoch, loss, val_loss,
                            E, E_scale, W, W_scale)
        if loss is None:
            self.first = snapshot
        self.pending.append(snapshot)
        self.window = [0.0, 0]
