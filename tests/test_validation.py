"""Every input validated, one class of mistake per test: numbers at the edge, sizes that cannot fit,
files that are damaged or hostile, the environment, empty strings, and character-level defaults."""

import os
import shutil
import subprocess
import zipfile

import numpy as np
import pytest
from gensim.test.utils import datapath

from tests.conftest import CHUCK, SHARED_NLTK, assert_clean_error, command, needs_gutenberg, random_text
from tlm import persistence
from tlm.cli import main as tlm
from wp.cli import main as wp

GLOVE = datapath("test_glove.txt")


@pytest.fixture
def model(tmp_path, run):
    path = tmp_path / "m.json"
    assert run(tlm, "train", "--filepath", CHUCK, "--output", path)[0] == 0
    return path


# ---- numbers: every numeric option is finite and in range, named in the message ------------------

@pytest.mark.parametrize("argv, option", [
    (["generate", "--temperature", "nan"], "--temperature"),
    (["generate", "--temperature", "0"], "--temperature"),
    (["generate", "--temperature", "-inf"], "--temperature"),
    (["generate", "--length", "-1"], "--length"),
    (["generate", "--top-k", "0"], "--top-k"),
    (["generate", "--seed", "-1"], "--seed"),
    (["train", "--seed", "-1"], "--seed"),
    (["train", "--lr", "nan"], "--lr"),
    (["train", "--lr", "1e400"], "--lr"),
    (["train", "--lr", "0"], "--lr"),
    (["train", "--epochs", "1e3"], "--epochs"),
    (["train", "--epochs", "9" * 5000], "--epochs"),
    (["train", "--embedding-dim", "1000000000"], "--embedding-dim"),
    (["train", "--context-window", "1000"], "--context-window"),
    (["train", "--kind", "counts", "--add-k", "inf"], "--add-k"),
    (["train", "--kind", "counts", "--add-k", "0"], "--add-k"),
    (["train", "--kind", "counts", "--add-k", "5e-324"], "--add-k"),  # an unseen token's probability would be 0
    (["train", "--val-fraction", "1.5"], "--val-fraction"),
    (["train", "--val-fraction", "nan"], "--val-fraction"),
    (["train", "--min-count", "0"], "--min-count"),
    (["eval", "--val-fraction", "1.5"], "--val-fraction"),
    (["eval", "--val-fraction", "nan"], "--val-fraction"),
    (["predict", "how", "-k", "0"], "-k"),
    (["similar", "wood", "-n", "nan"], "-n"),
])
def test_bad_numbers_are_refused_with_the_option_named(run, model, tmp_path, argv, option):
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
def test_wp_bad_numbers(run, argv, option):
    code, _, err = run(wp, "--model", GLOVE, *argv)
    assert code == 2
    assert_clean_error(code, err, "wp", f"argument {option}")


# ---- empty strings are not "absent" ----------------------------------------------------------------

@pytest.mark.parametrize("argv", [["train", "--gutenberg", ""], ["train", "--filepath", ""], ["train", "--output", ""],
                                  ["generate", "--model", ""], ["generate", "--prompt", ""]])
