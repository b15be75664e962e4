"""The model file's schema, declared once with pydantic: the fields every model file has, the
fields of each kind, and the types they are made of, checked before a model is built from them.

A model file may be damaged or edited by hand: `validate` refuses it with `SchemaError`, one line
naming the first field that is wrong. The settings themselves (`config`, `training`) are the model
classes' own pydantic dataclasses, so their ranges are written once, where they are defined. Arrays
are read from version 2's base64 objects or version 1's nested lists, and their finiteness, size
and shape are checked here once. Leaves out the file itself (`tlm/persistence.py`).
"""

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError
from pydantic import model_validator

from vectors.spelling import is_text
from tlm import journey
from tlm.counts import CountConfig
from tlm.model import ModelConfig
from tlm.training import TrainingState
from tlm.vocabulary import UNK

MAX_LOSS = 1e4  # nats per token: a cross-entropy beyond this is no trained model's
# A learned weight beyond this means a diverged run or a hand-made file; such values overflow the
# softmax into NaN probabilities.
MAX_PARAMETER = 1e6


class SchemaError(ValueError):
    """A field of a model file that is missing, of the wrong type, out of range or of the wrong shape."""


def _token(word):
    if not word or any(c in word for c in "\n\r\t") or not is_text(word):
        raise ValueError(f"holds {_shown(word)}, which no tokenizer makes")
    return word


def _distinct(words):
    if len(set(words)) != len(words):
        raise ValueError("repeats an entry")
    return words


Tokens = Annotated[list[Annotated[str, Strict(), AfterValidator(_token)]], AfterValidator(_distinct)]


def _array(value, dtype, limit=None):
    """An encoded array (version 2) or nested lists (version 1) as a writable numpy array of `dtype`,
    every value finite (and within ±limit)."""
    if isinstance(value, dict):
        from tlm.persistence import decode_arrays

        value = decode_arrays(value)
    elif isinstance(value, list):
        if dtype == np.int64 and not all(type(x) is int for x in value):
            raise ValueError("must be whole numbers")
        try:
            value = np.array(value, dtype=dtype)
        except (ValueError, TypeError, OverflowError):
            raise ValueError("must be an array of numbers") from None
    else:
        raise ValueError("must be an array")
    value = value.astype(dtype, copy=False)
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise ValueError("holds NaN or infinite values")
    if limit is not None and value.size and np.abs(value).max() > limit:
        raise ValueError(f"holds values beyond ±{limit:g}, which no training run makes")
    return value


def _counts(value):
    counts = _array(value, np.int64)
    if (counts < 0).any():
        raise ValueError("must not be negative")
    return counts


Parameter = Annotated[Any, BeforeValidator(lambda v: _array(v, np.float32, MAX_PARAMETER))]
Counts = Annotated[Any, BeforeValidator(_counts)]
Quantized = Annotated[Any, BeforeValidator(lambda v: _array(v, np.int8))]  # a journey's int8 vectors
Loss = Annotated[float, Strict(), Field(ge=0, le=MAX_LOSS)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, arbitrary_types_allowed=True)


class History(_Strict):
    loss: list[Loss]
    val_loss: list[Loss | None]


class _ModelFile(_Strict):
    """What every model file holds: the vocabulary, its training counts and the per-epoch losses."""

    vocab: Tokens
    folded: Tokens = []
    # How often each folded word was seen in training, in the order of `folded`; files written
    # before these counts were kept lack them.
    folded_counts: list[Annotated[int, Strict(), Field(ge=1)]] | None = None
    word_counts: Counts
    history: History

    @model_validator(mode="after")
    def _vocabulary(self):
        if not set(self.vocab) - {UNK}:
            raise ValueError("vocab is empty" if not self.vocab else f"vocab holds no word but {UNK}")
        if set(self.folded) & set(self.vocab):
            raise ValueError("a folded word is also in vocab")
        if self.folded_counts is not None:
            if len(self.folded_counts) != len(self.folded):
                raise ValueError(f"folded_counts must hold one count per folded word ({len(self.folded)})")
            if any(seen >= self.config.min_count for seen in self.folded_counts):  # every kind's config has it
                raise ValueError(f"folded_counts must be below config.min_count ({self.config.min_count}): "
                                 f"rarer words are the ones folded")
        _shape("word_counts", self.word_counts, (len(self.vocab),))
        return self


class Params(_Strict):
    E: Parameter
    W: Parameter
    b: Parameter


