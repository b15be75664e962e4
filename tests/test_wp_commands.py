"""What `wp` prints, through its entry point on gensim's tiny GloVe fixture (76 words x 50d), checked
against gensim: every query, every file format, the benchmarks and the offline fallback. Tests
marked `glove` use the real 400k-word GloVe 6B 50d and can be deselected with -m 'not glove'.
Errors are tests/test_errors_are_one_line.py's."""

import json
import socket
import sys
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.test.utils import datapath

from tests.conftest import CHUCK
from vectors import benchmarks, queries
from vectors.formats import FILE_FORMATS, detect_format
from wp import models
from wp.cli import main

FIXTURE = datapath("test_glove.txt")


@pytest.fixture(scope="session")
def fixture_kv():
    return KeyedVectors.load_word2vec_format(FIXTURE, no_header=True)


def wp(run, *argv):
    return run(main, "--model", FIXTURE, *argv)


def test_similar_prints_word_and_cosine(run, fixture_kv):
    code, out, err = wp(run, "similar", "he", "-n", "3")
    assert code == 0, err
    lines = out.splitlines()
    expected = fixture_kv.most_similar("he", topn=3)
    assert [line.split()[0] for line in lines] == [w for w, _ in expected]
    assert [line.split()[1] for line in lines] == [f"{c:.4f}" for _, c in expected]


def test_similar_of_several_words_uses_their_mean(run, fixture_kv):
    code, out, _ = wp(run, "similar", "he", "she", "-n", "2", "--json")
    assert code == 0
    got = json.loads(out)
    expected = fixture_kv.most_similar(positive=["he", "she"], topn=2)
    assert [g["word"] for g in got] == [w for w, _ in expected]
    assert not {"he", "she"} & {g["word"] for g in got}


def test_model_option_after_the_subcommand_and_from_the_environment(run, monkeypatch):
    assert run(main, "similarity", "he", "she", "--model", FIXTURE)[0] == 0
    monkeypatch.setenv("WP_MODEL", FIXTURE)
    code, out, _ = run(main, "similarity", "he", "she")
    assert code == 0 and out.strip() == wp(run, "similarity", "he", "she")[1].strip()


def test_similarity(run, fixture_kv):
    code, out, _ = wp(run, "similarity", "he", "she")
    assert out.strip() == f"{fixture_kv.similarity('he', 'she'):.4f}"
    assert json.loads(wp(run, "similarity", "he", "she", "--json")[1])["cosine"] == pytest.approx(
        float(fixture_kv.similarity("he", "she")), abs=1e-6)


@pytest.mark.parametrize("method", ["add", "mul"])
def test_analogy_excludes_input_words_and_says_so(run, fixture_kv, method):
    code, out, err = wp(run, "analogy", "he", "his", "she", "-n", "3", "--method", method, "--json")
    assert code == 0
    answers = [a["word"] for a in json.loads(out)["answers"]]
    how = fixture_kv.most_similar if method == "add" else fixture_kv.most_similar_cosmul
    assert answers == [w for w, _ in how(positive=["his", "she"], negative=["he"], topn=3)]
    assert not {"he", "his", "she"} & set(answers)
    assert "excluded" in err


def test_odd_one_out(run, fixture_kv):
    words = ["he", "she", "his", "percent"]
    code, out, _ = wp(run, "odd-one-out", *words)
    assert code == 0 and out.strip() == fixture_kv.doesnt_match(words)


def test_vector(run, fixture_kv):
    code, out, _ = wp(run, "vector", "the")
    np.testing.assert_allclose([float(x) for x in out.split()], fixture_kv["the"], atol=1e-6)
    assert len(json.loads(wp(run, "vector", "the", "--json")[1])["vector"]) == 50


