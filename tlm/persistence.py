"""Model files: every tlm model as one JSON document, written atomically and checked on loading.

Version 2 (written now): a format tag and version, the model kind, and the kind's `to_dict`, in
which every array is an object {"dtype": "float32", "shape": [...], "data": "<base64>"} holding the
little-endian bytes (exact, and about a quarter of the size of decimal text). Version 1 files
(arrays as nested lists, training settings inside "config") still load. A trained model's file may
also hold a "journey" (`tlm/journey.py`, versioned on its own), which older files simply lack.

Reading never trusts the file: its size is checked before parsing, and every field is checked
by the model class (`tlm/schema.py`). Leaves out what the numbers mean (the model classes) and
the export formats for other tools (`tlm/export.py`).
"""

import base64
import binascii
import json

import numpy as np

from edge import files
from edge.errors import UserError
from tlm import counts, journey, model, schema  # noqa: F401  (defining the classes registers their kinds)
from tlm.base import LanguageModel

FORMAT = "tinylm-model"
VERSION = 2
MAX_FILE_BYTES = 10**9  # 1 GB: larger than any model this toolkit trains (Gutenberg-all: 7.3 MB)
DTYPES = {"float32": "<f4", "int64": "<i8", "int8": "i1"}


class ModelFileError(UserError):
    """A model file that cannot be read: missing, corrupt, foreign or inconsistent."""


def encode_arrays(value):
    """`value` with every numpy array replaced by its base64 form (see the module docstring)."""
    if isinstance(value, np.ndarray):
        name = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64", np.dtype(np.int8): "int8"}[value.dtype]
        data = np.ascontiguousarray(value, dtype=DTYPES[name]).tobytes()
        return {"dtype": name, "shape": list(value.shape), "data": base64.b64encode(data).decode("ascii")}
    if isinstance(value, dict):
        return {k: encode_arrays(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_arrays(v) for v in value]
    return value


def _is_encoded_array(value):
    return isinstance(value, dict) and set(value) == {"dtype", "shape", "data"}


def decode_arrays(value):
    """The inverse of `encode_arrays`: base64 array objects become (writable) numpy arrays."""
    if _is_encoded_array(value):
        return _decode_array(value)
    if isinstance(value, dict):
        return {k: decode_arrays(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [decode_arrays(v) for v in value]
    return value


def _decode_array(value):
    dtype = schema.choice(value["dtype"], "an array's dtype", list(DTYPES))
    shape = value["shape"]
    if not (isinstance(shape, list) and len(shape) <= 2 and all(type(s) is int and 0 <= s < 2**31 for s in shape)):
        raise schema.SchemaError(f"an array's shape must be a list of at most 2 sizes, got {str(shape)[:40]}")
    if not isinstance(value["data"], str):
        raise schema.SchemaError("an array's data must be a base64 string")
    try:
        data = base64.b64decode(value["data"], validate=True)
    except (binascii.Error, ValueError):
        raise schema.SchemaError("an array's data is not valid base64") from None
    itemsize = np.dtype(DTYPES[dtype]).itemsize
    if len(data) != itemsize * int(np.prod(shape)):
        raise schema.SchemaError(f"an array of shape {shape} needs {itemsize * int(np.prod(shape))} bytes, "
                                 f"its data has {len(data)}")
    return np.frombuffer(data, dtype=DTYPES[dtype]).reshape(shape).astype(dtype)  # a writable, native copy


def save(lm, path):
    """Write `lm` (any `LanguageModel`) to `path` as version-2 JSON, atomically."""
    doc = {"format": FORMAT, "version": VERSION, "kind": lm.kind, **encode_arrays(lm.to_dict())}
    if getattr(lm, "journey", None) is not None:
        doc["journey"] = encode_arrays(lm.journey.to_dict())
    files.atomic_write(path, json.dumps(doc, separators=(",", ":"), allow_nan=False))


def load(path):
    """Read a model file written by `save` (version 1 or 2); raises `ModelFileError` saying what is wrong."""
    try:
        raw = files.read_bytes(path, "model file", MAX_FILE_BYTES)
    except UserError as e:
        raise ModelFileError(str(e)) from None
    return from_json(raw, path)


def from_json(raw, path="the model"):
    """A model from the bytes of a model file (see `load`)."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:  # ValueError: JSON syntax, or an integer of 5000 digits
        raise ModelFileError(f"{path} is not a tlm model file (not valid JSON: {str(e)[:100]})") from None
    except RecursionError:
        raise ModelFileError(f"{path} is not a tlm model file (nested too deeply)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a tlm model file (no \"format\": \"{FORMAT}\" tag)")
    version = doc.get("version")
    if type(version) is not int or version not in (1, VERSION):
        raise ModelFileError(f"{path} has model format version {str(version)[:20]}; this tlm reads versions 1 and {VERSION}")
    kind = doc.get("kind")
    if not isinstance(kind, str) or kind not in LanguageModel.kinds:
        raise ModelFileError(f"{path} holds a model of unknown kind {str(kind)[:40]!r}")
    try:
        doc = decode_arrays(doc) if version == VERSION else _upgrade_v1(doc)
        lm = LanguageModel.kinds[kind].from_dict(doc)
        if lm.trainable:
            lm.journey = journey.Journey.from_dict(doc["journey"], lm) if "journey" in doc else None
        return lm
    except (schema.SchemaError, TypeError, ValueError, KeyError, RecursionError) as e:
        raise ModelFileError(f"{path} is a damaged tlm model file ({str(e)[:200]})") from None


def _upgrade_v1(doc):
    """A version-1 document in version 2's layout (arrays stay nested lists; the schema reads both)."""
    config = dict(schema.require(doc, "config"))
    doc = {**doc, "folded": []}
    if doc["kind"] == "embedding":
        settings = {k: config.pop(k) for k in ("lr", "batch_size", "optimizer", "schedule", "epochs_trained")
                    if k in config}
        done = settings.pop("epochs_trained", 0)
        doc["params"] = {k: schema.require(doc, k) for k in "EWb"}
        if "word_counts" not in doc:  # the first files had none: every word counts as unseen
            vocab = schema.require(doc, "vocab")
            doc["word_counts"] = [0] * (len(vocab) if isinstance(vocab, list) else 0)
        # A version-1 run always finished its epochs; Adam's moments were not saved.
        doc["training"] = {**settings, "epochs": done, "epochs_done": done, "epochs_trained": done}
    else:  # a count model: its word counts are the unigram table's
        vocab, ngrams = schema.require(doc, "vocab"), schema.require(doc, "ngrams")
        word_counts = [0] * (len(vocab) if isinstance(vocab, list) else 0)
        for row in ngrams[0] if isinstance(ngrams, list) and ngrams and isinstance(ngrams[0], list) else []:
            if isinstance(row, list) and len(row) == 2 and type(row[0]) is int and 0 <= row[0] < len(word_counts):
                word_counts[row[0]] = row[1]
        doc["word_counts"] = word_counts
    doc["config"] = config
    return doc