class EmbeddingFile(_ModelFile):
    config: ModelConfig
    params: Params
    training: TrainingState

    @model_validator(mode="after")
    def _shapes(self):
        V, d = len(self.vocab), self.config.embedding_dim
        params = {"E": (V, d), "W": (d, V), "b": (V,)}
        for name, shape in params.items():
            _shape(name, getattr(self.params, name), shape)
        state = self.training
        if not state.epochs_done <= state.epochs:
            raise ValueError(f"training.epochs_done must be at most training.epochs ({state.epochs})")
        low = 1 if state.loss == "sampled" else 0
        if not low <= state.samples <= V:
            raise ValueError(f"training.samples must be a whole number from {low} to {V}, got {state.samples}")
        state.optimizer_state = _optimizer_state(state.optimizer_state, state.optimizer, params)
        return self


def _optimizer_state(doc, optimizer, shapes):
    """Adam's step count and moments, one of each parameter's shape (SGD keeps none)."""
    if not doc:
        return {}
    if optimizer != "adam":
        raise ValueError(f"training.optimizer_state is set, but {optimizer} keeps no state")
    keys = {f"{moment}_{name}" for name in shapes for moment in "mv"}
    if set(doc) != keys | {"t"}:
        raise ValueError(f"training.optimizer_state must hold t and {', '.join(sorted(keys))}")
    if type(doc["t"]) is not int or doc["t"] < 0:
        raise ValueError("training.optimizer_state.t must be a whole number")
    state = {"t": doc["t"]}
    for key in sorted(keys):
        name = f"training.optimizer_state.{key}"
        try:
            moment = _array(doc[key], np.float32, MAX_PARAMETER**2)
        except ValueError as e:
            raise ValueError(f"{name} {e}") from None
        state[key] = _shape(name, moment, shapes[key[2:]])
    return state


class CountsFile(_ModelFile):
    config: CountConfig
    ngrams: list[list[list[Annotated[int, Field(ge=0, lt=2**63)]]]]

    @model_validator(mode="after")
    def _tables(self):
        n, V = self.config.n, len(self.vocab)
        if len(self.ngrams) != n + 1:
            raise ValueError(f"ngrams must hold {n + 1} tables")
        for j, rows in enumerate(self.ngrams):
            for row in rows:
                if len(row) != j + 2 or max(row[:-1]) >= V or row[-1] == 0:
                    raise ValueError(f"bad n-gram row {str(row)[:60]} in table {j}")
        if not self.ngrams[0]:
            raise ValueError("ngrams table 0 must hold the unigram counts")
        return self


FILES = {"embedding": EmbeddingFile, "counts": CountsFile}


class SnapshotFile(_Strict):
    """One snapshot of a journey (`tlm/journey.py`); shapes are checked against the model there."""

    step: Annotated[int, Field(ge=0)]
    epoch: Annotated[float, Strict(False), Field(ge=0)]
    loss: Loss | None
    val_loss: Loss | None
    E: Quantized
    E_scale: Parameter
    W: Quantized
    W_scale: Parameter


class JourneyFile(_Strict):
    version: Literal[journey.VERSION]
    snapshots_per_plan: Annotated[int, Field(ge=1, le=journey.MAX_SNAPSHOTS)]
    size: Annotated[int, Field(ge=2, le=journey.MAX_WORDS)]
    words: Tokens
    done: Annotated[int, Field(ge=0)]
    snapshots: list[SnapshotFile] = Field(max_length=100 * journey.MAX_SNAPSHOTS)


def validate_journey(doc):
    """The checked journey part of a model file (`SchemaError` naming the first wrong field)."""
    try:
        return JourneyFile.model_validate(doc)
    except ValidationError as e:
        error = e.errors()[0]
        raise SchemaError(describe({**error, "loc": ("journey", *error["loc"])})) from None


def _shape(name, array, shape):
    if array.shape != tuple(shape):
        raise ValueError(f"{name} has shape {array.shape}, expected {tuple(shape)}")
    return array


def validate(kind, doc):
    """The checked document of a model of `kind` (`SchemaError` naming the first wrong field)."""
    try:
        return FILES[kind].model_validate(doc)
    except ValidationError as e:
        raise SchemaError(describe(e.errors()[0])) from None


def describe(error):
    """One pydantic error as a line: the field, what is wrong, and (briefly) what was there."""
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
    if error["type"] == "value_error":  # our own validators' messages
        message = str(error["ctx"]["error"])
        return f"{where} {message}" if where else message
    where = where or "the file"
    if error["type"] in ("missing", "extra_forbidden", "unexpected_keyword_argument"):
        return f"{where} {'is missing' if error['type'] == 'missing' else 'is not a known field'}"
    return f"{where}: {error['msg'][:1].lower() + error['msg'][1:]}, got {_shown(error['input'])}"


def _shown(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
