"""Where training text comes from: UTF-8 files, NLTK Gutenberg texts (one, several, or all), or the
built-in tongue twister; and the texts as token lists, with the last part of each held out.

Reads raw text (without a byte-order mark) and a name for each text; the transforms are
`tlm.tokenizer`'s.
"""

import io
import os
import socket
import zipfile
import zlib
from importlib import resources

from edge import files
from edge.errors import UserError
from tlm.tokenizer import tokenize

DEFAULT_CORPUS_NAME = "chuck.txt"
ALL_GUTENBERG = "all"
MAX_TEXT_BYTES = 10**9  # 1 GB; NLTK's whole Gutenberg selection is 12 MB
NETWORK_TIMEOUT_S = 10
BOM = "\ufeff"


def read_file(path):
    """Return the text of a UTF-8 file, or raise `UserError` saying why it cannot be used."""
    data = files.read_bytes(path, "corpus file", MAX_TEXT_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"corpus file {path} is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})") from None
    if not text.strip(BOM + " \t\n\r\f\v"):
        raise UserError(f"corpus file is empty: {path}")
    return text.removeprefix(BOM)


def read_default():
    """The built-in corpus: the woodchuck tongue twister (32 words, 11 distinct)."""
    return resources.files("tlm").joinpath("data", DEFAULT_CORPUS_NAME).read_text(encoding="utf-8")


def gutenberg_archives():
    """The gutenberg.zip files in NLTK's data folders, in the order NLTK looks (none when not installed)."""
    import nltk

    candidates = [os.path.join(folder, "corpora", "gutenberg.zip") for folder in nltk.data.path
                  if isinstance(folder, str)]
    return [path for path in candidates if os.path.exists(path)]


def source_files(filepaths=(), gutenberg=()):
    """The files that reading these sources opens (what an output must not replace)."""
    return [*filepaths, *(gutenberg_archives() if gutenberg else [])]


def _gutenberg_reader():
    """NLTK's Gutenberg corpus reader, fetching the corpus once if a network is there."""
    import nltk
    from nltk.corpus import gutenberg

    try:
        nltk.data.find("corpora/gutenberg.zip")
    except LookupError:
        # A dead network must fail fast, not hang: bound every socket operation of the download.
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(NETWORK_TIMEOUT_S)
        try:
            fetched = nltk.download("gutenberg", quiet=True, print_error_to=io.StringIO())
        except Exception:  # nltk raises assorted network errors; all mean "not fetched"
            fetched = False
        finally:
            socket.setdefaulttimeout(previous)
        if not fetched:
            raise UserError(
                "NLTK's Gutenberg corpus is not installed and could not be downloaded; point NLTK_DATA "
                "at a folder holding corpora/gutenberg.zip (e.g. NLTK_DATA=../shared/nltk_data)"
            ) from None
    return gutenberg


def _damaged(error):
    return UserError(f"NLTK's Gutenberg corpus is damaged ({type(error).__name__}: {str(error)[:100]}); "
                     f"remove corpora/gutenberg.zip from NLTK_DATA and download or copy it again")


def gutenberg_ids():
    """The file ids of NLTK's Gutenberg corpus, e.g. 'austen-emma.txt'."""
    try:
        return list(_gutenberg_reader().fileids())
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise _damaged(e) from None


def read_gutenberg(fileid):
    """Return the raw text of one Gutenberg file id, e.g. 'austen-emma.txt' (or 'austen-emma')."""
    known = gutenberg_ids()
    if fileid not in known:
        if fileid + ".txt" in known:
            fileid += ".txt"
        else:
            raise UserError(f"unknown Gutenberg id {fileid!r}; known: {', '.join(known)} (or {ALL_GUTENBERG})")
    try:
        return _gutenberg_reader().raw(fileid).removeprefix(BOM)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, UnicodeDecodeError) as e:
        raise _damaged(e) from None


def read_texts(filepaths=(), gutenberg=()):
    """(name, text) of the given files and Gutenberg ids ('all' is every text), in that order, one at
    a time; the built-in text when both are empty."""
    if not filepaths and not gutenberg:
        yield DEFAULT_CORPUS_NAME, read_default()
    for path in filepaths:
        yield path, read_file(path)
    for fileid in gutenberg:
        for one in (gutenberg_ids() if fileid == ALL_GUTENBERG else [fileid]):
            yield one, read_gutenberg(one)


def tokenized(filepaths, gutenberg, transforms):
    """[(name, tokens)] of the given sources (`read_texts`), each refused if the transforms leave no token."""
    texts = []
    for name, text in read_texts(filepaths, gutenberg):
        words = tokenize(text, transforms)
        if not words:
            raise UserError(f"{name} has no tokens left after the transforms ({', '.join(transforms) or 'none'})")
        texts.append((name, words))
    return texts


def split_held_out(texts, fraction):
    """(training token lists, held-out token lists or None): the last `fraction` of each of the
    [(name, tokens)] `texts` held out."""
    if not fraction:
        return [words for _, words in texts], None
    cuts = [int(len(words) * (1 - fraction)) for _, words in texts]
    return [w[:c] for (_, w), c in zip(texts, cuts)], [w[c:] for (_, w), c in zip(texts, cuts)]
