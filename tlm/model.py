"""The TinyLM embedding language model: parameters, forward pass, and one hand-written gradient step.

To predict the next word: average the context words' rows of E, multiply by W, add b, softmax.
To learn: cross-entropy loss, backpropagation by hand, gradient descent. `_forward` and `_step` are
the lesson and handle one example at a time. The fast batched version of the same math lives in
`tlm/batched.py`, the epoch loop in `tlm/training.py`, sampling in `tlm/generation.py` and files in
`tlm/persistence.py`.

Shapes: V = vocabulary size, d = embedding dimension, n = context window (words).
"""

from dataclasses import dataclass, field

import numpy as np

from tlm import batched, generation, training
from tlm.functional import softmax
from tlm.vocabulary import Vocabulary

# Chosen by measurement (README, "Choosing the learning rate"): fastest falling held-out loss on
# chuck.txt and on Emma that never diverged over the seeds tried.
DEFAULT_LR = 0.1
# Initial scale of E and W: small enough that the first predictions are nearly uniform
# (loss ~ ln V), large enough that gradients reach E from the first step.
INIT_SCALE = 0.1


@dataclass
class ModelConfig:
    """Everything needed to rebuild or continue a model; saved inside every model file."""

    n: int = 2  # context window: how many previous tokens predict the next
    embedding_dim: int = 32
    transforms: list = field(default_factory=list)  # tokenizer transforms, applied in order
    seed: int = 0
    lr: float = DEFAULT_LR
    batch_size: int = 1
    optimizer: str = training.DEFAULT_OPTIMIZER
    schedule: str = training.DEFAULT_SCHEDULE
    epochs_trained: int = 0


