"""Measuring a trained model on text: held-out cross-entropy and perplexity, with the tokens
the model does not know counted and reported rather than crashed on.

Works for both model kinds (anything with `encode`, `n` and `mean_loss`). Word-similarity and
analogy benchmarks are `wp.benchmarks`, shared with `wp eval`.
"""

import math
from dataclasses import dataclass, field

from tlm.errors import TlmError
from tlm.training import make_examples


@dataclass
class HeldOut:
    loss: float  # mean cross-entropy, nats per predicted token
    predicted: int  # tokens predicted (every window of n + 1 known tokens)
    tokens: int
    unknown_tokens: int
    unknown_words: list = field(default_factory=list)

    @property
    def perplexity(self):
        return math.exp(self.loss)


def held_out(model, words):
    """Cross-entropy of `model` on a token list; windows touching an unknown token are skipped.

    Raises `TlmError` if no window of n + 1 known tokens is left.
    """
    ids = model.encode(words)
    unknown = sorted({w for w, i in zip(words, ids) if i < 0})
    contexts, targets = make_examples(ids, model.n)
    if len(targets) == 0:
        raise TlmError(f"the text has no run of {model.n + 1} tokens the model knows "
                       f"({int((ids < 0).sum())} of {len(ids)} tokens are unknown)")
    return HeldOut(float(model.mean_loss(contexts, targets)), len(targets), len(ids), int((ids < 0).sum()), unknown)
