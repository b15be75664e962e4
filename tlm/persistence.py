"""Model files: every tlm model as one JSON document, written atomically and checked on loading.

A file holds a format tag and version, the model kind, its config, the vocabulary, the parameters
as nested lists (float32 values written exactly, so loading gives the same probabilities) and the
training history. Leaves out what the numbers mean (the model classes).
"""

import json
import os
import tempfile

import numpy as np

from tlm.errors import TlmError

FORMAT = "tinylm-model"
VERSION = 1


class ModelFileError(TlmError):
    """A model file that cannot be read: missing, corrupt, foreign or inconsistent."""


def atomic_write_text(path, text):
    """Write `text` to `path` through a temporary file and a rename: a crash or Ctrl-C leaves either
    the old file or the new one, never half of one."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    except OSError as e:
        raise TlmError(f"cannot write {path}: {e.strerror}") from None
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        os.unlink(tmp)
        if isinstance(e, OSError):
            raise TlmError(f"cannot write {path}: {e.strerror}") from None
        raise


def save(model, path):
    """Write `model` (any kind in `KINDS`) to `path` as JSON."""
    doc = {"format": FORMAT, "version": VERSION, "kind": model.kind, **KINDS[model.kind][0](model)}
    atomic_write_text(path, json.dumps(doc, separators=(",", ":")))


def load(path):
    """Read a model file written by `save`; raises `ModelFileError` saying what is wrong."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise ModelFileError(f"model file not found: {path}") from None
    except IsADirectoryError:
        raise ModelFileError(f"model path is a directory: {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{path} is not a tlm model file (not valid JSON: {e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a tlm model file (no \"format\": \"{FORMAT}\" tag)")
    if doc.get("version") != VERSION:
        raise ModelFileError(f"{path} has model format version {doc.get('version')!r}; this tlm reads version {VERSION}")
    if doc.get("kind") not in KINDS:
        raise ModelFileError(f"{path} holds a model of unknown kind {doc.get('kind')!r}")
    try:
        return KINDS[doc["kind"]][1](doc)
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFileError(f"{path} is a damaged tlm model file ({type(e).__name__}: {e})") from None


def _array(doc, key, shape):
    a = np.asarray(doc[key], dtype=np.float32)
    if a.shape != shape:
        raise ValueError(f"{key} has shape {a.shape}, expected {shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{key} holds NaN or infinite values")
    return a


def _vocab(doc):
    vocab = doc["vocab"]
    if not all(isinstance(w, str) for w in vocab) or len(set(vocab)) != len(vocab):
        raise ValueError("vocab must be a list of distinct strings")
    return list(vocab)


def _counts(values, V):
    counts = np.asarray(values, dtype=np.int64)
    if counts.shape != (V,) or (counts < 0).any():
        raise ValueError(f"word_counts must be {V} non-negative integers")
    return counts


def _embedding_to_dict(model):
    return {"config": vars(model.config), "vocab": model.vocab, "word_counts": model.word_counts.tolist(),
            "E": model.E.tolist(), "W": model.W.tolist(), "b": model.b.tolist(), "history": model.history}


def _embedding_from_dict(doc):
    from tlm.model import ModelConfig, TinyLanguageModel

    config = ModelConfig(**doc["config"])
    model = TinyLanguageModel(config.n, config.embedding_dim, config.transforms, config.seed)
    model.config = config
    model.use_vocab(_vocab(doc))
    V, d = len(model.vocab), config.embedding_dim
    model.E = _array(doc, "E", (V, d))
    model.W = _array(doc, "W", (d, V))
    model.b = _array(doc, "b", (V,))
    model.word_counts = _counts(doc["word_counts"], V)
    model.history = {"loss": list(doc["history"]["loss"]), "val_loss": list(doc["history"]["val_loss"])}
    return model


def _counts_to_dict(model):
    # One row [context ids..., next id, count] per n-gram, in a list per context length j = 0..n.
    ngrams = [[[*context, nxt, c] for context, followers in table.items() for nxt, c in followers.items()]
              for table in model.tables]
    return {"config": vars(model.config), "vocab": model.vocab, "ngrams": ngrams, "history": model.history}


def _counts_from_dict(doc):
    from collections import Counter, defaultdict

    from tlm.counts import CountConfig, CountModel

    config = CountConfig(**doc["config"])
    model = CountModel(config.n, config.add_k, config.transforms)
    model.use_vocab(_vocab(doc))
    if len(doc["ngrams"]) != config.n + 1:
        raise ValueError(f"ngrams must hold {config.n + 1} tables")
    model.tables = []
    for j, rows in enumerate(doc["ngrams"]):
        table = defaultdict(Counter)
        for row in rows:
            if len(row) != j + 2 or not all(isinstance(x, int) and 0 <= x < len(model.vocab) for x in row[:-1]) \
                    or not (isinstance(row[-1], int) and row[-1] > 0):
                raise ValueError(f"bad n-gram row {row!r} in table {j}")
            table[tuple(row[:j])][row[j]] = row[-1]
        model.tables.append(table)
    model.history = {"loss": list(doc["history"]["loss"]), "val_loss": list(doc["history"]["val_loss"])}
    return model


# kind -> (to dict, from dict)
KINDS = {"embedding": (_embedding_to_dict, _embedding_from_dict), "counts": (_counts_to_dict, _counts_from_dict)}
