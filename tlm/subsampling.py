"""Thinning frequent next words: cheaper epochs on large texts, with the model kept honest.

In a large text a few words are most of the targets ("the" alone is one in fifteen of Gutenberg's),
and predicting them once more teaches the vectors little. As word2vec does, each epoch keeps an
example whose target has share f of the training tokens with probability

    keep = min(1, sqrt(t / f) + t / f)

for a threshold t (word2vec's rule): words rarer than about t are always kept, "the" at t = 1e-4
about one time in twenty-five. Gutenberg-all keeps about 45% of its examples an epoch.

Kept examples alone would teach the model that frequent words are rarer than they are. So the
softmax is told: while training, each word's logit gets + log keep (the same correction as sampled
softmax's - log pi). The adjusted softmax then fits the thinned examples, and the model's own `b`
fits the text as it is: `_forward`, generation and every evaluation need no correction.

Leaves out the epoch loop (`tlm/training.py`), which draws each epoch's kept examples.

Shapes: V = vocabulary size, M = examples.
"""

import numpy as np

# Threshold t of the default with the sampled loss, chosen by bench/vector_choice.py (docs/vectors.md):
# on Gutenberg-all it halves an epoch and leaves the vectors' benchmark scores where they were.
DEFAULT_THRESHOLD = 1e-4


def keep_probabilities(word_counts, threshold):
    """(V,) the probability that an example predicting each word is kept for an epoch (1 when
    `threshold` is 0: no thinning)."""
    counts = np.asarray(word_counts, dtype=np.float64)
    if threshold == 0:
        return np.ones(len(counts))
    f = counts / counts.sum()  # (V,)   each word's share of the training tokens
    with np.errstate(divide="ignore"):  # a word never seen (f = 0) is always kept
        ratio = threshold / f
    return np.minimum(1.0, np.sqrt(ratio) + ratio)


def log_keep(keep):
    """(V,) float32 log keep: what training adds to each word's logit (0 for a word always kept)."""
    return np.log(keep).astype(np.float32)


def epoch_size(keep_of_examples):
    """How many examples each epoch keeps: the expected number, rounded down (all when none is
    thinned), and at least one."""
    return max(1, int(np.sum(keep_of_examples, dtype=np.float64)))


def kept(order, keep_of_examples, rng):
    """The kept examples of a shuffled epoch `order` (M,), in that order: exactly `epoch_size` of them,
    each example with its own probability `keep_of_examples` (M,), so that every epoch has the same
    number of steps. Systematic sampling: the probabilities, scaled to sum to that size, laid end to
    end along the order; an example is kept when its stretch holds a mark k + u (k a whole number,
    u drawn once from `rng`, the epoch's generator)."""
    size = epoch_size(keep_of_examples)
    p = keep_of_examples[order]  # (M,)
    ends = np.cumsum(p * (size / p.sum()))  # (M,) where each example's stretch ends
    ends[-1] = size  # exactly: rounding must not drop the last mark
    marks = np.floor(ends + rng.random())  # (M,)   marks passed by the end of each stretch
    return order[np.diff(marks, prepend=0) > 0]  # before the first stretch: floor(u) = 0 marks
