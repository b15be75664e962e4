"""Word vectors in other tools' formats: word2vec text (gensim, `wp --model`) and the Embedding
Projector's pair of TSV files (projector.tensorflow.org). Values are written exactly (the shortest
decimal that reads back as the same float32).

Takes `vectors.WordVectors`; leaves out choosing the vectors (the command) and tlm's own files
(`tlm/persistence.py`).
"""

from contextlib import ExitStack

from edge import files
from edge.errors import UserError

FORMATS = ("word2vec", "tsv")


def _values(vector):
    return [repr(float(x)) for x in vector]


def word2vec_text(wv):
    """The word2vec text format: a "<count> <dim>" header, then a word and its values per line."""
    spaced = [w for w in wv.words if any(c.isspace() for c in w)]
    if spaced:
        raise UserError(f"word2vec text cannot hold tokens with white space (e.g. {spaced[0]!r}, the space of a "
                        f"-t char model); use the TSV format (--format tsv)")
    lines = [f"{len(wv)} {wv.dim}"] + [" ".join([w, *_values(v)]) for w, v in zip(wv.words, wv.vectors)]
    return "\n".join(lines) + "\n"


def tsv_paths(output):
    """The two files of the Projector format for `output`: F.tsv and F.metadata.tsv."""
    stem = output[:-4] if output.endswith(".tsv") else output
    return f"{stem}.tsv", f"{stem}.metadata.tsv"


def check(fmt, output, inputs=()):
    """Refuse, before any work, an `output` that `write` could not write as `fmt` (`edge.files.check_output`;
    a TSV export's two files may not be one file) or that would replace one of `inputs`."""
    paths = tsv_paths(output) if fmt == "tsv" else [output]
    for path in paths:
        files.check_output(path, inputs=inputs, what="--output")
    if len({files.target_of(path) for path in paths}) < len(paths):
        raise UserError(f"cannot write {' and '.join(paths)}: they are the same file (a symbolic link?)")


def write(wv, fmt, output):
    """Write `wv` as `fmt` to `output` (tsv: both files, as one), each file locked against another
    writer; returns the paths written."""
    paths = tsv_paths(output) if fmt == "tsv" else [output]
    with ExitStack() as locks:
        for path in paths:
            locks.enter_context(files.exclusive(path, "--output"))
        if fmt == "word2vec":
            if output.lower().endswith((".bin", ".bin.gz")):  # readers take these names for the binary format
                raise UserError(f"{output}: word2vec *text* is written; name the file .txt or .w2v, not .bin")
            files.atomic_write(output, word2vec_text(wv))
        else:
            files.atomic_write_many([(paths[0], "".join("\t".join(_values(v)) + "\n" for v in wv.vectors)),
                                     (paths[1], "".join(f"{w}\n" for w in wv.words))])
    return paths
