"""Model files: every tlm model as one JSON document, written atomically and checked on loading.

Version 2 (written now): a format tag and version, the model kind, and the kind's `to_dict`, in
which every array is an object {"dtype": "float32", "shape": [...], "data": "<base64>"} holding the
little-endian bytes (exact, and about a quarter of the size of decimal text). Version 1 files
(arrays as nested lists, training settings inside "config") still load. A trained model's file may
also hold a "journey" (`tlm/journey.py`, versioned on its own), and the counts of the words that
`--min-count` folded ("folded_counts"), which older files simply lack.

Reading never trusts the file: its size is checked before parsing, and every field against the
schema (`tlm/schema.py`), which also decodes the arrays. Leaves out what the numbers mean (the model classes) and
the export formats for other tools (`tlm/export.py`).
"""

import base64
import binascii
import json
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from edge import files
from edge.errors import UserError
from tlm import counts, journey, model  # noqa: F401  (defining the classes registers their kinds)
from tlm.base import LanguageModel

FORMAT = "tinylm-model"
VERSION = 2
MAX_FILE_BYTES = 10**9  # 1 GB: larger than any model this toolkit trains (Gutenberg-all: 7.3 MB)
DTYPES = {"float32": "<f4", "int64": "<i8", "int8": "i1"}


class ModelFileError(UserError):
    """A model file that cannot be read: missing, corrupt, foreign or inconsistent."""


def encode_arrays(value):
    """`value` with every numpy array replaced by its base64 form (see the module docstring); the
    schema decodes them."""
    if isinstance(value, np.ndarray):
        name = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64", np.dtype(np.int8): "int8"}[value.dtype]
        data = np.ascontiguousarray(value, dtype=DTYPES[name]).tobytes()
        return {"dtype": name, "shape": list(value.shape), "data": base64.b64encode(data).decode("ascii")}
    if isinstance(value, dict):
        return {k: encode_arrays(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_arrays(v) for v in value]
    return value


class _Encoded(BaseModel):
    """Version 2's array: little-endian bytes in base64, with their dtype and shape."""

    model_config = ConfigDict(extra="forbid", strict=True)
    dtype: Literal[tuple(DTYPES)]
    shape: list[Annotated[int, Field(ge=0, lt=2**31)]] = Field(max_length=2)
    data: str


def decode_arrays(value):
    """The inverse of `encode_arrays` for one array object: a writable, native numpy array
    (`ValueError` saying what is wrong with the object)."""
    encoded = _Encoded.model_validate(value)
    try:
        data = base64.b64decode(encoded.data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("its data is not valid base64") from None
    size = np.dtype(DTYPES[encoded.dtype]).itemsize * int(np.prod(encoded.shape))
    if len(data) != size:
        raise ValueError(f"shape {encoded.shape} needs {size} bytes, its data has {len(data)}")
    return np.frombuffer(data, dtype=DTYPES[encoded.dtype]).reshape(encoded.shape).astype(encoded.dtype)


def save(lm, path):
    """Write `lm` (any `LanguageModel`) to `path` as version-2 JSON, atomically."""
    files.atomic_write(path, to_json(lm))


def to_json(lm):
    """The text of `lm`'s model file."""
    doc = {"format": FORMAT, "version": VERSION, "kind": lm.kind, **encode_arrays(lm.to_dict())}
    if getattr(lm, "journey", None) is not None:
        doc["journey"] = encode_arrays(lm.journey.to_dict())
    return json.dumps(doc, separators=(",", ":"), allow_nan=False)


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
    from tlm import schema

    doc = {k: v for k, v in doc.items() if k not in ("format", "version", "kind")}
    cls = LanguageModel.kinds[kind]
    journey_doc = doc.pop("journey", None) if cls.trainable else None
    try:
        lm = cls.from_dict(_upgrade_v1(kind, doc) if version == 1 else doc)
        if journey_doc is not None:
            lm.journey = journey.Journey.from_dict(journey_doc, lm)
        return lm
    except schema.SchemaError as e:
        raise ModelFileError(f"{path} is a damaged tlm model file ({str(e)[:200]})") from None


def _upgrade_v1(kind, doc):
    """A version-1 document in version 2's layout (arrays stay nested lists; the schema reads both).
    What is missing or of the wrong type is left for the schema to name."""
    config = doc.get("config")
    config = dict(config) if isinstance(config, dict) else config
    vocab = doc.get("vocab")
    unseen = [0] * (len(vocab) if isinstance(vocab, list) else 0)  # the first files had no counts
    doc = {**doc, "config": config, "folded": []}
    if kind == "embedding":
        moved = ("lr", "batch_size", "optimizer", "schedule", "epochs_trained")
        settings = {k: config.pop(k) for k in moved if k in config} if isinstance(config, dict) else {}
        done = settings.pop("epochs_trained", 0)
        params = {k: doc.pop(k) for k in "EWb" if k in doc}
        # A version-1 run always finished its epochs; Adam's moments were not saved.
        return {"word_counts": unseen, **doc, "params": params,
                "training": {**settings, "epochs": done, "epochs_done": done, "epochs_trained": done}}
    # A count model: its word counts are the unigram table's.
    ngrams = doc.get("ngrams")
    for row in ngrams[0] if isinstance(ngrams, list) and ngrams and isinstance(ngrams[0], list) else []:
        if isinstance(row, list) and len(row) == 2 and type(row[0]) is int and 0 <= row[0] < len(unseen):
            unseen[row[0]] = row[1]
    return {**doc, "word_counts": unseen}