def test_empty_strings_are_refused(run, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.json").write_text("keep me")
    code, out, err = run(tlm, *argv)
    assert_clean_error(code, err, "tlm", "must not be empty")
    assert (tmp_path / "model.json").read_text() == "keep me"


def test_wp_empty_word(run):
    assert_clean_error(*run(wp, "--model", GLOVE, "similarity", "", "he")[::2], "wp", "must not be empty")


# ---- sizes that cannot fit are refused before allocating -------------------------------------------

def capped(argv, tmp_path, kilobytes=1_500_000):
    """Run an installed command under `ulimit -v` (KB)."""
    cmd = " ".join(f"'{a}'" for a in argv)
    return subprocess.run(["bash", "-c", f"ulimit -v {kilobytes}; exec {cmd}"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, env={**os.environ, "WP_CACHE_DIR": str(tmp_path / "cache")})


def test_a_model_too_big_for_memory_is_refused_cleanly(tmp_path):
    text = tmp_path / "many.txt"
    text.write_text(" ".join(f"w{i}" for i in range(3000)) + "\n")
    result = capped([command("tlm"), "train", "--filepath", text, "--embedding-dim", "100000"], tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("tlm: error: a model of 3,000 words x 100000 dimensions needs about")
    assert "--embedding-dim" in result.stderr and not (tmp_path / "model.json").exists()


def test_a_huge_batch_is_clamped_to_the_examples(run, tmp_path):
    code, out, err = run(tlm, "train", "--filepath", CHUCK, "--batch-size", "1000000000", "--epochs", "1",
                         "--output", tmp_path / "m.json")
    assert code == 0 and "batch 30" in out.splitlines()[0]


def test_a_count_model_too_big_for_memory_is_refused_cleanly(tmp_path):
    text = random_text(tmp_path / "t.txt", tokens=400_000)
    result = capped([command("tlm"), "train", "--kind", "counts", "--context-window", "64", "--filepath", text],
                    tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "counting 400,000 tokens with n=64 needs about" in result.stderr


# ---- files are checked before they are trusted ------------------------------------------------------

def test_a_huge_model_file_is_refused_without_reading_it(tmp_path, run):
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(2 * 1024**3)  # sparse: 2 GiB that take no disk
    code, out, err = run(tlm, "generate", "--model", big)
    assert_clean_error(code, err, "tlm", "2.1 GB", "at most 1.0 GB")


@pytest.mark.parametrize("content, needle", [
    ("3 50\nhe " + " ".join(["0.1"] * 50) + "\n", "header says 3 vectors, the file has 1"),
    ("he " + " ".join(["0.1"] * 50) + "\nhe " + " ".join(["0.2"] * 50) + "\n", "'he' appears more than once"),
    ("he " + " ".join(["nan"] * 50) + "\n", "NaN or infinite"),
    ("he 0.1 0.2\nshe 0.3\n", "line 2 has 1 values, expected 2"),
    ("he 0.1 zero\n", "line 1 holds a value that is not a number"),
])
def test_damaged_vector_files(tmp_path, run, content, needle):
    path = tmp_path / "v.txt"
    path.write_text(content)
    assert_clean_error(*run(wp, "--model", path, "similar", "he")[::2], "wp", needle)


def test_binary_vectors_must_match_their_header(tmp_path, run):
    path = tmp_path / "v.bin"
    row = b"he " + np.ones(2, dtype="<f4").tobytes()
    path.write_bytes(b"2 2\n" + row)
    assert_clean_error(*run(wp, "--model", path, "similar", "he")[::2], "wp", "ends after 1 of the 2 vectors")
    path.write_bytes(b"1 2\n" + row + b"\n" + row)
    assert_clean_error(*run(wp, "--model", path, "similar", "he")[::2], "wp", "more than the 1 vectors")


def test_a_corpus_with_a_byte_order_mark(tmp_path, run):
    text = tmp_path / "bom.txt"
    text.write_bytes("\ufeff".encode() + CHUCK.read_bytes())
    assert run(tlm, "train", "--filepath", text, "--output", tmp_path / "m.json")[0] == 0
    assert "\ufeff" not in "".join(persistence.load(tmp_path / "m.json").vocab)
    assert len(persistence.load(tmp_path / "m.json").vocab) == 11


def gutenberg_in(tmp_path, data):
    """Run `tlm train --gutenberg blake-poems.txt` with NLTK_DATA holding `data` as gutenberg.zip."""
    corpora = tmp_path / "nltk" / "corpora"
    corpora.mkdir(parents=True)
    (corpora / "gutenberg.zip").write_bytes(data)
    return subprocess.run([command("tlm"), "train", "--gutenberg", "blake-poems.txt", "--output",
                           str(tmp_path / "m.json")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NLTK_DATA": str(tmp_path / "nltk")})


@needs_gutenberg
def test_a_damaged_gutenberg_archive_is_one_line(tmp_path):
    raw = bytearray((SHARED_NLTK / "corpora" / "gutenberg.zip").read_bytes())
    with zipfile.ZipFile(SHARED_NLTK / "corpora" / "gutenberg.zip") as archive:
        info = archive.getinfo("gutenberg/blake-poems.txt")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    raw[start:start + 64] = bytes(64)  # the middle of the compressed text
    result = gutenberg_in(tmp_path, bytes(raw))
    assert_clean_error(result.returncode, result.stderr, "tlm", "Gutenberg corpus is damaged")
    assert not (tmp_path / "m.json").exists()


def test_a_truncated_gutenberg_archive_is_one_line(tmp_path):
    result = gutenberg_in(tmp_path, b"PK\x03\x04 not really a zip")
    assert_clean_error(result.returncode, result.stderr, "tlm", "Gutenberg corpus is damaged")


@pytest.mark.parametrize("before", [False, True])
def test_a_gutenberg_archive_that_is_a_fifo_is_refused_not_waited_on(tmp_path, before):
    """Also behind an archive without the corpus, which NLTK passes over to open the next."""
    (tmp_path / "nltk" / "corpora").mkdir(parents=True)
    os.mkfifo(tmp_path / "nltk" / "corpora" / "gutenberg.zip")
    folders = [tmp_path / "nltk"]
    if before:
        (tmp_path / "first" / "corpora").mkdir(parents=True)
        with zipfile.ZipFile(tmp_path / "first" / "corpora" / "gutenberg.zip", "w") as archive:
            archive.writestr("other/x.txt", "not the corpus")
        folders.insert(0, tmp_path / "first")
    result = subprocess.run([command("tlm"), "train", "--gutenberg", "blake-poems.txt", "--output",
                             str(tmp_path / "m.json")], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "NLTK_DATA": os.pathsep.join(map(str, folders))})
    assert_clean_error(result.returncode, result.stderr, "tlm", "is a FIFO (named pipe), not a regular file")
    assert not (tmp_path / "m.json").exists() and not list(tmp_path.glob(".*.lock"))


@needs_gutenberg
def test_a_folder_named_gutenberg_zip_is_passed_over_as_nltk_does(tmp_path):
    (tmp_path / "first" / "corpora" / "gutenberg.zip").mkdir(parents=True)
    result = subprocess.run([command("tlm"), "train", "--kind", "counts", "--gutenberg", "blake-poems.txt", "--output",
                             str(tmp_path / "m.json")], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "NLTK_DATA": f"{tmp_path / 'first'}{os.pathsep}{SHARED_NLTK}"})
    assert result.returncode == 0 and (tmp_path / "m.json").exists(), result.stderr


@needs_gutenberg
@pytest.mark.parametrize("kind", ["tlm", "counts"])
def test_the_gutenberg_archive_is_an_input_no_output_may_replace(tmp_path, kind):
    archive = tmp_path / "nltk" / "corpora" / "gutenberg.zip"
    archive.parent.mkdir(parents=True)
    archive.write_bytes((SHARED_NLTK / "corpora" / "gutenberg.zip").read_bytes())
    before = archive.read_bytes()
    options = ["--kind", "counts"] if kind == "counts" else ["--epochs", "1"]
    result = subprocess.run([command("tlm"), "train", "--gutenberg", "blake-poems.txt", *options, "--output",
                             str(archive)], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "NLTK_DATA": str(tmp_path / "nltk")})
    assert_clean_error(result.returncode, result.stderr, "tlm", "it is the input")
    assert archive.read_bytes() == before


# ---- the environment --------------------------------------------------------------------------------

def test_non_ascii_output_under_the_c_locale(tmp_path):
    text = tmp_path / "café.txt"
    text.write_text("café crème brûlée café crème brûlée naïve café\n")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    for argv in (["train", "--filepath", str(text), "--output", str(tmp_path / "m.json")],
                 ["predict", "--model", str(tmp_path / "m.json"), "café"],
                 ["generate", "--model", str(tmp_path / "m.json"), "--prompt", "crème", "--seed", "1"]):
        result = subprocess.run([command("tlm"), *argv], capture_output=True, env=env, timeout=60)
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr


# ---- character-level text trains at the defaults -----------------------------------------------------

@needs_gutenberg
def test_character_level_trains_at_the_defaults(tmp_path, run):
    code, out, err = run(tlm, "train", "--gutenberg", "blake-poems.txt", "-t", "char", "--val-fraction", "0.1",
                         "--output", tmp_path / "c.json")
    assert code == 0, err
    val = persistence.load(tmp_path / "c.json").history["val_loss"]
    assert all(np.isfinite(val)) and val[-1] < val[0] < np.log(72)


def test_training_text_is_never_a_device_or_fifo(tmp_path, run):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert_clean_error(*run(tlm, "train", "--filepath", fifo, "--output", tmp_path / "m.json")[::2], "tlm", "FIFO")
    assert_clean_error(*run(tlm, "train", "--filepath", "/dev/null", "--output", tmp_path / "m.json")[::2], "tlm",
                       "device")
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)


def test_decomposed_accents_stay_in_their_word():
    from tlm.tokenizer import tokenize

    assert tokenize("cre\u0300me bru\u0302le\u0301e") == ["crème", "brûlée"]
