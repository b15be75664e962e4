"""Cases a hostile review found, one test each: closed streams, planted lock files, extreme model
files, damaged gzip files, odd names, binary input, the C locale, and options that do not apply."""

import gzip
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from gensim.test.utils import datapath

from tests.conftest import CHUCK, ROOT, assert_clean_error, command, start
from tlm import persistence
from tlm.cli import main as tlm
from wp.cli import main as wp

GLOVE = datapath("test_glove.txt")


def sh(cmd, tmp_path, env=None, stdin=None):
    return subprocess.run(["bash", "-c", cmd], capture_output=True, cwd=tmp_path, timeout=120, input=stdin,
                          env={**os.environ, "WP_CACHE_DIR": str(tmp_path / "cache"), **(env or {})})


@pytest.fixture
def model(tmp_path, run):
    path = tmp_path / "m.json"
    assert run(tlm, "train", "--filepath", CHUCK, "--output", path)[0] == 0
    return path


# ---- closed and odd standard streams -------------------------------------------------------------

def test_a_closed_stdout_costs_nothing(tmp_path):
    result = sh(f"'{command('tlm')}' train --filepath '{CHUCK}' --epochs 1 --output c.json >&-", tmp_path)
    assert result.returncode == 0 and result.stderr == b""
    assert persistence.load(tmp_path / "c.json").training.epochs_done == 1
    result = sh(f"'{command('wp')}' --model '{GLOVE}' similarity he she >&-", tmp_path)
    assert result.returncode == 0 and result.stderr == b""


def test_with_stderr_closed_errors_do_not_go_to_stdout(tmp_path):
    result = sh(f"'{command('tlm')}' predict --model none.json how 2>&-", tmp_path)
    assert result.returncode == 1 and result.stdout == b""


def test_binary_input_to_the_repl_is_one_error_line(tmp_path):
    result = sh(f"'{command('wp')}' --model '{GLOVE}' repl -n 1", tmp_path, env={"PYTHONIOENCODING": "utf-8:strict"},
                stdin=b"he\n\xff\xfe\nshe\n")
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert len(result.stdout.splitlines()) == 2 and len(result.stderr.splitlines()) == 1