@pytest.mark.slow  # matplotlib starts in seconds
def test_plot_writes_a_png(run, tmp_path):
    path = tmp_path / "words.png"
    code, out, err = wp(run, "plot", "he", "she", "his", "her", "people", "--output", path, "--analogy", "he", "his", "she")
    assert code == 0, err
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_eval_on_the_fixture(run):
    code, out, err = wp(run, "eval", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert {p["name"] for p in result["pairs"]} == {"WordSim353", "SimLex-999"}
    assert result["analogies"]["skipped"] > 19000  # a 76-word model answers almost nothing


def test_repl_reads_queries_until_eof(run, monkeypatch, fixture_kv):
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("he ~ she\nhe - his + her\nnotaword\nshe\n"))
    code, out, err = wp(run, "repl", "-n", "2")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{fixture_kv.similarity('he', 'she'):.4f}"
    assert lines[1].split()[0] == fixture_kv.most_similar(positive=["he", "her"], negative=["his"], topn=1)[0][0]
    assert "'notaword' is not in the vocabulary" in err
    assert len(lines) == 5  # 1 + 2 + (error on stderr) + 2


def test_shell_with_piped_input(run, monkeypatch):
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("print(len(model), model.vector_size)\n"))
    code, out, err = wp(run, "shell")
    assert code == 0 and "76 50" in out.splitlines()


@pytest.mark.parametrize("expression, parsed", [
    ("king", ("similar", ["king"], [])),
    ("king - man + woman", ("similar", ["king", "woman"], ["man"])),
    ("cat ~ dog", ("similarity", "cat", "dog")),
])
def test_parse_expression(expression, parsed):
    assert queries.parse_expression(expression) == parsed


@pytest.mark.parametrize("bad", ["cat ~", "~ dog", "a b ~ c", "king queen", "- man"])
def test_parse_expression_rejects(bad):
    from edge.errors import UserError

    with pytest.raises(UserError):
        queries.parse_expression(bad)


# ---- file formats and the cache ----------------------------------------------------------------

@pytest.fixture
def model_files(tmp_path, fixture_kv, run):
    from tlm.cli import main as tlm_main

    files = {"glove": FIXTURE}
    fixture_kv.save(str(tmp_path / "m.kv"))
    files["kv"] = tmp_path / "m.kv"  # a pickle: needs --allow-pickle
    fixture_kv.save_word2vec_format(str(tmp_path / "m.txt"))
    files["word2vec"] = tmp_path / "m.txt"
    fixture_kv.save_word2vec_format(str(tmp_path / "m.bin"), binary=True)
    files["word2vec-binary"] = tmp_path / "m.bin"
    assert run(tlm_main, "train", "--filepath", CHUCK, "--output", tmp_path / "chuck.json")[0] == 0
    files["tlm"] = tmp_path / "chuck.json"
    return files


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_every_file_format(model_files, fmt, run, fixture_kv):
    path = model_files[fmt]
    assert detect_format(Path(path)) == fmt
    word = "wood" if fmt == "tlm" else "he"
    options = {"kv": ["--allow-pickle"], "tlm": ["--vectors", "E"]}.get(fmt, [])
    shown = ["--min-count", "1"] if fmt == "tlm" else []  # chuck.txt's words are seen once or twice
    code, out, err = run(main, "--model", path, *options, "similar", word, "-n", "2", *shown)
    assert code == 0, err
    if fmt == "tlm":
        from tlm import persistence

        expected = persistence.load(path).most_similar("wood", topn=2)
    else:
        expected = fixture_kv.most_similar("he", topn=2)
    assert [line.split()[0] for line in out.splitlines()] == [w for w, _ in expected]


# ---- benchmarks against gensim's own evaluation ------------------------------------------------

