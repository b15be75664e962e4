"""Promise 4 of docs/robustness.md: a mistake a person makes gets one line on stderr and a non-zero
exit, never a traceback. One class of mistake per test: numbers, empty strings, words, options that
do not apply, files that are missing, folders, damaged or foreign, and paths with line breaks."""

import gzip
import json
import shutil
import signal

import numpy as np
import pytest
from gensim.test.utils import datapath

from tests.conftest import CHUCK, SHARED_NLTK, assert_clean_error, command, needs_gutenberg, sh
from tlm.cli import main as tlm
from wp.cli import main as wp

GLOVE = datapath("test_glove.txt")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("trained") / "m.json"
    assert tlm(["train", "--filepath", str(CHUCK), "--output", str(path)]) == 0
    return path


@pytest.fixture
def model(trained, tmp_path):
    """A fresh copy of a model trained on chuck.txt."""
    return shutil.copy(trained, tmp_path / "m.json")


# ---- numbers: finite, in range, the option named, exit status 2 ------------------------------------

@pytest.mark.parametrize("argv, option", [
    (["generate", "--temperature", "nan"], "--temperature"),
    (["generate", "--temperature", "0"], "--temperature"),
    (["generate", "--length", "-1"], "--length"),
    (["generate", "--top-k", "0"], "--top-k"),
    (["generate", "--seed", "-1"], "--seed"),
    (["train", "--lr", "nan"], "--lr"),
    (["train", "--lr", "1e400"], "--lr"),
    (["train", "--epochs", "1e3"], "--epochs"),
    (["train", "--epochs", "9" * 5000], "--epochs"),
    (["train", "--embedding-dim", "1000000000"], "--embedding-dim"),
    (["train", "--kind", "counts", "--add-k", "inf"], "--add-k"),
    (["train", "--val-fraction", "1.5"], "--val-fraction"),
    (["eval", "--val-fraction", "nan"], "--val-fraction"),
    (["predict", "how", "-k", "0"], "-k"),
    (["similar", "wood", "-n", "nan"], "-n"),
])
def test_tlm_bad_numbers_name_the_option(run, model, tmp_path, argv, option):
    output = ["--output", tmp_path / "new.json"] if argv[0] == "train" else ["--model", model]
    code, out, err = run(tlm, *argv, *output)
    assert code == 2 and out == ""
    assert_clean_error(code, err, "tlm", f"argument {option}")
    assert not (tmp_path / "new.json").exists()


@pytest.mark.parametrize("argv, option", [
    (["similar", "he", "-n", "-3"], "-n"),
    (["similar", "he", "--restrict", "0"], "--restrict"),
    (["analogy", "he", "his", "she", "-n", "inf"], "-n"),
    (["eval", "--restrict", "-5"], "--restrict"),
    (["repl", "-n", "0"], "-n"),
])
def test_wp_bad_numbers_name_the_option(run, argv, option):
    code, _, err = run(wp, "--model", GLOVE, *argv)
    assert code == 2
    assert_clean_error(code, err, "wp", f"argument {option}")


@pytest.mark.parametrize("argv", [["train", "--gutenberg", ""], ["train", "--filepath", ""], ["train", "--output", ""],
                                  ["generate", "--model", ""], ["generate", "--prompt", ""]])
