"""Measuring a trained model on text: held-out cross-entropy and perplexity, with the tokens the
model does not know counted and reported rather than crashed on, and whether the model was trained
on all of the text it is measured on.

Works for every model kind (`encode`, `n`, `mean_loss`). Word-similarity and analogy benchmarks
are `vectors.benchmarks`, shared with `wp eval`.
"""

import math
from dataclasses import dataclass, field

from edge.errors import UserError
from tlm import training
from tlm.corpus import split_held_out
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


def perplexity_text(loss):
    """exp(loss) as people read it: two decimals, or three significant digits once it is huge."""
    value = perplexity(loss)
    return f"{value:.2f}" if value < 1e9 else f"{value:.3g}"


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


def on_texts(model, texts, fraction=None):
    """`held_out` of `model` on the last `fraction` of each of the [(name, tokens)] `texts` (all of
    them without one), JSON-ready."""
    _, val_texts = split_held_out(texts, fraction)
    result = held_out(model, val_texts or [words for _, words in texts])
    return {"loss": result.loss, "perplexity": result.perplexity, "predicted": result.predicted,
            "tokens": result.tokens, "unknown_tokens": result.unknown_tokens,
            "unknown_words": len(result.unknown_words)}


def line(result):
    """A result of `on_texts` as one line."""
    return (f"Held-out    cross-entropy {result['loss']:.4f} nats/token  perplexity {perplexity_text(result['loss'])}  "
            f"({result['predicted']} tokens predicted; {result['unknown_tokens']} of {result['tokens']} tokens "
            f"unknown, {result['unknown_words']} distinct words)")


def trained_on(model, texts):
    """Whether a model trained by gradient descent started its plan on exactly these token lists
    (all of them: none held out)."""
    return model.trainable and training.examples_of(model, texts, required=False).fingerprint() == model.training.text