class TinyLanguageModel(Vocabulary):
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

    Attributes (after `train`)
    --------------------------
    vocab : list of str, sorted unique tokens
    word_to_idx : dict str -> int
    E : (V, d) embedding matrix, one row per word
    W : (d, V) output matrix
    b : (V,) output bias
    history : dict of per-epoch 'loss' and 'val_loss' lists
    """

    kind = "embedding"

    def __init__(self, n=2, embedding_dim=32, transforms=(), seed=0):
        if n < 1:
            raise ValueError(f"context window must be at least 1, got {n}")
        if embedding_dim < 1:
            raise ValueError(f"embedding dimension must be at least 1, got {embedding_dim}")
        self.config = ModelConfig(n=n, embedding_dim=embedding_dim, transforms=list(transforms), seed=seed)
        self.vocab = []
        self.word_to_idx = {}
        self.E = self.W = self.b = None
        self.word_counts = None  # (V,) training occurrences of each word, for "most frequent" views
        self.history = {"loss": [], "val_loss": []}

    @property
    def n(self):
        return self.config.n

    # ---- the lesson ---------------------------------------------------------------------------

    def _forward(self, context):
        """Predict the next word from a context of word indices.

        context: (n,) ints -> ctx_emb (d,), probs (V,)
        """
        ctx_emb = self.E[context].mean(axis=0)  # (d,)   average of the context words' rows
        logits = ctx_emb @ self.W + self.b  # (V,)   one score per vocabulary word
        probs = softmax(logits)  # (V,)   scores -> probabilities
        return ctx_emb, probs

    def _step(self, context, target, lr):
        """One step of gradient descent on one (context, target) example; returns its loss."""
        ctx_emb, probs = self._forward(context)
        loss = -np.log(probs[target])  # cross-entropy: surprise at the true next word

        # Backward, in the reverse order of the forward pass.
        dlogits = probs.copy()  # (V,)   d loss / d logits = probs - one_hot(target)
        dlogits[target] -= 1.0
        db = dlogits  # (V,)
        dW = np.outer(ctx_emb, dlogits)  # (d, V)
        dctx_emb = self.W @ dlogits  # (d,)
        dE_row = dctx_emb / len(context)  # (d,)   the mean hands 1/n of it to each context row

        self.W -= lr * dW
        self.b -= lr * db
        # A word twice in the context gets the gradient twice: np.add.at accumulates, while
        # E[context] -= ... would apply it only once.
        np.add.at(self.E, context, -lr * dE_row)
        return float(loss)

    # ---- building and training ----------------------------------------------------------------

    def build(self, words):
        """Make the vocabulary from a token list and initialise E, W, b from the seed."""
        self.use_vocab(sorted(set(words)))
        V, d = len(self.vocab), self.config.embedding_dim
        rng = np.random.default_rng(self.config.seed)
        self.E = (INIT_SCALE * rng.standard_normal((V, d))).astype(np.float32)  # (V, d)
        self.W = (INIT_SCALE * rng.standard_normal((d, V))).astype(np.float32)  # (d, V)
        self.b = np.zeros(V, dtype=np.float32)  # (V,)
        self.word_counts = np.zeros(V, dtype=np.int64)
        self.history = {"loss": [], "val_loss": []}
        self.config.epochs_trained = 0

    def train(self, words, epochs=5, lr=DEFAULT_LR, resume=False, val_words=None, callback=None,
              batch_size=None, optimizer=training.DEFAULT_OPTIMIZER, schedule=training.DEFAULT_SCHEDULE,
              reference=False):
        """Learn from a token list; returns a `training.TrainReport`.

        Parameters
        ----------
        words : list of str
            The training tokens, in order.
        resume : bool
            Continue from the current parameters instead of building a fresh vocabulary; tokens
            outside the vocabulary are skipped (and listed in the report).
        val_words : list of str, optional
            Held-out tokens: their mean loss is measured after every epoch.
        callback : callable, optional
            Receives `training.Progress` and `training.EpochEnd` events.
        batch_size, optimizer, schedule, reference :
            See `tlm.training.fit`. batch_size=1, 'sgd', 'constant' is exactly `_step` per example.
        """
        if not resume or self.E is None:
            self.build(words)
        report = training.fit(self, words, epochs, lr, batch_size=batch_size, optimizer=optimizer,
                              schedule=schedule, val_words=val_words, callback=callback, reference=reference)
        self.config.lr, self.config.optimizer, self.config.schedule = lr, optimizer, schedule
        self.config.batch_size = report.batch_size
        return report

    # ---- using the model ----------------------------------------------------------------------

    def predict(self, context_words):
        """Probabilities of the next token after the given context tokens: (V,).

        Fewer than n words are fine (the mean is over what is there); with none, only the bias
        speaks: softmax(b).
        """
        ids = [self.index(w) for w in context_words][-self.n:] if context_words else []
        if not ids:
            return softmax(self.b)
        return self._forward(np.array(ids))[1]

    def generate(self, length=50, prompt=None, temperature=1.0, top_k=None, rng=None):
        """Sample `length` tokens after the prompt; returns the tokens, prompt included."""
        return generation.generate(self, length, prompt=prompt, temperature=temperature, top_k=top_k, rng=rng)

    def mean_loss(self, contexts, targets):
        """Mean cross-entropy (nats per token) over (M, n) contexts and (M,) targets."""
        return batched.mean_loss(self.E, self.W, self.b, contexts, targets)

    def frequencies(self):
        """Training counts of each vocabulary word: (V,)."""
        return self.word_counts

    def vector(self, word):
        """The learned embedding of `word` (a row of E): (d,)."""
        return self.E[self.index(word)]

    def keyed_vectors(self, output=False):
        """The rows of E (or, with `output`, the columns of W) as gensim `KeyedVectors`."""
        from gensim.models import KeyedVectors

        vectors = self.W.T if output else self.E
        kv = KeyedVectors(vectors.shape[1])
        kv.add_vectors(self.vocab, np.ascontiguousarray(vectors))
        return kv

    def similarity(self, a, b):
        """Cosine similarity of two words' embeddings."""
        self.index(a), self.index(b)
        return float(self.keyed_vectors().similarity(a, b))

    def most_similar(self, word, topn=10):
        """The `topn` words whose embeddings have the largest cosine with `word`'s: [(word, cos)]."""
        self.index(word)
        return self.keyed_vectors().most_similar(word, topn=topn)