@pytest.mark.parametrize("name", list(benchmarks.PAIR_SETS))
def test_pair_benchmark_matches_gensim(name):
    """Vectors for the words of the first 40 pairs of the set: both implementations cover the same pairs
    (at least those 40) and agree on Spearman's rho."""
    from vectors.word_vectors import WordVectors

    pairs = benchmarks.read_pairs(datapath(benchmarks.PAIR_SETS[name]))
    words = sorted({w for a, b, _ in pairs[:40] for w in (a, b)})
    vectors = np.random.default_rng(0).standard_normal((len(words), 8)).astype(np.float32)
    kv = KeyedVectors(8)
    kv.add_vectors(words, vectors)
    ours = benchmarks.word_pairs(WordVectors(words, vectors), name)
    expected_covered = sum(1 for a, b, _ in pairs if a in words and b in words)
    assert ours.covered == expected_covered >= 40 and ours.total == len(pairs)
    _, spearman, oov = kv.evaluate_word_pairs(datapath(benchmarks.PAIR_SETS[name]))
    assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-6)
    assert 100 * ours.oov_share == pytest.approx(oov)


def test_analogy_benchmark_matches_gensim_on_mixed_case():
    """Words of the 'family' section, each also in capitals with a vector close to its own: gensim
    skips the nearest words that spell a question word in other case and takes any spelling of the
    expected word, and so must we."""
    from vectors.word_vectors import WordVectors

    family = dict(benchmarks.read_analogies(datapath("questions-words.txt")))["family"]
    lower = sorted({w.lower() for q in family for w in q})
    rng = np.random.default_rng(0)
    base = rng.standard_normal((len(lower), 8))
    words = lower + [w.capitalize() for w in lower[::2]]
    vectors = np.vstack([base, base[::2] + 0.05 * rng.standard_normal((len(lower[::2]), 8))]).astype(np.float32)
    ours = benchmarks.analogies(WordVectors(words, vectors))
    kv = KeyedVectors(8)
    kv.add_vectors(words, vectors)
    score, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"))
    total = sections[-1]
    assert ours.answered == len(total["correct"]) + len(total["incorrect"]) == len(family)
    assert ours.correct == len(total["correct"]) > 0


@pytest.mark.slow
@pytest.mark.glove
def test_glove_known_answers(glove):
    assert len(glove) == 400_000 and glove.dim == 50
    assert queries.analogy(glove, "man", "king", "woman", n=1)[0][0] == "queen"
    assert queries.similarity(glove, "cat", "dog") > queries.similarity(glove, "cat", "democracy")
    assert queries.odd_one_out(glove, ["breakfast", "lunch", "dinner", "car"]) == "car"
    assert glove.words[:3] == ["the", ",", "."]
    np.testing.assert_allclose(glove["the"][:3], [0.418, 0.24968, -0.41242], rtol=1e-6)


@pytest.mark.slow
@pytest.mark.glove
def test_glove_analogy_benchmark_matches_gensim(glove):
    ours = benchmarks.analogies(glove, restrict=3000)
    kv = glove.to_keyed_vectors()
    score, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"), restrict_vocab=3000)
    assert ours.accuracy == pytest.approx(score)
    total = sections[-1]
    assert ours.correct == len(total["correct"]) and ours.answered == len(total["correct"]) + len(total["incorrect"])


@pytest.mark.slow
@pytest.mark.glove
def test_default_model_falls_back_offline_with_a_note(run, monkeypatch, tmp_path, glove):
    """No gensim-data cache and no network: the default becomes the installed GloVe 50d."""
    import gensim.downloader

    def no_network(*args, **kwargs):
        raise OSError("network is unreachable (simulated)")

    monkeypatch.setattr(gensim.downloader, "BASE_DIR", str(tmp_path / "gensim-data"))
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(models, "gensim_data_dir", lambda: tmp_path / "gensim-data")
    monkeypatch.setattr(models, "load_named", lambda name, real=models.load_named:
                        models.Loaded(glove, name) if name == models.OFFLINE_MODEL else real(name))
    code, out, err = run(main, "similar", "king", "-n", "1")
    assert code == 0
    assert out.split()[0] == "prince"
    assert err.strip() == ("wp: glove-wiki-gigaword-100 is not available offline; using glove-wiki-gigaword-50 "
                           "(GloVe 6B 50d, installed with tinylm)")
