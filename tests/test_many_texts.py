"""Training on more text: several texts at once (no example spans two, each text's tail held out),
and --min-count folding rare words into <unk>."""

import io
import json
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CHUCK, assert_clean_error, needs_gutenberg
from tlm import corpus, persistence, training
from tlm.cli import main
from tlm.model import TinyLanguageModel
from tlm.vocabulary import UNK


@pytest.fixture
def two_texts(tmp_path):
    """8 and 4 tokens, no word in common, each ending with words it has already used."""
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("a b c d e f a b\n")
    b.write_text("p q r p\n")
    return a, b


def test_no_example_spans_two_texts_and_each_text_keeps_its_tail(two_texts, tmp_path, run):
    a, b = two_texts
    path = tmp_path / "m.json"
    code, out, err = run(main, "train", "--filepath", a, "--filepath", b, "--context-window", "1",
                         "--val-fraction", "0.25", "--epochs", "1", "--output", path)
    assert code == 0, err
    # The first line: texts, training tokens (6 of a, 3 of b), vocabulary, parameters.
    assert out.splitlines()[0].startswith(f"Training on 2 texts ({a}, ...): 9 tokens, 9 words, 585 parameters")
    model = persistence.load(path)
    assert model.vocab == list("abcdefpqr")
    examples = training.examples_of(model, [list("abcdef"), list("pqr")])
    pairs = {(model.vocab[c[0]], model.vocab[t]) for c, t in zip(examples.contexts, examples.targets)}
    assert ("f", "p") not in pairs and len(pairs) == 7
    # The held-out part is the tail of each text: a's "a b" gives one window, b's "p" none, and
    # none spans the two tails (b -> p).
    code, out, err = run(main, "eval", "--model", path, "--filepath", a, "--filepath", b, "--val-fraction", "0.25",
                         "--json")
    held = json.loads(out)["held_out"]
    assert (held["tokens"], held["predicted"], held["unknown_tokens"]) == (3, 1, 0)


def test_count_model_counts_each_text_apart(two_texts, tmp_path, run):
    a, b = two_texts
    path = tmp_path / "c.json"
    assert run(main, "train", "--kind", "counts", "--filepath", a, "--filepath", b, "--context-window", "1",
               "--output", path)[0] == 0
    model = persistence.load(path)
    last, first = model.index("b"), model.index("p")  # a ends with b, b begins with p
    assert first not in model.tables[1][(last,)]


@needs_gutenberg
def test_repeated_gutenberg_and_filepath(tmp_path, run):
    path = tmp_path / "m.json"
    code, out, err = run(main, "train", "--filepath", CHUCK, "--gutenberg", "blake-poems", "-t", "lower", "-t", "alpha",
                         "--min-count", "3", "--epochs", "1", "--output", path)
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith(f"Training on 2 texts ({CHUCK}, ...): 6,") and "incl. <unk> for" in first


@needs_gutenberg
def test_gutenberg_all_is_every_text():
    texts = list(corpus.read_texts((), [corpus.ALL_GUTENBERG]))
    assert [name for name, _ in texts] == corpus.gutenberg_ids() and len(texts) == 15


# ---- --min-count and <unk> ------------------------------------------------------------------------

@pytest.fixture
def folded(tmp_path, run):
    """chuck.txt with --min-count 3: the words seen once or twice ('if', 'how', ...) fold into <unk>."""
    path = tmp_path / "folded.json"
    code, out, err = run(main, "train", "--filepath", CHUCK, "--min-count", "3", "--epochs", "2", "--output", path)
    assert code == 0, err
    return path, out


def test_min_count_folds_rare_words(folded):
    path, out = folded
    model = persistence.load(path)
    words = open(CHUCK).read().split()
    counts = {w: words.count(w) for w in set(words)}
    assert set(model.vocab) == {w for w, c in counts.items() if c >= 3} | {UNK}
    assert model.vocabulary.folded == {w: c for w, c in counts.items() if c < 3}  # with how often each was seen
    assert f"incl. <unk> for {len(model.vocabulary.folded)} rare words" in out.splitlines()[0]
    # Every position is still predicted: the folded words' windows read as <unk>.
    assert model.word_counts.sum() == len(words) and model.word_counts[model.vocabulary.unk] > 0


@pytest.mark.parametrize("kind", ["embedding", "counts"])
def test_min_count_folding_every_word_is_refused(tmp_path, run, kind):
    code, _, err = run(main, "train", "--kind", kind, "--filepath", CHUCK, "--min-count", "100",
                       "--output", tmp_path / "m.json")
    assert_clean_error(code, err, "tlm", "fewer than 100 times", "seen 8 times")
    assert not (tmp_path / "m.json").exists()


def test_default_min_count_keeps_the_lab_vocabulary(chuck_words):
    model = TinyLanguageModel()
    model.build(chuck_words)
    assert len(model.vocab) == 11 and model.vocabulary.unk is None


@pytest.mark.parametrize("argv", [["similar", "if"], ["similarity", "if", "wood"]])
def test_similar_on_a_folded_word_says_how_often_it_was_seen(folded, run, argv):
    assert_clean_error(*run(main, *argv, "--model", folded[0])[::2], "tlm",
                       "word 'if' was seen 2 times in the training text; --min-count 3 folded it into <unk>")


def test_shell_on_a_folded_word_says_it_was_folded(folded, run, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("model.most_similar('if')\n"))
    code, out, err = run(main, "generate", "--model", folded[0], "--length", "1", "--interact")
    assert code == 0
    assert "'if' was seen 2 times in the training text" in err
    assert "'<unk>'" not in err.split("Try:")[1]  # the hint shows real words


def unk_heavy_model():
    """A model whose most likely next token is nearly always <unk>: most words are seen once."""
    words = []
    for i in range(150):
        words += ["the", f"rare{i}", f"other{i}"]
    model = TinyLanguageModel(n=1, embedding_dim=8, min_count=2)
    model.train(words, epochs=3, lr=0.5)
    return model


UNK_MODEL = unk_heavy_model()


@settings(max_examples=25, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), temperature=st.floats(0.05, 5), top_k=st.one_of(st.none(), st.integers(1, 3)))
def test_generation_never_emits_unk(seed, temperature, top_k):
    assert UNK_MODEL.predict(["the"]).argmax() == UNK_MODEL.vocabulary.unk
    tokens = UNK_MODEL.generate(30, prompt="the rare7", temperature=temperature, top_k=top_k,
                                rng=np.random.default_rng(seed))
    assert UNK not in tokens[2:] and len(tokens) == 32


def test_generate_cli_never_emits_unk(tmp_path, run):
    path = tmp_path / "unk.json"
    persistence.save(UNK_MODEL, path)
    code, out, err = run(main, "generate", "--model", path, "--length", "200", "--seed", "0", "--top-k", "1")
    assert code == 0 and UNK not in out and len(out.split()) == 200


