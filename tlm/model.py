"""The TinyLM embedding language model: parameters, the forward pass, and one hand-written step of
gradient descent.

To predict the next word: average the context words' rows of E, multiply by W, add b, softmax.
To learn: cross-entropy loss, backpropagation by hand, gradient descent. `_forward`, `_backward`
and `_step` are the lesson and handle one example, in words, as the lab shows them. The same math
for a batch is `tlm/batched.py` (the fast path, tested equal to `_step`), the epoch loop
`tlm/training.py`, sampling `tlm/generation.py`, files `tlm/persistence.py`.

Shapes: V = vocabulary size, d = embedding dimension, n = context window (words).
"""

import numpy as np
from pydantic.dataclasses import dataclass

from tlm import functional, journey, training
from tlm.base import Config, LanguageModel, Whole
from tlm.functional import softmax
from tlm.vocabulary import Vocabulary

# Initial scale of E and W: small enough that the first predictions are nearly uniform
# (loss ~ ln V), large enough that gradients reach E from the first step.
INIT_SCALE = 0.1
MAX_EMBEDDING_DIM = 100_000
CHUNK_ELEMENTS = 1 << 22  # (rows x V) logits evaluated at once by mean_loss: 16 MB of float32


@dataclass
class ModelConfig(Config):
    """The architecture: what it takes to rebuild the model (training settings are `training`)."""

    embedding_dim: Whole(1, MAX_EMBEDDING_DIM) = 32  # d, the length of each word vector
    seed: Whole(0) = 0  # initialisation and each epoch's shuffle


