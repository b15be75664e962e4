"""The models a server answers from: which the command line chose, and each loaded model with the
name the page shows, its completion index, and its language model when it came from a tlm file,
with each of its three choices of vectors (E, W, E+W) that a request may ask for.

Everything a request would otherwise build on first use (the word index, the unit rows, the
completion index) is built here, at start-up, so that no request waits for it; a tlm model's three
choices too (each its own `BatchedVectors`, so each is scanned from its own rows):
three times the memory of one (vectors and unit rows: 15 MB for Gutenberg-all's 19,659 words x 32,
built in a fraction of a second). Leaves out loading (`wp.models`) and answering (`wp.server.app`).
"""

from dataclasses import dataclass, field
from pathlib import Path

from edge.errors import UserError
from tlm import choice
from tlm.tokenizer import tokenize
from vectors.completion import Completer
from vectors.word_vectors import WordVectors
from wp.server.batching import BatchedVectors, Batcher

MAX_MODELS = 2  # side by side


@dataclass
class Served:
    """One model as the server holds it."""

    index: int
    name: str  # a gensim-data name or a file's base name (the page never shows the server's paths)
    vectors: WordVectors  # what a question that names no vectors is answered with
    completer: Completer
    lm: object = None  # the tlm `LanguageModel`, for models loaded from a tlm file
    choice: str | None = None  # a tlm model's default vectors (the server's --vectors)
    choices: dict = field(default_factory=dict)  # a tlm model's vectors by name: E, W, E+W

    def chosen(self, which=None):
        """The vectors a question asks for: `which` of a tlm model's (E, W, E+W), or (None) the
        default; a `UserError` for a choice asked of a model with one vector per word."""
        if which is None:
            return self.vectors
        if not self.choices:
            raise UserError(f"model {self.index} ({self.name}) has one vector per word; vectors={which} chooses among "
                            f"the matrices of a tlm model ({', '.join(choice.VECTORS)})")
        return self.choices[which]

    def language_model(self):
        """The tlm model, or a `UserError` saying this model has none."""
        if self.lm is None:
            raise UserError(f"model {self.index} ({self.name}) is not a tlm model: it has word vectors only, "
                            f"no next-word predictions or training history")
        return self.lm

    def query_words(self, words):
        """The typed `words` in the model's own terms, the one way every question reads its words: a
        tlm model's transforms applied and each word checked in its vocabulary (`tlm.choice.query_words`:
        a `UserError` for a word they turn into nothing or several tokens, a `FoldedWordError` for one
        its training folded into <unk>); a vector file's words as typed."""
        return list(words) if self.lm is None else choice.query_words(self.lm, words)[0]

    def query_prefix(self, prefix):
        """A typed prefix as the model writes words (`Wo` -> `wo` to a `-t lower` model), or None when
        a tlm model's transforms leave no single token of it (nothing to complete); a vector file's as typed."""
        if self.lm is None:
            return prefix
        tokens = tokenize(prefix, self.lm.config.transforms)
        return tokens[0] if len(tokens) == 1 else None

    def describe(self):
        """What the page shows about the model (JSON-ready)."""
        info = {"index": self.index, "name": self.name, "kind": "tlm" if self.lm else "vectors",
                "words": len(self.vectors), "dim": self.vectors.dim}
        if self.lm:
            info["tlm"] = {"context": self.lm.n, "transforms": list(self.lm.config.transforms),
                           "epochs": len(self.lm.history["loss"]), "vectors": self.choice}
        return info


def chosen(before, after):
    """The model names of `wp serve`: --model before the subcommand, then each --model after it (at
    most MAX_MODELS in all); [None], the usual model, when none is given."""
    names = ([before] if before else []) + list(after)
    if len(names) > MAX_MODELS:
        raise UserError(f"serve shows at most {MAX_MODELS} models side by side, got {len(names)} --model options")
    return names or [None]


def prepare(loaded, vectors=None):
    """`Served` models from `wp.models.Loaded` ones (1 to `MAX_MODELS`, as `chosen` checks), ready for
    requests; the tlm models answer with `vectors` (the server's --vectors) when a request names none,
    and a vector file beside them keeps its one vector per word. `vectors` with no tlm model to
    choose for is refused."""
    if vectors and all(model.lm is None for model in loaded):
        raise UserError(f"{' and '.join(Path(m.name).name for m in loaded)} "
                        f"{'has' if len(loaded) == 1 else 'have'} one vector per word; --vectors {vectors} chooses "
                        f"among the matrices of a tlm model ({', '.join(choice.VECTORS)})")
    batcher = Batcher()  # one for every model and choice: their scanners share the cores

    def batched(vectors):
        return BatchedVectors(vectors, batcher).prepare()

    served = []
    for index, model in enumerate(loaded):
        choices, default = {}, None
        if model.lm is not None:
            choices = {which: batched(choice.word_vectors(model.lm, which)) for which in choice.VECTORS}
            default = vectors or model.choice or choice.DEFAULT_VECTORS
        served.append(Served(index, Path(model.name).name, choices[default] if choices else batched(model.vectors),
                             Completer(model.vectors.words), model.lm, default, choices))
    return served
