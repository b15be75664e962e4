"""Thinning frequent targets (`--subsample`, `tlm/subsampling.py`): epochs of one size that keep
each example with its own probability, a model that still fits the text as it is, exact resume, and
the plans that thin by default (large vocabularies with sampled softmax only)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CHUCK
from tlm import subsampling, training
from tlm.cli import main
from tlm.model import TinyLanguageModel


def test_keep_is_word2vecs_rule():
    counts = np.array([9000, 900, 90, 9, 1])  # shares 0.9, 0.09, ...
    keep = subsampling.keep_probabilities(counts, 1e-2)
    f = counts / counts.sum()
    np.testing.assert_allclose(keep[:2], np.sqrt(1e-2 / f[:2]) + 1e-2 / f[:2])
    assert (keep[2:] == 1).all()  # rarer than the threshold: always kept
    assert (subsampling.keep_probabilities(counts, 0) == 1).all()


@settings(max_examples=30, deadline=None, derandomize=True)
@given(M=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
def test_every_epoch_keeps_the_same_number_of_examples(M, seed):
    rng = np.random.default_rng(seed)
    keep = rng.random(M) ** 2
    size = subsampling.epoch_size(keep)
    assert size == max(1, int(keep.sum()))
    for _ in range(5):
        order = rng.permutation(M)
        kept = subsampling.kept(order, keep, rng)
        assert len(kept) == size and len(set(kept)) == size
        assert (np.diff(np.flatnonzero(np.isin(order, kept))) > 0).all()  # in the epoch's order


def test_each_example_is_kept_with_its_own_probability():
    rng = np.random.default_rng(0)
    keep = np.array([1.0, 0.9, 0.5, 0.25, 0.1, 0.05, 1.0, 0.2])  # sums to 4.0: no scaling
    hits = np.zeros(len(keep))
    trials = 20_000
    for _ in range(trials):
        hits[subsampling.kept(rng.permutation(len(keep)), keep, rng)] += 1
    np.testing.assert_allclose(hits / trials, keep, atol=0.012)  # about 4 standard errors


def unigram_text(tokens=12_000, seed=0):
    """Words drawn independently: 'the' is 40% of them, nine others share the rest."""
    rng = np.random.default_rng(seed)
    words = ["the"] + [f"w{i}" for i in range(9)]
    return list(rng.choice(words, size=tokens, p=[0.4] + [0.6 / 9] * 9))


@pytest.mark.parametrize("loss", ["full", "sampled"])
def test_a_thinned_model_still_predicts_the_text_as_it_is(loss):
    """'the' is kept about one time in five, yet the model predicts it 40% of the time, as often as
    the text has it: the logits were told log keep while training. Without that it would say ~11%."""
    text = unigram_text()
    model = TinyLanguageModel(n=2, embedding_dim=4, seed=1)
    model.train(text, epochs=4, lr=0.05, loss=loss, samples=6 if loss == "sampled" else None, subsample=0.01)
    keep = subsampling.keep_probabilities(model.word_counts, 0.01)[model.vocab.index("the")]
    assert keep < 0.25
    contexts = training.examples_of(model, [unigram_text(seed=1)[:2000]]).contexts
    p_the = np.mean([model.predict([model.vocab[i] for i in c])[model.vocab.index("the")] for c in contexts[:300]])
    assert p_the == pytest.approx(0.4, abs=0.04)


def test_thinned_resume_is_exact():
    """4 epochs in one plan == 2 epochs, stop, resume: the same kept examples, identical arrays."""
    text = unigram_text(tokens=3000)
    plan = dict(epochs=4, lr=0.05, loss="sampled", samples=6, subsample=0.01)
    whole = TinyLanguageModel(seed=2)
    whole.train(text, **plan)

    parted = TinyLanguageModel(seed=2)
    batches = {"done": 0}

    def stop_after_two_epochs():
        batches["done"] += 1
        steps = -(-training.examples_per_epoch(parted, training.examples_of(parted, [text])) //
                  parted.training.batch_size)
        return batches["done"] > 2 * steps

    with pytest.raises(training.TrainingInterrupted):
        parted.train(text, should_stop=stop_after_two_epochs, **plan)
    assert parted.training.epochs_done == 2
    training.fit(parted, training.examples_of(parted, [text]))
    for k in "EWb":
        np.testing.assert_array_equal(getattr(parted, k), getattr(whole, k))
    assert parted.history == whole.history


def plan_for(words, **settings):
    model = TinyLanguageModel(embedding_dim=2)
    model.build(words)
    training.new_plan(model, training.examples_of(model, [words]), **settings)
    return model.training


def test_a_large_vocabulary_trains_sampled_and_thinned_by_default():
    V = training.MAX_FULL_SOFTMAX_WORDS + 1
    words = [f"w{i}" for i in range(V)] + ["the"] * V
    large = plan_for(words)
    assert (large.loss, large.subsample) == ("sampled", subsampling.DEFAULT_THRESHOLD)
    assert plan_for(words, subsample=0).subsample == 0
    assert plan_for(words, engine="reference").loss == "full"


def test_a_novel_keeps_the_labs_full_softmax_on_every_example():
    words = [f"w{i % 50}" for i in range(2000)]
    assert (plan_for(words).loss, plan_for(words).subsample) == ("full", 0)
    assert plan_for(words, loss="sampled").subsample == 0  # asked for: sampled, but no word is worth thinning


def test_the_training_line_says_how_many_examples_an_epoch_keeps(tmp_path, run):
    code, out, err = run(main, "train", "--filepath", CHUCK, "--subsample", "0.05", "--epochs", "1",
                         "--output", tmp_path / "m.json")
    assert code == 0, err
    assert "of 30 examples an epoch (--subsample 0.05)" in out.splitlines()[0]


def test_samples_need_a_sampled_plan_chosen_or_by_default(tmp_path, run):
    code, _, err = run(main, "train", "--filepath", CHUCK, "--samples", "4", "--output", tmp_path / "m.json")
    assert code == 1 and err.count("\n") == 1 and "full softmax (11 words" in err and "--loss sampled" in err
    V = training.MAX_FULL_SOFTMAX_WORDS + 1
    assert plan_for([f"w{i}" for i in range(V)], samples=64).samples == 64  # sampled by default: no --loss needed


def test_the_reference_loop_refuses_thinning(tmp_path, run):
    code, out, err = run(main, "train", "--filepath", CHUCK, "--reference", "--subsample", "0.01",
                         "--output", tmp_path / "m.json")
    assert code == 1 and err.count("\n") == 1 and "--subsample" in err
