"""Where training text comes from: a UTF-8 file, an NLTK Gutenberg text, or the built-in tongue twister.

Returns raw text only; tokenizing is `tlm.tokenizer`'s job.
"""

import io
import socket
from importlib import resources

from tlm.errors import TlmError

DEFAULT_CORPUS_NAME = "chuck.txt"


def read_file(path):
    """Return the text of a UTF-8 file, or raise `TlmError` saying why it cannot be used."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise TlmError(f"corpus file not found: {path}") from None
    except IsADirectoryError:
        raise TlmError(f"corpus path is a directory, not a file: {path}") from None
    except OSError as e:
        raise TlmError(f"cannot read corpus file {path}: {e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TlmError(
            f"corpus file {path} is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})"
        ) from None
    if not text.strip():
        raise TlmError(f"corpus file is empty: {path}")
    return text


def read_default():
    """The built-in corpus: the woodchuck tongue twister (32 words, 11 distinct)."""
    return resources.files("tlm").joinpath("data", DEFAULT_CORPUS_NAME).read_text(encoding="utf-8")


def _gutenberg_reader():
    """NLTK's Gutenberg corpus reader, fetching the corpus once if a network is there."""
    import nltk
    from nltk.corpus import gutenberg

    try:
        nltk.data.find("corpora/gutenberg.zip")
    except LookupError:
        # A dead network must fail fast, not hang: bound every socket operation of the download.
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(10)
        try:
            fetched = nltk.download("gutenberg", quiet=True, print_error_to=io.StringIO())
        except Exception:  # nltk raises assorted network errors; all mean "not fetched"
            fetched = False
        finally:
            socket.setdefaulttimeout(previous)
        if not fetched:
            raise TlmError(
                "NLTK's Gutenberg corpus is not installed and could not be downloaded; point NLTK_DATA "
                "at a folder holding corpora/gutenberg.zip (e.g. NLTK_DATA=../shared/nltk_data)"
            ) from None
    return gutenberg


def gutenberg_ids():
    """The file ids of NLTK's Gutenberg corpus, e.g. 'austen-emma.txt'."""
    return list(_gutenberg_reader().fileids())


def read_gutenberg(fileid):
    """Return the raw text of one Gutenberg file id, e.g. 'austen-emma.txt'."""
    known = gutenberg_ids()
    if fileid not in known:
        if fileid + ".txt" in known:
            fileid += ".txt"
        else:
            raise TlmError(f"unknown Gutenberg id {fileid!r}; known: {', '.join(known)}")
    return _gutenberg_reader().raw(fileid)