class TinyLanguageModel(LanguageModel):
    """Next-token model: mean of context embeddings -> linear layer -> softmax.

    Parameters
    ----------
    n : int
        Context window: the number of previous tokens the prediction looks at.
    embedding_dim : int
        Length of each word vector (d).
    transforms : sequence of str
        Tokenizer transforms the model was trained with; prompts are tokenized the same way.
    seed : int
        Seed of the `numpy.random.Generator` for initialisation and shuffling.
    min_count : int
        Tokens seen fewer times in training share one `<unk>` row.

    Attributes (after `build`)
    --------------------------
    vocab : list of str, sorted unique tokens;  word_to_idx : dict str -> int
    E : (V, d) embedding matrix, one row per word
    W : (d, V) output matrix
    b : (V,) output bias
    training : `training.TrainingState`, the plan and how far it got
    history : dict of per-epoch 'loss' and 'val_loss' lists
    """

    kind = "embedding"
    has_embeddings = True
    trainable = True
    config_class = ModelConfig
    journey = None  # snapshots taken while training (tlm/journey.py); `build` starts one

    def __init__(self, n=2, embedding_dim=32, transforms=(), seed=0, min_count=1):
        super().__init__(ModelConfig(n=n, transforms=list(transforms), min_count=min_count,
                                     embedding_dim=embedding_dim, seed=seed))
        self.E = self.W = self.b = None
        self.training = training.TrainingState()

    # ---- the lesson ---------------------------------------------------------------------------

    def _forward(self, context):
        """Predict the next word from a list of context words: -> ctx_emb (d,), probs (V,)."""
        indices = [self.word_to_idx[w] for w in context]
        ctx_emb = self.E[indices].mean(axis=0)  # (d,)   average of the context words' rows
        logits = ctx_emb @ self.W + self.b  # (V,)   one score per vocabulary word
        probs = softmax(logits)  # (V,)   scores -> probabilities
        return ctx_emb, probs

    def _backward(self, context, target, ctx_emb, probs):
        """Gradients of the loss -log probs[target], in the reverse order of `_forward`.

        Returns dE_rows (n, d), one row per context word, dW (d, V) and db (V,).
        """
        dlogits = probs.copy()  # (V,)   d loss / d logits = probs - one_hot(target)
        dlogits[self.word_to_idx[target]] -= 1.0
        db = dlogits  # (V,)   logits = ... + b
        dW = np.outer(ctx_emb, dlogits)  # (d, V)   logits = ctx_emb @ W + ...
        dctx_emb = self.W @ dlogits  # (d,)
        dE_rows = np.tile(dctx_emb / len(context), (len(context), 1))  # (n, d)   the mean hands 1/n to each row
        return dE_rows, dW, db

    def _step(self, context, target, lr):
        """One step of gradient descent on one example (context words, target word); returns its loss."""
        ctx_emb, probs = self._forward(context)
        loss = -np.log(probs[self.word_to_idx[target]])  # cross-entropy: surprise at the true next word
        dE_rows, dW, db = self._backward(context, target, ctx_emb, probs)

        self.W -= lr * dW
        self.b -= lr * db
        # A word twice in the context gets its share twice: np.add.at accumulates, while
        # E[indices] -= ... would apply it only once.
        indices = [self.word_to_idx[w] for w in context]
        np.add.at(self.E, indices, -lr * dE_rows)
        return float(loss)

    # ---- building and training ----------------------------------------------------------------

    def build(self, words):
        """Make the vocabulary from a token list and initialise E, W, b from the seed."""
        self.vocabulary = Vocabulary.build(words, self.config.min_count)
        V, d = len(self.vocab), self.config.embedding_dim
        rng = np.random.default_rng(self.config.seed)
        self.E = (INIT_SCALE * rng.standard_normal((V, d))).astype(np.float32)  # (V, d)
        self.W = (INIT_SCALE * rng.standard_normal((d, V))).astype(np.float32)  # (d, V)
        self.b = np.zeros(V, dtype=np.float32)  # (V,)
        ids = self.encode(words)
        self.word_counts = np.bincount(ids[ids >= 0], minlength=V).astype(np.int64)
        self.history = {"loss": [], "val_loss": []}
        self.training = training.TrainingState()
        self.journey = journey.Journey()

    def train(self, words, resume=False, val_words=None, callback=None, should_stop=None, reference=False, **plan):
        """Learn from a token list by a new plan; returns a `training.TrainReport`.

        Parameters
        ----------
        words : list of str, or list of lists of str (several texts; no example spans two)
        resume : bool
            Continue from the current parameters instead of building afresh; tokens outside the
            vocabulary read as <unk>, or are skipped (and listed in the report) without one.
        val_words : list of str (or of lists), optional
            Held-out tokens: their mean loss is measured after every epoch.
        callback, should_stop :
            See `training.fit`.
        reference : bool
            Train with the lab's loop, `_step` per example.
        plan :
            epochs, lr, schedule, optimizer, batch_size, loss, samples: see `training.new_plan`
            (defaults: `training.TrainingState`). batch_size=1, 'sgd', 'constant' is exactly `_step`
            per example.
        """
        texts = _texts(words)
        if not resume or self.E is None:
            self.build([w for text in texts for w in text])
        examples = training.examples_of(self, texts)
        val = training.examples_of(self, _texts(val_words), required=False) if val_words else None
        training.new_plan(self, examples, engine="reference" if reference else "fast", **plan)
        return training.fit(self, examples, val, callback, should_stop)

    # ---- using the model ----------------------------------------------------------------------

    def _probs(self, rows):
        if len(rows) == 0:
            return softmax(self.b)  # no context: only the bias speaks
        return np.exp(functional.log_probs(self.E, self.W, self.b, rows[None, :])[0])

    def mean_loss(self, contexts, targets):
        if len(targets) == 0:
            return float("nan")
        chunk = max(1, CHUNK_ELEMENTS // len(self.vocab))
        total = 0.0
        for start in range(0, len(targets), chunk):
            ctx, tgt = contexts[start:start + chunk], targets[start:start + chunk]
            log_p = functional.log_probs(self.E, self.W, self.b, ctx)  # (C, V)
            total -= float(log_p[np.arange(len(tgt)), tgt].sum())
        return total / len(targets)

    def parameter_count(self):
        V, d = len(self.vocab), self.config.embedding_dim
        return 2 * V * d + V

    def word_vectors(self, output=False):
        """The rows of E (or, with `output`, the columns of W) as `vectors.WordVectors`, most
        frequent word first."""
        return self._by_frequency(self.W.T if output else self.E)

    def vector(self, word):
        """The learned embedding of `word` (a row of E): (d,)."""
        return self.E[self.index(word)]

    def similarity(self, a, b):
        """Cosine similarity of two words' embeddings."""
        self.index(a), self.index(b)  # a folded word says so
        return self.word_vectors().similarity(a, b)

    def most_similar(self, word, topn=10):
        """The `topn` words whose embeddings have the largest cosine with `word`'s: [(word, cos)]."""
        self.index(word)
        return self.word_vectors().most_similar([word], topn=topn)

    # ---- files --------------------------------------------------------------------------------

    def to_dict(self):
        return {**super().to_dict(), "params": {"E": self.E, "W": self.W, "b": self.b},
                "training": self.training.to_dict()}

    def _load_parameters(self, checked):
        self.E, self.W, self.b = checked.params.E, checked.params.W, checked.params.b
        self.training = checked.training


def _texts(words):
    """A token list, or a list of token lists, as a list of token lists."""
    return [words] if not words or isinstance(words[0], str) else list(words)

