"""`vectors.benchmarks.agreement`: how two models' cosine similarities agree over frequent shared words."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vectors.benchmarks import agreement
from vectors.word_vectors import WordVectors

WORDS = [f"w{i}" for i in range(12)]


@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 6))
def test_a_rotated_and_scaled_copy_agrees_perfectly(seed, d):
    """Cosines ignore rotations and each word's length: the same arrangement in other coordinates scores 1."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((len(WORDS), d))
    rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lengths = rng.uniform(0.5, 3, (len(WORDS), 1))
    result = agreement(WordVectors(WORDS, vectors), WordVectors(WORDS, lengths * vectors @ rotation), WORDS)
    assert result.words == len(WORDS) and math.isclose(result.spearman, 1.0)


def test_unrelated_vectors_barely_agree_and_only_shared_frequent_words_count():
    rng = np.random.default_rng(0)
    ours = WordVectors(WORDS, rng.standard_normal((12, 4)))
    # The reference lacks w0 and w1 and holds other words; its vectors are unrelated to ours.
    reference = WordVectors(WORDS[2:] + ["x", "y"], rng.standard_normal((12, 4)))
    result = agreement(ours, reference, WORDS + ["x"], top=8)
    assert result.words == 8  # w2..w9: the first 8 shared words, most frequent first
    assert abs(result.spearman) < 0.5
    assert math.isnan(agreement(ours, reference, ["w0", "w2", "w3"]).spearman)  # 2 shared words: no pairs to rank



def test_a_slightly_perturbed_copy_agrees_almost_perfectly():
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((len(WORDS), 5))
    noisy = vectors + 0.1 * rng.standard_normal(vectors.shape)
    rho = agreement(WordVectors(WORDS, vectors), WordVectors(WORDS, noisy), WORDS).spearman
    assert 0.9 < rho < 1.0
