"""Promise 3 of docs/robustness.md: no input or unrelated file is ever replaced. An output is checked
before any work, written whole or not at all (no temporary file left behind), written through a
symbolic link, and written by one process at a time."""

import os
import signal
import subprocess
import threading
import time

import pytest
from gensim.test.utils import datapath

from tests.conftest import (CHUCK, SHARED_NLTK, assert_clean_error, command, needs_gutenberg, random_text,
                            run_until, signal_group_twice, start)
from tlm import persistence
from tlm.cli import main as tlm
from wp.cli import main as wp

GLOVE = datapath("test_glove.txt")


def no_temp_files(folder):
    return not [p for p in folder.rglob("*") if p.name.startswith(".tmp-")]


@pytest.fixture
def model(tmp_path, run):
    path = tmp_path / "m.json"
    assert run(tlm, "train", "--filepath", CHUCK, "--output", path)[0] == 0
    return path


# ---- checked before any work -------------------------------------------------------------------------

def test_odd_outputs_are_refused_before_any_work(tmp_path, run, model):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for output in (fifo, tmp_path, "", tmp_path / "no" / "such" / "x.json"):
        for argv in (["train", "--filepath", CHUCK], ["export", "--model", model, "--format", "word2vec"],
                     ["plot", "--model", model]):
            code, out, err = run(tlm, *argv, "--output", output)
            assert code in (1, 2) and out == "" and len(err.strip().splitlines()) == 1, (output, argv, err)
    assert os.path.isdir(tmp_path) and not os.path.isfile(fifo)


@pytest.mark.parametrize("name", ["link.json/", "real.json/", "new/", "x/.", ".."])
def test_an_output_that_names_a_folder_is_refused(run, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    assert run(tlm, "train", "--filepath", CHUCK, "--epochs", "1", "--output", "real.json")[0] == 0
    before = (tmp_path / "real.json").read_bytes()
    (tmp_path / "link.json").symlink_to("real.json")
    assert_clean_error(*run(tlm, "train", "--filepath", CHUCK, "--epochs", "1", "--output", name)[::2], "tlm",
                       "folder")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "real.json").read_bytes() == before


@pytest.mark.parametrize("argv", [
    ["train", "--filepath", "{text}", "--output", "{text}"],
    ["export", "--model", "{model}", "--format", "word2vec", "--output", "{model}"],
    ["plot", "--model", "{model}", "--loss", "--output", "{model_png}"],
])
def test_an_output_that_is_an_input_is_refused(tmp_path, run, model, argv):
    text = tmp_path / "corpus.txt"
    text.write_text(CHUCK.read_text())
    model_png = tmp_path / "m.png"
    os.link(model, model_png)  # the same file under an image name
    before = {p: p.read_bytes() for p in (text, model)}
    names = {"text": text, "model": model, "model_png": model_png}
    assert_clean_error(*run(tlm, *[a.format(**names) for a in argv])[::2], "tlm", "input")
    assert all(p.read_bytes() == data for p, data in before.items())


def test_wp_plot_never_writes_over_the_vectors_it_reads(run, tmp_path, monkeypatch):
    vectors = tmp_path / "vecs.svg"
    vectors.write_text("cat 0.1 0.2 0.3\ndog 0.2 0.1 0.3\nfish 0.3 0.3 0.1\n")
    for model_from in ("option", "environment"):
        if model_from == "environment":
            monkeypatch.setenv("WP_MODEL", str(vectors))
            code, _, err = run(wp, "plot", "cat", "dog", "--output", vectors)
        else:
            code, _, err = run(wp, "--model", vectors, "plot", "cat", "dog", "--output", vectors)
        assert_clean_error(code, err, "wp", "input")
        assert vectors.read_text().startswith("cat 0.1")


@pytest.mark.slow
@needs_gutenberg
def test_the_gutenberg_archive_is_an_input(tmp_path):
    archive = tmp_path / "nltk" / "corpora" / "gutenberg.zip"
    archive.parent.mkdir(parents=True)
    archive.write_bytes((SHARED_NLTK / "corpora" / "gutenberg.zip").read_bytes())
    before = archive.read_bytes()
    for options in (["--kind", "counts"], ["--epochs", "1"]):
        result = subprocess.run([command("tlm"), "train", "--gutenberg", "blake-poems.txt", *options, "--output",
                                 str(archive)], capture_output=True, text=True, timeout=120,
                                env={**os.environ, "NLTK_DATA": str(tmp_path / "nltk")})
        assert_clean_error(result.returncode, result.stderr, "tlm", "input")
        assert archive.read_bytes() == before


