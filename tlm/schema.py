"""Checking the values read from a model file, one field at a time, before they are trusted.

A model file may have been edited by hand, damaged or written by someone hostile: every field is
checked for its type, range and shape, and the first problem raises `SchemaError` naming the field.
Leaves out the file itself (`tlm/persistence.py`) and what the fields mean (the model classes).
"""

import math

import numpy as np

from vectors.spelling import is_text

MAX_LOSS = 1e4  # nats per token: a cross-entropy beyond this is no trained model's
MAX_HISTORY = 1_000_000  # epochs (as many as one plan may have)
MAX_PARAMETER = 1e6  # a learned weight beyond this means a diverged run or a hand-made file


class SchemaError(ValueError):
    """A field of a model file that is missing, of the wrong type, out of range or of the wrong shape."""


def require(doc, key, where="the file"):
    """doc[key] of a dict, or `SchemaError` if `doc` is not a dict or lacks `key`."""
    if not isinstance(doc, dict):
        raise SchemaError(f"{where} must be a JSON object")
    if key not in doc:
        raise SchemaError(f"{where} lacks {key!r}")
    return doc[key]


def integer(value, name, low=0, high=2**63 - 1):
    if type(value) is not int or not low <= value <= high:
        raise SchemaError(f"{name} must be a whole number from {low} to {high}, got {_shown(value)}")
    return value


def number(value, name, low=-1e300, high=1e300, positive=False):
    """A finite int or float in [low, high] (and > 0 if `positive`), as a float."""
    try:
        ok = type(value) in (int, float) and math.isfinite(value) and low <= value <= high
    except OverflowError:  # an integer of hundreds of digits
        ok = False
    if not ok or (positive and value <= 0):
        lower = "above 0" if positive else f"from {low:g}"
        raise SchemaError(f"{name} must be a finite number {lower} to {high:g}, got {_shown(value)}")
    return float(value)


def choice(value, name, options):
    if not isinstance(value, str) or value not in options:
        raise SchemaError(f"{name} must be one of {', '.join(options)}, got {_shown(value)}")
    return value


def strings(value, name, options=None, distinct=False, tokens=False):
    """A list of strings (each among `options` if given; all different if `distinct`; with `tokens`,
    each non-empty text without line breaks or tabs, as a tokenizer makes them)."""
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise SchemaError(f"{name} must be a list of strings")
    if tokens:
        bad = next((s for s in value if not s or any(c in s for c in "\n\r\t") or not is_text(s)), None)
        if bad is not None:
            raise SchemaError(f"{name} holds {bad!r}, which no tokenizer makes")
    if options is not None:
        for s in value:
            choice(s, f"an entry of {name}", options)
    if distinct and len(set(value)) != len(value):
        raise SchemaError(f"{name} repeats an entry")
    return list(value)


def array(value, name, shape, dtype=np.float32, limit=None):
    """An array of exactly `shape` and finite values (at most `limit` in size, if given), from a decoded
    array or (version 1) nested lists."""
    if not isinstance(value, np.ndarray):
        if not isinstance(value, list):
            raise SchemaError(f"{name} must be an array")
        try:
            value = np.array(value, dtype=dtype)
        except (ValueError, TypeError, OverflowError):
            raise SchemaError(f"{name} must be an array of numbers of shape {shape}") from None
    if value.shape != tuple(shape):
        raise SchemaError(f"{name} has shape {value.shape}, expected {tuple(shape)}")
    value = value.astype(dtype, copy=False)
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise SchemaError(f"{name} holds NaN or infinite values")
    if limit is not None and value.size and np.abs(value).max() > limit:
        raise SchemaError(f"{name} holds values beyond ±{limit:g}, which no training run makes")
    return value


def counts(value, name, length):
    """(length,) non-negative int64 counts."""
    if isinstance(value, list) and not all(type(x) is int for x in value):
        raise SchemaError(f"{name} must be whole numbers")
    result = array(value, name, (length,), dtype=np.int64)
    if (result < 0).any():
        raise SchemaError(f"{name} must not be negative")
    return result


def history(value):
    """{'loss': [float], 'val_loss': [float or None]} (a count model has a val_loss and no loss)."""
    loss = require(value, "loss", "history")
    val_loss = require(value, "val_loss", "history")
    if not isinstance(loss, list) or not isinstance(val_loss, list):
        raise SchemaError("history must hold two lists, loss and val_loss")
    if max(len(loss), len(val_loss)) > MAX_HISTORY:
        raise SchemaError(f"history holds more than {MAX_HISTORY:,} epochs")
    return {"loss": [number(x, "a history loss", 0, MAX_LOSS) for x in loss],
            "val_loss": [None if x is None else number(x, "a history val_loss", 0, MAX_LOSS) for x in val_loss]}


def _shown(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