def test_empty_strings_are_not_absent(run, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.json").write_text("keep me")
    assert_clean_error(*run(tlm, *argv)[::2], "tlm", "must not be empty")
    assert (tmp_path / "model.json").read_text() == "keep me"


def test_an_empty_word(run):
    assert_clean_error(*run(wp, "--model", GLOVE, "similarity", "", "he")[::2], "wp", "must not be empty")


# ---- words ------------------------------------------------------------------------------------------

def test_an_unknown_word_suggests_close_spellings(run):
    assert_clean_error(*run(wp, "--model", GLOVE, "similar", "thee")[::2], "wp", "'thee'", "did you mean", "'the'")


def test_the_same_word_in_other_case_is_suggested_first(run):
    assert_clean_error(*run(wp, "--model", GLOVE, "similarity", "He", "she")[::2], "wp", "did you mean 'he'")


def test_an_unknown_word_in_every_query(run, tmp_path):
    for argv in (["similarity", "he", "zzz"], ["analogy", "he", "zzz", "she"], ["odd-one-out", "he", "she", "zzz"],
                 ["vector", "zzz"], ["plot", "he", "zzz", "--output", tmp_path / "x.png"]):
        assert_clean_error(*run(wp, "--model", GLOVE, *argv)[::2], "wp", "'zzz'")


def test_questions_without_an_answer(run, tmp_path):
    vectors = tmp_path / "three.txt"
    vectors.write_text("a 0.1 0.2\nb 0.2 0.1\nc 0.3 0.3\n")
    assert_clean_error(*run(wp, "--model", vectors, "plot", "--analogy", "a", "b", "c", "--output",
                            tmp_path / "x.png")[::2], "wp", "has no answer")
    assert_clean_error(*run(wp, "--model", vectors, "similar", "a", "b", "c")[::2], "wp", "has no answer")
    assert_clean_error(*run(wp, "--model", vectors, "odd-one-out", "a", "b")[::2], "wp", "at least 3")


def test_predict_needs_a_context(run, model):
    assert_clean_error(*run(tlm, "predict", "--model", model, "   ")[::2], "tlm")


# ---- options that do not apply ---------------------------------------------------------------------

@pytest.mark.parametrize("argv, needle", [
    (["--kind", "counts", "--lr", "0.1"], "--lr"),
    (["--kind", "counts", "--epochs", "3", "--embedding-dim", "8"], "--epochs, --embedding-dim"),
    (["--add-k", "0.5"], "--add-k"),
    (["--samples", "10"], "--loss sampled"),
])
def test_options_that_do_not_apply_are_refused(run, tmp_path, argv, needle):
    code, _, err = run(tlm, "train", "--filepath", CHUCK, *argv, "--output", tmp_path / "m.json")
    assert_clean_error(code, err, "tlm", needle)
    assert not (tmp_path / "m.json").exists()


# ---- files that cannot be used ---------------------------------------------------------------------

def test_a_missing_file(run, tmp_path):
    assert_clean_error(*run(wp, "--model", tmp_path / "none.txt", "similar", "he")[::2], "wp", "none.txt")
    assert_clean_error(*run(tlm, "generate", "--model", tmp_path / "none.json")[::2], "tlm", "none.json")
    assert_clean_error(*run(tlm, "train", "--filepath", tmp_path / "none.txt", "--output", tmp_path / "m.json")[::2],
                       "tlm", "none.txt")


def test_a_folder_or_a_device_instead_of_a_file(run, tmp_path):
    for path in (tmp_path, "/dev/null"):
        assert_clean_error(*run(tlm, "train", "--filepath", path, "--output", tmp_path / "m.json")[::2], "tlm",
                           "not a regular file" if path == "/dev/null" else "a directory")
        assert_clean_error(*run(wp, "--model", path, "similar", "he")[::2], "wp", str(path))


def test_a_corpus_that_is_not_utf8(run, tmp_path):
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    assert_clean_error(*run(tlm, "train", "--filepath", tmp_path / "latin1.txt", "--output", tmp_path / "m.json")[::2],
                       "tlm", "not UTF-8")


@pytest.mark.parametrize("content, needle", [
    ("3 50\nhe " + " ".join(["0.1"] * 50) + "\n", "header"),
    ("he " + " ".join(["nan"] * 50) + "\n", "NaN"),
    ("he 0.1 0.2\nshe 0.3\n", "line 2"),
    ("he 0.1 zero\n", "line 1"),
    ("\x00\x01\x02garbage", "v.txt"),
])
def test_damaged_vector_files(tmp_path, run, content, needle):
    path = tmp_path / "v.txt"
    path.write_text(content)
    assert_clean_error(*run(wp, "--model", path, "similar", "he")[::2], "wp", needle)


def test_binary_vectors_must_match_their_header(tmp_path, run):
    path = tmp_path / "v.bin"
    row = b"he " + np.ones(2, dtype="<f4").tobytes()
    path.write_bytes(b"2 2\n" + row)
    assert_clean_error(*run(wp, "--model", path, "similar", "he")[::2], "wp", "v.bin")
    path.write_bytes(b"1 2\n" + row + b"\n" + row)
    assert_clean_error(*run(wp, "--model", path, "similar", "he")[::2], "wp", "v.bin")


def test_damaged_gzip_vector_files(run, tmp_path):
    good = gzip.compress(open(GLOVE, "rb").read())
    (tmp_path / "cut.txt.gz").write_bytes(good[: len(good) // 2])
    (tmp_path / "fake.bin.gz").write_bytes(b"2 2\nnot gzip at all")
    for name in ("cut.txt.gz", "fake.bin.gz"):
        assert_clean_error(*run(wp, "--model", tmp_path / name, "similar", "he")[::2], "wp", name)


def test_an_unknown_model_name_lists_the_known_ones(run):
    assert_clean_error(*run(wp, "--model", "glove-wiki-gigaword-999", "similar", "he")[::2], "wp",
                       "glove-wiki-gigaword-999", "glove-wiki-gigaword-100")
    assert_clean_error(*run(wp, "--model", "a" * 300, "similar", "he")[::2], "wp")


def test_a_json_file_that_is_no_model(run, tmp_path):
    (tmp_path / "x.json").write_text('{"a": 1}')
    assert_clean_error(*run(wp, "--model", tmp_path / "x.json", "similar", "he")[::2], "wp", "x.json")
    assert_clean_error(*run(tlm, "generate", "--model", tmp_path / "x.json")[::2], "tlm", "x.json")


def test_a_count_model_has_no_word_vectors(run, tmp_path):
    assert run(tlm, "train", "--kind", "counts", "--filepath", CHUCK, "--output", tmp_path / "c.json")[0] == 0
    assert_clean_error(*run(wp, "--model", tmp_path / "c.json", "similar", "wood")[::2], "wp", "c.json")


def edited(model, change):
    doc = json.loads(model.read_text())
    change(doc)
    model.write_text(json.dumps(doc).replace('"BIG"', "1" + "0" * 400))
    return model


def encoded(value):
    import base64

    array = np.asarray(value, dtype="<f4")
    return {"dtype": "float32", "shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode()}


@pytest.mark.parametrize("change", [
    lambda d: d["history"].update(loss=["BIG"]),
    lambda d: d["params"].update(E=encoded(np.full((11, 32), 3e38))),
    lambda d: d["params"].update(b=encoded(np.linspace(-3e38, 3e38, 11))),
    lambda d: d.update(vocab=[], word_counts=[], params={"E": encoded(np.zeros((0, 32))),
                                                         "W": encoded(np.zeros((32, 0))), "b": encoded(np.zeros(0))}),
    lambda d: d["vocab"].__setitem__(9, "wo\nod"),
    lambda d: d["vocab"].__setitem__(9, "\udcff"),  # JSON can spell half a surrogate pair
    lambda d: d["training"].update(samples=12),
    lambda d: d.update(version=2.0),
    lambda d: d.update(folded=["wood"]),
    lambda d: d.update(folded=["zebra"], folded_counts=[]),
    lambda d: d.update(folded=["zebra"], folded_counts=[1]),  # trained with --min-count 1: nothing is that rare
], ids=["huge-loss", "huge-E", "huge-b", "empty-vocab", "line-break-word", "surrogate-word", "samples",
        "float-version", "folded", "folded-counts-missing", "folded-count-not-rare"])
@pytest.mark.parametrize("argv", [["tlm", "generate"], ["tlm", "predict", "how"], ["wp", "similar", "wood"]])
def test_extreme_model_files_are_one_line_naming_the_file(run, model, change, argv):
    path = edited(model, change)
    if argv[0] == "tlm":
        code, _, err = run(tlm, argv[1], "--model", path, *argv[2:])
    else:
        code, _, err = run(wp, "--model", path, *argv[1:])
    assert_clean_error(code, err, argv[0], path.name)


@pytest.mark.slow
@needs_gutenberg
def test_a_damaged_gutenberg_archive(tmp_path):
    import zipfile

    raw = bytearray((SHARED_NLTK / "corpora" / "gutenberg.zip").read_bytes())
    with zipfile.ZipFile(SHARED_NLTK / "corpora" / "gutenberg.zip") as archive:
        info = archive.getinfo("gutenberg/blake-poems.txt")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    raw[start:start + 64] = bytes(64)  # the middle of the compressed text
    for data in (bytes(raw), b"PK\x03\x04 not really a zip"):
        (tmp_path / "nltk" / "corpora").mkdir(parents=True, exist_ok=True)
        (tmp_path / "nltk" / "corpora" / "gutenberg.zip").write_bytes(data)
        result = sh(f"'{command('tlm')}' train --gutenberg blake-poems.txt --output m.json", tmp_path,
                    env={"NLTK_DATA": str(tmp_path / "nltk")})
        assert_clean_error(result.returncode, result.stderr, "tlm", "Gutenberg")
        assert not (tmp_path / "m.json").exists()


def test_word2vec_text_is_not_named_binary(run, model, tmp_path):
    assert_clean_error(*run(tlm, "export", "--model", model, "--format", "word2vec", "--output",
                            tmp_path / "m.bin")[::2], "tlm", ".bin")


# ---- the line stays one line -----------------------------------------------------------------------

def test_paths_with_line_breaks_are_shown_escaped(run, tmp_path):
    code, _, err = run(tlm, "train", "--filepath", "no\nsuch.txt", "--output", tmp_path / "m.json")
    assert_clean_error(code, err, "tlm", "no\\nsuch.txt")
    code, _, err = run(tlm, "plot", "--model", "no\nmodel.json", "--output", tmp_path / "bad\nname.gif")
    assert_clean_error(code, err, "tlm", "\\n")


def test_a_word_with_a_line_separator_stays_on_its_line(run, tmp_path):
    vectors = tmp_path / "v.txt"
    vectors.write_text("a\u2028b 0.1 0.2\nc 0.2 0.1\nd 0.3 0.3\n")
    code, out, _ = run(wp, "--model", vectors, "similar", "c")
    assert code == 0 and len(out.splitlines()) == 2 and "a\\u2028b" in out


@pytest.mark.slow
def test_ctrl_c_while_starting_up_is_quiet(tmp_path):
    import time

    from tests.conftest import random_text, start

    text = random_text(tmp_path / "text.txt")
    for delay in (0.15, 0.3):  # inside the imports (numpy alone takes 0.3 s here), or just after
        process = start("tlm", "train", "--filepath", text, "--epochs", 50, "--output", tmp_path / "m.json")
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.slow
@pytest.mark.parametrize("signum, status, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_a_burst_of_signals_while_working_gives_one_line(tmp_path, signum, status, word):
    # `timeout` or a terminal signal the whole group and `uv run` forwards one more: the signals after the
    # first must not interrupt the cleanup it started (a traceback) or say it again.
    import os
    import time

    from tests.conftest import start

    process = start("tlm", "train", "--kind", "counts", "--gutenberg", "all", "--output", tmp_path / "m.json")
    time.sleep(2)  # reading and counting the texts, past the start-up
    for _ in range(100):
        os.killpg(process.pid, signum)
        time.sleep(0.002)
    _, err = process.communicate(timeout=60)
    assert process.returncode == status and err.splitlines() == [f"tlm: {word}"], err
    assert not (tmp_path / "m.json").exists()
