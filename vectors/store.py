"""The on-disk format of word vectors: a folder that loads in milliseconds, memory-mapped, and that
holds no code (no pickle is ever read).

    manifest.json   {"format": "tinylm-vectors", "version": 1, "rows": N, "dim": d, "dtype": "float32",
                     "source": {...what it was made from...}}
    vectors.npy     (N, d) float32, the vectors as given
    unit.npy        (N, d) float32, the same rows scaled to length 1 (computed once, here)
    words.txt       the N words, UTF-8, one per line, row order

A folder whose parts disagree (rows and words, shapes or dtypes and the manifest, a file that is
not a plain `.npy`) raises `StoreError`; the caller rebuilds it from its source. Leaves out where
vectors come from (`wp.models`) and what is asked of them (`WordVectors`).
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from vectors.spelling import is_text
from vectors.word_vectors import WordVectors, unit_rows

FORMAT = "tinylm-vectors"
VERSION = 2  # 2: unit rows computed in float64; tlm models in frequency order
MANIFEST_MAX_BYTES = 1 << 20


class StoreError(Exception):
    """A folder that is not a complete, consistent vector store (rebuild it)."""


def check_words(words):
    """Raise `ValueError` unless the words can be stored one per line and are distinct."""
    for word in words:
        if not isinstance(word, str):
            raise ValueError(f"word {word!r} is a {type(word).__name__}, not a string")
        if not word or "\n" in word or "\r" in word:
            raise ValueError(f"word {word!r} cannot be stored (empty, or holds a line break)")
        if not is_text(word):
            raise ValueError(f"word {word!r} cannot be stored (it holds half of a surrogate pair)")
    if len(set(words)) != len(words):
        seen = set()
        repeated = next(w for w in words if w in seen or seen.add(w))
        raise ValueError(f"the word {repeated!r} appears more than once")


def check_vectors(vectors, rows):
    """Raise `ValueError` unless `vectors` is an (rows, d >= 1) array of finite numbers."""
    if vectors.ndim != 2 or vectors.shape[0] != rows or vectors.shape[1] < 1:
        raise ValueError(f"vectors have shape {vectors.shape}, expected ({rows}, d)")
    if not np.isfinite(vectors).all():
        bad = int(np.argwhere(~np.isfinite(vectors))[0][0])
        raise ValueError(f"the vector of row {bad} holds NaN or infinite values")


def check(words, vectors):
    """Raise `ValueError` unless the words and their vectors can be stored (see `check_words`,
    `check_vectors`)."""
    check_words(words)
    check_vectors(vectors, len(words))


def save(folder, words, vectors, source):
    """Write a store into `folder` (replaced as a whole: a temporary folder, then a rename).

    Raises `ValueError` for words or vectors that cannot be stored (see `check`) and `OSError` when
    the folder cannot be written.
    """
    folder = Path(folder)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    check(words, vectors)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
    try:
        np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
        np.save(tmp / "unit.npy", unit_rows(vectors), allow_pickle=False)
        (tmp / "words.txt").write_text("".join(w + "\n" for w in words), encoding="utf-8")
        manifest = {"format": FORMAT, "version": VERSION, "rows": len(words), "dim": int(vectors.shape[1]),
                    "dtype": "float32", "source": source}
        (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load(folder, source=None):
    """The `WordVectors` of a store, memory-mapped (read-only).

    Raises `StoreError` if the folder is missing, incomplete or inconsistent, or if `source` is
    given and differs from the manifest's (the store was made from something else).
    """
    folder = Path(folder)
    manifest = _manifest(folder)
    if source is not None and manifest.get("source") != source:
        raise StoreError(f"{folder} was made from {manifest.get('source')!r}, not {source!r}")
    shape = (manifest["rows"], manifest["dim"])
    vectors, unit = (_matrix(folder / name, shape) for name in ("vectors.npy", "unit.npy"))
    try:
        text = (folder / "words.txt").read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise StoreError(f"cannot read {folder / 'words.txt'}: {e}") from None
    # Split on "\n" only: str.splitlines would also split inside words at \x85, \u2028 and others.
    words = text.split("\n")
    if words[-1] != "" or len(words) - 1 != shape[0]:
        raise StoreError(f"{folder / 'words.txt'} does not hold {shape[0]} lines")
    return WordVectors(words[:-1], vectors, unit)


def _manifest(folder):
    path = folder / "manifest.json"
    try:
        if path.stat().st_size > MANIFEST_MAX_BYTES:
            raise StoreError(f"{path} is too large to be a manifest")
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as e:
        raise StoreError(f"cannot read {path}: {e}") from None
    valid = (isinstance(manifest, dict) and manifest.get("format") == FORMAT and manifest.get("version") == VERSION
             and manifest.get("dtype") == "float32"
             and all(type(manifest.get(k)) is int and manifest[k] >= 1 for k in ("rows", "dim")))
    if not valid:
        raise StoreError(f"{path} is not a version-{VERSION} {FORMAT} manifest")
    return manifest


def _matrix(path, shape):
    try:
        matrix = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:  # ValueError: a pickle, or a damaged header
        raise StoreError(f"cannot read {path}: {e}") from None
    if not isinstance(matrix, np.ndarray) or matrix.dtype != np.float32 or matrix.shape != shape:
        raise StoreError(f"{path} does not hold a float32 matrix of shape {shape}")
    return matrix
