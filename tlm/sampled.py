"""Sampled softmax: a cheaper training estimate of the same full-softmax loss, for large vocabularies.

The full softmax normalises every prediction over all V words, Z = sum_j exp(z_j), which costs
6 d V flops and V exps per example. Here each batch draws S candidate words (with replacement,
then made distinct) from a proposal Q proportional to the training counts ** ALPHA, shared by the
batch's examples. Each example's Z is then its target's term, computed exactly, plus the
candidates' terms, each divided by pi_j = 1 - (1 - Q_j) ** S, the probability that word j is drawn
at least once: the Horvitz-Thompson estimate of the other words' share of Z, unbiased for any
proposal. In logits that division is the log-Q correction of Jean et al. (2015): a candidate's
score is z_j - log pi_j. A candidate that is an example's own target (an "accidental hit", as TF's
`remove_accidental_hits`) is dropped from that example's row, since its term is already counted
exactly; the target itself is not corrected, since it is always there (pi = 1). With S >= V every
word is a candidate with certainty (pi = 1) and this is exactly the full softmax (tested).

The printed training loss is this sampled estimate of the cross-entropy: log of an unbiased
estimate of Z, so on average a little below the full one (Jensen). Only training changes: the
model, its file, `_forward`, generation and every evaluation stay the full softmax. Leaves out the
epoch loop (`tlm/training.py`) and the update rules (`tlm/optim.py`).

Shapes: B = batch, n = context window, d = embedding dim, V = vocabulary, U = distinct candidates.
"""

import numpy as np

from tlm.optim import SparseColumns, SparseRows

# Proposal Q ~ count ** ALPHA: word2vec's 0.75 flattens the unigram distribution, so rarer words
# are drawn more often than by frequency alone (taken from word2vec, not tuned here).
ALPHA = 0.75
# Candidates drawn per batch. Measured on Gutenberg-all (bench/scale.py, docs/benchmarks.md): 256
# reaches the full softmax's first-epoch held-out loss as soon as 1024 and ends 5 epochs 0.02 nats
# higher, at half the time an epoch; its word vectors score the same (bench/vector_choice.py).
DEFAULT_SAMPLES = 256


class Sampler:
    """Draws a batch's candidate words from Q ~ counts ** alpha, with their log inclusion probabilities.

    Parameters
    ----------
    word_counts : (V,) training counts (a word never seen counts as 1, so every word can be drawn)
    samples : int
        S, draws per batch; S >= V takes every word with certainty.
    alpha : float
        Exponent of the counts in the proposal.
    """

    def __init__(self, word_counts, samples, alpha=ALPHA):
        weights = np.maximum(np.asarray(word_counts, dtype=np.float64), 1.0) ** alpha  # (V,)
        self.q = weights / weights.sum()  # (V,)   proposal of one draw
        self.cdf = np.cumsum(self.q)  # (V,)   drawing = a binary search of uniform numbers
        self.samples = samples
        with np.errstate(divide="ignore"):  # Q_j = 1 (V = 1): log1p(-1) = -inf, and pi = 1
            # log pi_j = log(1 - (1 - Q_j) ** S), computed without cancellation for tiny Q_j.
            self.log_pi = np.log(-np.expm1(samples * np.log1p(-self.q))).astype(np.float32)  # (V,)

    def draw(self, rng):
        """-> candidates (U,) distinct sorted rows, log_pi (U,) float32 (zeros when S >= V: all words, pi = 1)."""
        V = len(self.q)
        if self.samples >= V:
            return np.arange(V), np.zeros(V, dtype=np.float32)
        draws = np.searchsorted(self.cdf, rng.random(self.samples), side="right")  # (S,)
        candidates = np.unique(np.minimum(draws, V - 1))  # cdf[-1] may round to just below 1
        return candidates, self.log_pi[candidates]


def forward(E, W, b, contexts, targets, candidates, log_pi):
    """(B, n) contexts, (B,) targets, (U,) candidates -> ctx_emb (B, d), W_t (B, d), W_c (d, U), probs (B, 1 + U).

    Column 0 of probs is each example's target, columns 1.. the candidates: the softmax over the
    target's exact score and the candidates' corrected scores, accidental hits removed.
    """
    ctx_emb = E[contexts].mean(axis=1)  # (B, d)   average of the context words' rows
    W_t = W.T[targets]  # (B, d)   each target's column of W
    W_c = W[:, candidates]  # (d, U)   the candidates' columns
    logits = np.empty((len(targets), 1 + len(candidates)), dtype=ctx_emb.dtype)  # (B, 1 + U)
    logits[:, 0] = np.einsum("bd,bd->b", ctx_emb, W_t) + b[targets]  # the target's score, exact
    logits[:, 1:] = ctx_emb @ W_c + (b[candidates] - log_pi)  # the log-Q correction
    # An accidental hit: the target among the candidates. Its term is column 0 already.
    where = np.minimum(np.searchsorted(candidates, targets), len(candidates) - 1)  # (B,)
    hit = candidates[where] == targets
    logits[hit, 1 + where[hit]] = -np.inf
    logits -= logits.max(axis=1, keepdims=True)  # stable: exp never overflows
    probs = np.exp(logits, out=logits)
    probs /= probs.sum(axis=1, keepdims=True)
    return ctx_emb, W_t, W_c, probs


def loss(probs):
    """Summed sampled cross-entropy of the batch: -sum log probs[i, 0] (column 0 is the target)."""
    return float(-np.log(probs[:, 0]).sum())


def backward(contexts, targets, candidates, ctx_emb, W_t, W_c, probs):
    """Gradients of the summed sampled loss: dE (SparseRows), dW and db (SparseColumns).

    Only the candidates' and the targets' columns of W and b get a gradient.
    """
    dlogits = probs.copy()  # (B, 1 + U)   probs - one_hot(column 0)
    dlogits[:, 0] -= 1.0
    dz_t, dz_c = dlogits[:, 0], dlogits[:, 1:]  # (B,), (B, U)
    columns = np.concatenate([candidates, targets])  # (U + B,)   a repeated column accumulates
    dW = SparseColumns(columns, np.concatenate([(ctx_emb.T @ dz_c).T, ctx_emb * dz_t[:, None]]))  # (U + B, d)
    db = SparseColumns(columns, np.concatenate([dz_c.sum(axis=0), dz_t]))  # (U + B,)
    dctx_emb = dz_c @ W_c.T + dz_t[:, None] * W_t  # (B, d)   dlogits @ the used columns of W, transposed
    # The mean hands 1/n of dctx_emb to each of an example's n context rows.
    dE = SparseRows(contexts, (dctx_emb / contexts.shape[1])[:, None, :])  # rows (B, n), values (B, 1, d)
    return dE, dW, db


def step(model, optimizer, sampler, contexts, targets, lr, rng, shift=None):
    """One update with sampled softmax on a batch; returns the batch's summed sampled loss.

    All randomness comes from `rng` (the epoch's generator), so a resumed run draws the same
    candidates as an uninterrupted one. `shift` (V,), added to b while training, tells the softmax
    that frequent targets were thinned (`tlm/subsampling.py`).
    """
    candidates, log_pi = sampler.draw(rng)
    b = model.b if shift is None else model.b + shift
    ctx_emb, W_t, W_c, probs = forward(model.E, model.W, b, contexts, targets, candidates, log_pi)
    batch_loss = loss(probs)
    dE, dW, db = backward(contexts, targets, candidates, ctx_emb, W_t, W_c, probs)
    optimizer.update({"E": model.E, "W": model.W, "b": model.b}, {"E": dE, "W": dW, "b": db}, lr, len(targets))
    return batch_loss
