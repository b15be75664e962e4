"""Vector files as people download them: word2vec text (a "<count> <dim>" line, then a word and its
values per line), word2vec binary (the same header, then per row a word, a space and dim
little-endian float32s), GloVe text (no header), each optionally gzipped; and which of these (or a
tlm model, or a gensim pickle) a file is.

Read here, not by gensim, so that every row is checked: the header agrees with the rows, every row
has the same number of values, every value is a number, every word is UTF-8; a damaged file is one
`UserError` naming the line. Leaves out where files come from and caching them (`wp.models`).
"""

import gzip
import re
import zlib

import numpy as np

from edge import resources
from edge.errors import UserError

FILE_FORMATS = ("kv", "word2vec", "word2vec-binary", "glove", "tlm")
CHUNK_LINES = 10_000  # text rows parsed at once: bounds the temporary strings
MAX_WORD_BYTES = 10_000
BOM = b"\xef\xbb\xbf"
PICKLE_PROTO = 0x80  # a pickle of protocol 2 to 5 starts with this byte, then the protocol


def _open(path):
    return gzip.open(path, "rb") if str(path).endswith(".gz") else open(path, "rb")


def _unreadable(path, error):
    return UserError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}")


def detect_format(path):
    """Guess a vector file's format from its name and first line ("kv" for any Python pickle, as
    gensim's `save` writes under any name, e.g. `word2vec.model`)."""
    name = path.name.lower()
    if name.endswith(".json"):
        return "tlm"
    if name.endswith(".kv"):
        return "kv"
    try:
        with _open(path) as f:
            start = f.read(2)
            if len(start) == 2 and start[0] == PICKLE_PROTO and 2 <= start[1] <= 5:
                return "kv"
            first = (start + f.readline(1000)).split(b"\n", 1)[0].removeprefix(BOM).split()
    except (OSError, EOFError, zlib.error) as e:
        raise _unreadable(path, e) from None
    if name.endswith(".bin") or name.endswith(".bin.gz"):
        return "word2vec-binary"
    if len(first) == 2 and all(re.fullmatch(rb"\d+", x) for x in first):
        return "word2vec"  # "<count> <dim>" header
    return "glove"


def _header(line, path):
    parts = line.removeprefix(BOM).split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[1]) < 1:
        raise UserError(f"cannot read {path} as word2vec vectors: the first line must be '<count> <dim>'")
    count, dim = int(parts[0]), int(parts[1])
    resources.require(4 * count * dim, f"{count:,} vectors of {dim} values", "use a smaller vector file")
    return count, dim


def _decode_word(raw, path, where):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"cannot read {path}: the word on {where} is not UTF-8") from None


def read_text_vectors(path, has_header):
    """(words, (N, d) float32) of a word2vec text (`has_header`) or GloVe text file, every row checked."""
    try:
        with _open(path) as f:
            return _read_text_vectors(f, path, has_header)
    except (OSError, EOFError, zlib.error) as e:  # gzip's damage too
        raise _unreadable(path, e) from None


def _read_text_vectors(f, path, has_header):
    words, chunks, pending, dim, count = [], [], [], None, None

    def parse(rows_from):
        try:
            values = np.array(b" ".join(pending).split(), dtype=np.float32)
        except ValueError:
            values = np.empty(0, dtype=np.float32)
        if values.size != len(pending) * dim:  # find the first bad row for the message
            for number, rest in enumerate(pending, start=rows_from):
                fields = rest.split()
                try:
                    np.array(fields, dtype=np.float32)
                except ValueError:
                    raise UserError(f"cannot read {path}: line {number} holds a value that is not a number") from None
                if len(fields) != dim:
                    raise UserError(f"cannot read {path}: line {number} has {len(fields)} values, expected {dim}") from None
        chunks.append(values.reshape(len(pending), dim))
        pending.clear()

    number = 0
    for number, line in enumerate(f, start=1):
        line = line.removeprefix(BOM) if number == 1 else line
        if has_header and number == 1:
            count, dim = _header(line, path)
            continue
        parts = line.rstrip(b"\r\n").split(maxsplit=1)
        if not parts:
            continue
        if len(parts) < 2:
            raise UserError(f"cannot read {path}: line {number} has a word and no values")
        if dim is None:
            dim = len(parts[1].split())
        words.append(_decode_word(parts[0], path, f"line {number}"))
        pending.append(parts[1])
        if len(pending) == CHUNK_LINES:
            parse(number - CHUNK_LINES + 1)
    if pending:
        parse(number - len(pending) + 1)
    if count is not None and count != len(words):
        raise UserError(f"cannot read {path}: its header says {count:,} vectors, the file has {len(words):,}")
    if not words:
        raise UserError(f"{path} holds no word vectors")
    return words, np.concatenate(chunks)


def read_binary_vectors(path):
    """(words, (N, d) float32) of a word2vec binary file: a '<count> <dim>' line, then per row a
    word, a space and dim little-endian float32s."""
    try:
        with _open(path) as f:
            return _read_binary_vectors(f, path)
    except (OSError, EOFError, zlib.error) as e:  # gzip's damage too
        raise _unreadable(path, e) from None


def _read_binary_vectors(f, path):
    count, dim = _header(f.readline(), path)
    words, vectors = [], np.empty((count, dim), dtype=np.float32)
    for row in range(count):
        raw = bytearray()
        while True:
            ch = f.read(1)
            if not ch:
                raise UserError(f"cannot read {path}: it ends after {row:,} of the {count:,} vectors its header promises")
            if ch == b" ":
                break
            if ch != b"\n" or raw:  # a row may start with the previous row's newline
                raw += ch
            if len(raw) > MAX_WORD_BYTES:
                raise UserError(f"cannot read {path}: vector {row + 1} has no word (no space within {MAX_WORD_BYTES} bytes)")
        data = f.read(4 * dim)
        if len(data) != 4 * dim:
            raise UserError(f"cannot read {path}: it ends inside vector {row + 1} of {count:,}")
        words.append(_decode_word(bytes(raw), path, f"vector {row + 1}"))
        vectors[row] = np.frombuffer(data, dtype="<f4")
    if f.read(1 << 20).strip():
        raise UserError(f"cannot read {path}: it holds more than the {count:,} vectors its header says")
    return words, vectors