# ---- written whole or not at all ------------------------------------------------------------------------

def test_a_symlinked_output_is_written_through(tmp_path, run):
    target = tmp_path / "real.json"
    link = tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target)
    assert run(tlm, "train", "--filepath", CHUCK, "--epochs", 1, "--output", link)[0] == 0
    assert link.is_symlink() and persistence.load(target).training.epochs_done == 1


@pytest.mark.slow  # matplotlib starts in seconds
def test_a_failed_write_leaves_the_old_file(tmp_path, run, monkeypatch):
    image = tmp_path / "w.png"
    image.write_bytes(b"old image")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    assert_clean_error(*run(wp, "--model", GLOVE, "plot", "he", "she", "--output", image)[::2], "wp",
                       "No space left on device")
    assert image.read_bytes() == b"old image" and no_temp_files(tmp_path)


def test_a_new_file_gets_the_permissions_of_a_plain_open(tmp_path, run):
    old = os.umask(0o027)
    try:
        assert run(tlm, "train", "--filepath", CHUCK, "--epochs", 1, "--output", tmp_path / "m.json")[0] == 0
    finally:
        os.umask(old)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o640


def test_tsv_export_writes_both_files_or_neither(tmp_path, run, model):
    (tmp_path / "e.tsv").write_text("old vectors")
    (tmp_path / "e.metadata.tsv").mkdir()
    assert_clean_error(*run(tlm, "export", "--model", model, "--format", "tsv", "--output", tmp_path / "e.tsv")[::2],
                       "tlm", "e.metadata.tsv")
    assert (tmp_path / "e.tsv").read_text() == "old vectors" and no_temp_files(tmp_path)


def test_tsv_export_into_one_file_twice_is_refused(run, model, tmp_path):
    (tmp_path / "x.tsv").write_text("old")
    (tmp_path / "x.metadata.tsv").symlink_to(tmp_path / "x.tsv")
    assert_clean_error(*run(tlm, "export", "--model", model, "--format", "tsv", "--output", tmp_path / "x.tsv")[::2],
                       "tlm", "x.tsv")
    assert (tmp_path / "x.tsv").read_text() == "old"


# ---- one writer at a time -------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_second_writer_is_refused_at_once(tmp_path):
    text = random_text(tmp_path / "text.txt")
    path = tmp_path / "race.json"
    first = start("tlm", "train", "--filepath", text, "--epochs", 200, "--output", path)
    assert run_until(first, "Epoch 1/200")
    for extra in ([], ["--resume"]):
        began = time.monotonic()
        second = subprocess.run([command("tlm"), "train", "--filepath", str(text), "--output", str(path), *extra],
                                capture_output=True, text=True, timeout=60)
        assert time.monotonic() - began < 30
        assert_clean_error(second.returncode, second.stderr, "tlm", f"{path} is being written by another process")
    signal_group_twice(first, signal.SIGINT)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 130 and "saved the model after" in err
    assert persistence.load(path).training.epochs_done >= 1 and no_temp_files(tmp_path)


def test_the_next_writer_may_write_once_the_first_is_done(tmp_path, run):
    path = tmp_path / "m.json"
    for epochs in (1, 2):
        assert run(tlm, "train", "--filepath", CHUCK, "--epochs", epochs, "--output", path)[0] == 0
    assert persistence.load(path).training.epochs_done == 2


def test_writers_in_one_process_are_kept_apart_too(tmp_path):
    """Threads cannot take signal handlers, but the lock still keeps two writers apart."""
    from edge import files
    from edge.errors import UserError

    path, outcomes = tmp_path / "x.json", []

    def write():
        try:
            with files.exclusive(path):
                time.sleep(0.3)
                outcomes.append("wrote")
        except UserError as e:
            outcomes.append(str(e))

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "wrote" and "being written by another process" in sorted(outcomes)[0]

