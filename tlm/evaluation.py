"""Measuring a trained model on text: held-out cross-entropy and perplexity, with the tokens the
model does not know counted and reported rather than crashed on.

Works for every model kind (`encode`, `n`, `mean_loss`). Word-similarity and analogy benchmarks
are `vectors.benchmarks`, shared with `wp eval`.
"""

import math
from dataclasses import dataclass, field

from edge.errors import UserError
from tlm.examples import join, make_examples


@dataclass
class HeldOut:
    loss: float  # mean cross-entropy, nats per predicted token
    predicted: int  # tokens predicted (every window of n + 1 known tokens)
    tokens: int
    unknown_tokens: int  # tokens outside the vocabulary (read as <unk> when the model has one)
    unknown_words: list = field(default_factory=list)

    @property
    def perplexity(self):
        return perplexity(self.loss)


def perplexity(loss):
    """exp(loss), infinite where it would overflow a float."""
    return math.exp(loss) if loss < 700 else math.inf


def held_out(model, texts):
    """Cross-entropy of `model` on token lists (one list, or several texts).

    Windows touching a token outside the vocabulary are skipped, unless the model has <unk>, which
    stands for them. Raises `UserError` if no window of n + 1 usable tokens is left.
    """
    texts = [texts] if not texts or isinstance(texts[0], str) else texts
    words = [w for t in texts for w in t]
    unknown = sorted({w for w in words if w not in model.vocabulary})
    ids = join([model.encode(t) for t in texts])
    contexts, targets = make_examples(ids, model.n)
    unknown_tokens = sum(1 for w in words if w not in model.vocabulary)
    if len(targets) == 0:
        raise UserError(f"the text has no run of {model.n + 1} tokens the model knows "
                        f"({unknown_tokens} of {len(words)} tokens are unknown)")
    return HeldOut(float(model.mean_loss(contexts, targets)), len(targets), len(words), unknown_tokens, unknown)
