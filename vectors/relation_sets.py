"""The relations of the Google analogy test set (Mikolov et al. 2013) as lists of word pairs: each
section of gensim's `questions-words.txt` (capital-common-countries, family, gram7-past-tense, ...)
with its distinct pairs a:b, in the order they first appear and in the file's own case.

The file is found inside the installed gensim package without importing gensim (which takes a
second to start). Leaves out what is measured on the pairs (`vectors.directions`).
"""

import importlib.util
from pathlib import Path

from edge.errors import UserError
from vectors.benchmarks import ANALOGY_FILE


def _path():
    spec = importlib.util.find_spec("gensim")
    path = Path(spec.submodule_search_locations[0]) / "test" / "test_data" / ANALOGY_FILE if spec else None
    if path is None or not path.is_file():
        raise UserError(f"gensim's {ANALOGY_FILE} is missing: reinstall the gensim package")
    return path


def read_sets(path):
    """{section: [(a, b), ...]} of a questions-words file: each line 'a b c d' gives pairs a:b and c:d."""
    sets = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(":"):
                pairs = sets.setdefault(line[1:].strip(), {})
            elif len(words := line.split()) == 4 and sets:
                pairs.update(dict.fromkeys([(words[0], words[1]), (words[2], words[3])]))
    return {name: list(pairs) for name, pairs in sets.items()}


def names():
    """The sections, in the file's order."""
    return list(read_sets(_path()))


def pairs(name):
    """The pairs of one section; a `UserError` listing the sections for an unknown name."""
    sets = read_sets(_path())
    if name not in sets:
        raise UserError(f"unknown relation set {name!r}; the sets are: {', '.join(sets)}")
    return sets[name]
