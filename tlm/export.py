"""Word vectors in other tools' formats: word2vec text (gensim, `wp --model`) and the Embedding
Projector's pair of TSV files (projector.tensorflow.org). Values are written exactly (the shortest
decimal that reads back as the same float32).

Takes `vectors.WordVectors`; leaves out choosing the vectors (the command) and tlm's own files
(`tlm/persistence.py`).
"""

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


def write(wv, fmt, output):
    """Write `wv` as `fmt` to `output` (tsv: both files, as one); returns the paths written."""
    if fmt == "word2vec":
        if output.lower().endswith((".bin", ".bin.gz")):  # readers take these names for the binary format
            raise UserError(f"{output}: word2vec *text* is written; name the file .txt or .w2v, not .bin")
        files.atomic_write(output, word2vec_text(wv))
        return [output]
    vectors_path, metadata_path = tsv_paths(output)
    files.atomic_write_many([(vectors_path, "".join("\t".join(_values(v)) + "\n" for v in wv.vectors)),
                             (metadata_path, "".join(f"{w}\n" for w in wv.words))])
    return [vectors_path, metadata_path]
