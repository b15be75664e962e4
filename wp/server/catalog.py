"""The models a server answers from: each loaded model with the name the page shows, its
completion index, and its language model when it came from a tlm file.

Everything a request would otherwise build on first use (the word index, the unit rows, the
completion index) is built here, at start-up, so that no request waits for it. Leaves out loading
(`wp.models`) and answering (`wp.server.app`).
"""

from dataclasses import dataclass
from pathlib import Path

from edge.errors import UserError
from tlm import choice
from vectors.completion import Completer
from vectors.word_vectors import WordVectors
from wp.server.batching import BatchedVectors, Batcher

MAX_MODELS = 2  # side by side


@dataclass
class Served:
    """One model as the server holds it."""

    index: int
    name: str  # a gensim-data name or a file's base name (the page never shows the server's paths)
    vectors: WordVectors
    completer: Completer
    lm: object = None  # the tlm `LanguageModel`, for models loaded from a tlm file

    def language_model(self):
        """The tlm model, or a `UserError` saying this model has none."""
        if self.lm is None:
            raise UserError(f"model {self.index} ({self.name}) is not a tlm model: it has word vectors only, "
                            f"no next-word predictions or training history")
        return self.lm

    def query_word(self, word):
        """`word` in the model's own terms: a tlm model's transforms applied, checked in its vocabulary."""
        return word if self.lm is None else choice.query_words(self.lm, [word])[0][0]

    def describe(self):
        """What the page shows about the model (JSON-ready)."""
        info = {"index": self.index, "name": self.name, "kind": "tlm" if self.lm else "vectors",
                "words": len(self.vectors), "dim": self.vectors.dim}
        if self.lm:
            info["tlm"] = {"context": self.lm.n, "transforms": list(self.lm.config.transforms),
                           "epochs": len(self.lm.history["loss"])}
        return info


def prepare(loaded):
    """`Served` models from `wp.models.Loaded` ones (1 to `MAX_MODELS`, as `wp.cli` checks), ready for requests."""
    batcher = Batcher()  # one for both models: their scanners share the cores
    return [Served(index, Path(model.name).name, BatchedVectors(model.vectors, batcher).prepare(),
                   Completer(model.vectors.words), model.lm) for index, model in enumerate(loaded)]