def test_the_c_locale_gives_valid_json_and_reads_input_as_utf8(tmp_path):
    vectors = tmp_path / "v.txt"
    vectors.write_text("café 0.1 0.2\ncrème 0.3 0.1\nthé 0.2 0.2\n")
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    result = sh(f"'{command('wp')}' --model v.txt similarity --json café crème", tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["b"] == "crème"
    result = sh(f"'{command('wp')}' --model v.txt repl -n 1", tmp_path, env=env, stdin="café\n".encode())
    assert result.returncode == 0 and result.stderr == b"" and result.stdout.split()[0] == b"th\\xe9"


def test_sigterm_ends_the_shell(model, tmp_path):
    process = start("tlm", "generate", "--model", model, "--length", "1", "--interact", stdin=subprocess.PIPE)
    process.stdin.write("import time; time.sleep(5); print('still alive')\n")
    process.stdin.flush()
    time.sleep(1.5)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143 and "still alive" not in out and "Traceback" not in err


def test_errors_about_paths_with_line_breaks_are_one_line(run, tmp_path):
    code, _, err = run(tlm, "train", "--filepath", "no\nsuch.txt", "--output", tmp_path / "m.json")
    assert_clean_error(code, err, "tlm", "no\\nsuch.txt")
    code, _, err = run(tlm, "plot", "--model", "no\nmodel.json", "--output", tmp_path / "bad\nname.gif")
    assert_clean_error(code, err, "tlm", "\\n")


# ---- lock files are never followed ---------------------------------------------------------------

def test_a_planted_lock_link_destroys_nothing(run, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / ".lk.json.lock").symlink_to(victim)
    code, _, err = run(tlm, "train", "--filepath", CHUCK, "--output", tmp_path / "lk.json")
    assert_clean_error(code, err, "tlm", "lock file")
    assert victim.read_text() == "precious" and not (tmp_path / "lk.json").exists()


def test_a_fifo_as_lock_file_is_refused(run, tmp_path):
    os.mkfifo(tmp_path / ".lf.json.lock")
    assert_clean_error(*run(tlm, "train", "--filepath", CHUCK, "--output", tmp_path / "lf.json")[::2], "tlm",
                       "not a regular file")


def test_a_full_disk_when_taking_the_lock_is_one_line_and_leaves_no_lock(run, tmp_path, monkeypatch):
    import errno

    def full(fd, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "ftruncate", full)
    code, _, err = run(tlm, "train", "--filepath", CHUCK, "--output", tmp_path / "m.json")
    assert_clean_error(code, err, "tlm", "No space left on device")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == []


def test_the_smallest_add_k_still_saves_a_model_with_its_huge_perplexity(run, tmp_path):
    text = tmp_path / "ab.txt"
    text.write_text("a b " * 20 + "b " * 40 + "\n")
    code, out, err = run(tlm, "train", "--kind", "counts", "--filepath", text, "--add-k", "1e-100",
                         "--val-fraction", "0.5", "--output", tmp_path / "ak.json")
    assert code == 0 and "ppl=1.9e+101" in out, err
    assert persistence.load(tmp_path / "ak.json").history["val_loss"] == [pytest.approx(233.2029, abs=1e-4)]


# ---- outputs that are inputs, pairs that are one file ----------------------------------------------

@pytest.mark.parametrize("name", ["link.json/", "real.json/", "new/", "x/.", ".."])
def test_an_output_that_names_a_folder_is_refused_and_a_link_stays_a_link(run, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    assert run(tlm, "train", "--filepath", CHUCK, "--epochs", "1", "--output", "real.json")[0] == 0
    before = (tmp_path / "real.json").read_bytes()
    (tmp_path / "link.json").symlink_to("real.json")
    assert_clean_error(*run(tlm, "train", "--filepath", CHUCK, "--epochs", "1", "--output", name)[::2], "tlm",
                       "it names a folder")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "real.json").read_bytes() == before


def test_wp_plot_refuses_to_overwrite_the_model_named_by_wp_model(run, tmp_path, monkeypatch):
    vectors = tmp_path / "vecs.svg"
    vectors.write_text("cat 0.1 0.2 0.3\ndog 0.2 0.1 0.3\nfish 0.3 0.3 0.1\n")
    monkeypatch.setenv("WP_MODEL", str(vectors))
    code, out, err = run(wp, "plot", "cat", "dog", "--output", vectors)
    assert_clean_error(code, err, "wp", "it is the input")
    assert vectors.read_text().startswith("cat 0.1")


def test_tsv_export_into_one_file_twice_is_refused(run, model, tmp_path):
    (tmp_path / "x.tsv").write_text("old")
    (tmp_path / "x.metadata.tsv").symlink_to(tmp_path / "x.tsv")
    code, _, err = run(tlm, "export", "--model", model, "--format", "tsv", "--output", tmp_path / "x.tsv")
    assert_clean_error(code, err, "tlm", "the same file")
    assert (tmp_path / "x.tsv").read_text() == "old"


# ---- model files with extreme but finite contents -------------------------------------------------

def edited(model, change):
    doc = json.loads(model.read_text())
    change(doc)
    text = json.dumps(doc)
    model.write_text(text.replace('"BIG"', "1" + "0" * 400))
    return model


def arrays(value, dtype="<f4"):
    import base64

    array = np.asarray(value, dtype=dtype)
    return {"dtype": "float32", "shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode()}


@pytest.mark.parametrize("change, needle", [
    (lambda d: d["history"].update(loss=["BIG"]), "a history loss"),
    (lambda d: d["history"].update(loss=[1e308]), "a history loss"),
    (lambda d: d["params"].update(E=arrays(np.full((11, 32), 3e38))), "beyond"),
    (lambda d: d["params"].update(b=arrays(np.linspace(-3e38, 3e38, 11))), "beyond"),
    (lambda d: d.update(vocab=[], word_counts=[], params={"E": arrays(np.zeros((0, 32))),
                                                          "W": arrays(np.zeros((32, 0))), "b": arrays(np.zeros(0))}),
     "vocab is empty"),
    (lambda d: d["vocab"].__setitem__(9, "wo\nod"), "no tokenizer makes"),
    (lambda d: d["vocab"].__setitem__(9, ""), "no tokenizer makes"),
    (lambda d: d["vocab"].__setitem__(9, "\udcff"), "no tokenizer makes"),  # JSON can spell half a surrogate pair
    (lambda d: d.update(folded=["\ud800"]), "no tokenizer makes"),
    (lambda d: d["training"].update(loss="sampled", samples=0), "training.samples must be a whole number from 1"),
    (lambda d: d["training"].update(samples=12), "training.samples must be a whole number from 0 to 11"),
    (lambda d: d["training"].update(step=2**63 - 1), "training.step must be a whole number from 0 to"),
    (lambda d: d["training"].update(epochs_trained=2**53 + 1), "training.epochs_trained"),
    (lambda d: d.update(vocab=["<unk>"], folded=["wood"], word_counts=[32],
                        params={"E": arrays(np.zeros((1, 32))), "W": arrays(np.zeros((32, 1))),
                                "b": arrays(np.zeros(1))}),
     "vocab holds no word but <unk>"),
    (lambda d: d.update(version=2.0), "version"),
    (lambda d: d.update(folded=["wood"]), "folded"),
])
@pytest.mark.parametrize("argv", [["generate"], ["predict", "how"], ["similar", "wood"], ["plot", "--loss"]])
def test_extreme_model_files_are_refused_cleanly(run, model, tmp_path, change, needle, argv):
    path = edited(model, change)
    code, _, err = run(tlm, argv[0], "--model", path, *argv[1:], *(["--output", tmp_path / "p.png"]
                                                                   if argv[0] == "plot" else []))
    assert_clean_error(code, err, "tlm", needle)


def test_wp_refuses_a_tlm_model_holding_half_a_surrogate_pair(run, model):
    path = edited(model, lambda d: d["vocab"].__setitem__(9, "\udcff"))
    assert_clean_error(*run(wp, "--model", path, "similar", "wood")[::2], "wp", "no tokenizer makes")


def test_words_that_utf8_cannot_hold_are_not_stored(tmp_path):
    from vectors import store

    with pytest.raises(ValueError, match="cannot be stored .it holds half of a surrogate pair"):
        store.save(tmp_path / "s", ["a", "\udcff"], np.ones((2, 3)), {"name": "x"})
    assert not (tmp_path / "s").exists()


def test_a_cache_entry_that_a_memory_cap_cannot_map_is_out_of_memory_not_rebuilt(run, tmp_path, monkeypatch):
    """Under `ulimit -v` mapping a good entry fails with ENOMEM: that is no damage to repair (the
    rebuild would need more memory still), but one line saying memory ran out."""
    import errno

    assert run(wp, "--model", GLOVE, "similar", "he")[0] == 0
    entry = next((tmp_path / "cache").iterdir())
    before = {p.name: p.stat().st_mtime_ns for p in entry.iterdir()}

    def no_memory(*args, **kwargs):
        raise OSError(errno.ENOMEM, "Cannot allocate memory")

    monkeypatch.setattr(np, "load", no_memory)
    assert_clean_error(*run(wp, "--model", GLOVE, "similar", "he")[::2], "wp", "out of memory")
    assert {p.name: p.stat().st_mtime_ns for p in entry.iterdir()} == before


@pytest.mark.parametrize("start", ["'{bin}'", "'{python}' -m {name}"])
@pytest.mark.parametrize("name", ["tlm", "wp"])
@pytest.mark.parametrize("cap_mb", [60, 92, 140])
def test_a_memory_cap_too_small_to_start_is_one_line(tmp_path, name, start, cap_mb):
    """numpy's and OpenBLAS's start-up crashed, hung or printed tracebacks under caps from 84 to 146 MB."""
    launcher = start.format(bin=command(name), python=sys.executable, name=name)
    result = sh(f"ulimit -v {cap_mb * 1024}; exec {launcher} similar --model '{GLOVE}' he", tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.decode() == (f"{name}: error: out of memory: the memory cap (ulimit -v) of {cap_mb} MB is "
                                      f"below the 192 MB the command needs to start\n")


def test_a_library_the_loader_cannot_map_while_a_command_starts_is_one_line(tmp_path):
    """Where the libraries need more than the start-up check allows for, the loader's ENOMEM is still one line."""
    (tmp_path / "capped_cli.py").write_text("raise ImportError('libarrow.so: failed to map segment from shared object')")
    (tmp_path / "broken_cli.py").write_text("import no_such_module_here\n")
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}

    def launch(module):
        return sh(f"exec '{sys.executable}' -c 'from edge.startup import launch; launch(\"{module}\")'", tmp_path, env)

    capped = launch("capped_cli")
    assert capped.returncode == 1
    assert capped.stderr == b"capped_cli: error: out of memory; try a smaller model, batch or text\n"
    broken = launch("broken_cli")
    assert broken.returncode == 1 and b"Traceback" in broken.stderr  # a broken installation is a bug to report


def test_small_files_are_read_under_a_memory_cap(tmp_path):
    """The size limits on corpus and model files (1 GB) once sized the read buffer: under a 400 MB
    cap, a 40 KB model or a 200-byte text was 'out of memory'."""
    tlm_bin = command("tlm")
    result = sh(f"ulimit -v 400000; '{tlm_bin}' train --filepath '{CHUCK}' --epochs 1 --output m.json && "
                f"exec '{tlm_bin}' similar --model m.json wood -n 1", tmp_path)
    assert result.returncode == 0 and result.stdout.split()[0], result.stderr


def test_a_memory_cap_does_not_leave_openblas_retrying_for_ever(tmp_path):
    """At 250 MB on 2 cores, numpy's and scipy's OpenBLAS took per-thread buffers until the cap, then
    retried for ever (wp eval never ended, even on SIGTERM)."""
    result = sh(f"ulimit -v 250000; exec '{command('wp')}' --model '{GLOVE}' eval", tmp_path)
    assert result.returncode in (0, 1) and b"Traceback" not in result.stderr, result.stderr


def test_a_library_that_a_memory_cap_cannot_map_is_out_of_memory(run, monkeypatch):
    """The dynamic loader's failure under `ulimit -v` (seen with pyarrow at 200 MB) is one line."""
    import builtins

    real_import = builtins.__import__

    def capped(name, *args, **kwargs):
        if name == "scipy.stats":
            raise ImportError("libscipy.so: failed to map segment from shared object")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", capped)
    assert_clean_error(*run(wp, "--model", GLOVE, "eval")[::2], "wp", "out of memory")


def test_a_plan_that_would_count_past_the_files_limits_is_refused_before_training(run, model):
    """A step count edited to just below the limit loads, but a resume that would pass it (and so
    write a file that no longer loads) is refused, and the file is left as it was."""
    path = edited(model, lambda d: d["training"].update(epochs=6, step=2**53 - 5))
    before = path.read_bytes()
    code, _, err = run(tlm, "train", "--filepath", CHUCK, "--output", path, "--resume")
    assert code == 1 and err.startswith("Resuming") and "Traceback" not in err
    assert err.splitlines()[-1].startswith("tlm: error: this plan would count more than 9,007,199,254,740,992 steps")
    assert path.read_bytes() == before and not list(path.parent.glob(".*.lock"))


# ---- damaged compressed vectors, odd names ----------------------------------------------------------

def test_damaged_gzip_vector_files(run, tmp_path):
    good = gzip.compress(open(GLOVE, "rb").read())
    (tmp_path / "cut.txt.gz").write_bytes(good[: len(good) // 2])
    (tmp_path / "fake.bin.gz").write_bytes(b"2 2\nnot gzip at all")
    for name, needle in (("cut.txt.gz", "Compressed file ended"), ("fake.bin.gz", "Not a gzipped file")):
        assert_clean_error(*run(wp, "--model", tmp_path / name, "similar", "he")[::2], "wp", needle)


def test_a_model_name_too_long_for_a_path(run):
    assert_clean_error(*run(wp, "--model", "a" * 300, "similar", "he")[::2], "wp", "unknown model")


def test_questions_without_an_answer(run, tmp_path):
    vectors = tmp_path / "three.txt"
    vectors.write_text("a 0.1 0.2\nb 0.2 0.1\nc 0.3 0.3\n")
    assert_clean_error(*run(wp, "--model", vectors, "plot", "--analogy", "a", "b", "c", "--output",
                            tmp_path / "x.png")[::2], "wp", "has no answer")
    assert_clean_error(*run(wp, "--model", vectors, "similar", "a", "b", "c")[::2], "wp", "has no answer")


def test_suggestions_offer_the_other_case_first(run):
    assert_clean_error(*run(wp, "--model", GLOVE, "similarity", "He", "she")[::2], "wp", "did you mean 'he'")


# ---- sizes, options that do not apply, odd settings --------------------------------------------------

def test_a_batch_whose_context_rows_cannot_fit_is_refused_before_allocating(tmp_path):
    text = tmp_path / "tenw.txt"
    text.write_text(" ".join(f"w{i % 10}" for i in range(20_000)) + "\n")
    result = sh(f"ulimit -v 4000000; exec '{command('tlm')}' train --filepath tenw.txt --embedding-dim 100000 "
                f"--batch-size 20000 --lr 0.0001", tmp_path)
    assert result.returncode == 1 and b"needs about" in result.stderr and b"out of memory" not in result.stderr


@pytest.mark.parametrize("argv, needle", [
    (["--kind", "counts", "--lr", "0.1"], "does not use --lr"),
    (["--kind", "counts", "--epochs", "3", "--embedding-dim", "8"], "--epochs, --embedding-dim"),
    (["--add-k", "0.5"], "does not use --add-k"),
    (["--samples", "10"], "--loss sampled"),
])
def test_options_that_do_not_apply_are_refused(run, tmp_path, argv, needle):
    code, _, err = run(tlm, "train", "--filepath", CHUCK, *argv, "--output", tmp_path / "m.json")
    assert_clean_error(code, err, "tlm", needle)
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize("kind", ["embedding", "counts"])
def test_a_held_out_part_too_small_says_so(run, tmp_path, kind):
    code, out, err = run(tlm, "train", "--kind", kind, "--filepath", CHUCK, "--val-fraction", "0.05",
                         "--output", tmp_path / "m.json")
    assert code == 0 and "too few for a context of 2" in err and "val_loss" not in out


@pytest.mark.parametrize("kind", ["embedding", "counts"])
def test_a_held_out_part_of_unknown_words_says_so(run, tmp_path, kind):
    text = tmp_path / "distinct.txt"
    text.write_text(" ".join(f"w{i}" for i in range(200)) + "\n")
    code, out, err = run(tlm, "train", "--kind", kind, "--filepath", text, "--val-fraction", "0.5",
                         "--output", tmp_path / "m.json")
    assert code == 0 and "val_loss" not in out, err
    assert "holds out 100 tokens; 100 of them are words the training part does not have" in err


def test_predict_needs_a_context(run, model):
    assert_clean_error(*run(tlm, "predict", "--model", model, "   ")[::2], "tlm", "no tokens left")


def test_a_count_model_survives_a_ctrl_c_during_its_save(run, tmp_path, monkeypatch):
    from edge import files

    real = files._stage

    def interrupted(path, data):
        signal.raise_signal(signal.SIGINT)
        return real(path, data)

    monkeypatch.setattr(files, "_stage", interrupted)
    code, out, err = run(tlm, "train", "--kind", "counts", "--filepath", CHUCK, "--output", tmp_path / "c.json")
    assert code == 130 and "the save was completed first" in err
    assert persistence.load(tmp_path / "c.json").kind == "counts"


def test_resume_with_a_new_plan_keeps_the_batch_size(run, tmp_path):
    path = tmp_path / "m.json"
    text = tmp_path / "t.txt"
    text.write_text(CHUCK.read_text() * 20)
    assert run(tlm, "train", "--filepath", text, "--batch-size", "4", "--epochs", "1", "--output", path)[0] == 0
    assert run(tlm, "train", "--filepath", text, "--resume", "--epochs", "1", "--output", path)[0] == 0
    assert persistence.load(path).training.batch_size == 4


# ---- second round -----------------------------------------------------------------------------------

def test_the_first_version_1_files_without_word_counts_load(run, model, tmp_path):
    doc = json.loads(model.read_text())
    arrays_of = {k: persistence.decode_arrays(doc["params"][k]).tolist() for k in "EWb"}
    v1 = {"format": "tinylm-model", "version": 1, "kind": "embedding",
          "config": {"n": 2, "embedding_dim": 32, "transforms": [], "seed": 0, "lr": 0.1, "batch_size": 1,
                     "optimizer": "sgd", "schedule": "linear", "epochs_trained": 5},
          "vocab": doc["vocab"], **arrays_of, "history": doc["history"]}
    path = tmp_path / "first.json"
    path.write_text(json.dumps(v1))
    code, out, err = run(tlm, "similar", "--model", path, "wood", "-n", "1")
    assert code == 0, err
    counted = run(tlm, "similar", "--model", model, "wood", "-n", "1", "--min-count", "1")[1]
    assert out.split()[:2] == counted.split()[:2]  # the same neighbour and cosine
    assert out.split()[2] == "rank" and counted.split()[2] == "seen"  # without counts, the word's row is shown


def test_decomposed_words_are_found(run, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("café crème café thé crème café thé thé café\n")
    path = tmp_path / "m.json"
    assert run(tlm, "train", "--filepath", text, "--output", path)[0] == 0
    decomposed = "cafe\u0301"
    assert run(tlm, "similarity", "--model", path, decomposed, "thé")[0] == 0
    assert run(wp, "--model", path, "similar", decomposed, "-n", "1")[0] == 0


def test_a_tlm_model_lists_its_most_frequent_words_first(run, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("zebra " * 30 + "apple banana cherry " * 2 + "\n")
    path = tmp_path / "m.json"
    assert run(tlm, "train", "--filepath", text, "--output", path)[0] == 0
    code, out, _ = run(wp, "--model", path, "similar", "apple", "--restrict", "2")
    assert code == 0 and out.split()[0] == "zebra"  # the 2 most frequent words: zebra and apple


def test_word2vec_text_is_not_named_binary(run, model, tmp_path):
    code, _, err = run(tlm, "export", "--model", model, "--format", "word2vec", "--output", tmp_path / "m.bin")
    assert_clean_error(code, err, "tlm", "name the file .txt or .w2v")


def test_a_word_with_a_line_separator_stays_on_its_line(run, tmp_path):
    vectors = tmp_path / "v.txt"
    vectors.write_text("a\u2028b 0.1 0.2\nc 0.2 0.1\nd 0.3 0.3\n")
    code, out, _ = run(wp, "--model", vectors, "similar", "c")
    assert code == 0 and len(out.splitlines()) == 2 and "a\\u2028b" in out
