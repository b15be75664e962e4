"""Sampling text from a trained model, one token at a time.

Works with any `tlm.base.LanguageModel` (through `predict`). The `<unk>` token, which stands for
many rare words, is never sampled. Leaves out training and files.
"""

import numpy as np

from tlm.tokenizer import tokens_of


def adjust(probs, temperature=1.0, top_k=None, banned=None):
    """Reshape a next-token distribution: (V,) -> (V,).

    temperature < 1 sharpens it (towards the most likely token), > 1 flattens it; top_k keeps only
    the k most likely tokens; `banned` (a row) gets probability 0. temperature > 0, top_k >= 1
    (the command and the server check what people type).
    """
    with np.errstate(divide="ignore", over="ignore"):  # log(0) = -inf: impossible tokens stay impossible
        logits = np.log(probs.astype(np.float64))
        if banned is not None and np.isfinite(np.delete(logits, banned)).any():
            logits[banned] = -np.inf
        # Shift first, so the best token's logit is 0 for any temperature (1e-300 included) and the
        # others go to -inf rather than inf - inf.
        logits = (logits - logits.max()) / temperature
    if top_k is not None and top_k < len(logits):
        cutoff = np.partition(logits, -top_k)[-top_k]
        logits[logits < cutoff] = -np.inf
    p = np.exp(logits)
    return p / p.sum()


def generate(model, length, prompt=None, temperature=1.0, top_k=None, rng=None):
    """Sample `length` tokens after `prompt`; returns the token list, prompt tokens included.

    The prompt is tokenized with the model's own transforms; a token outside the vocabulary reads
    as <unk> if the model has one, else raises `UnknownWordError`. Without a prompt the first
    token is drawn from the model's prediction for an empty context.
    """
    rng = rng if rng is not None else np.random.default_rng()
    tokens = tokens_of(prompt, model.config.transforms, "the prompt") if prompt is not None else []
    for token in tokens:
        model.vocabulary.lookup(token)
    for _ in range(length):
        p = adjust(model.predict(tokens[-model.n:]), temperature, top_k, banned=model.vocabulary.unk)
        tokens.append(model.vocab[rng.choice(len(p), p=p)])
    return tokens
