"""wp's cache of converted models: the first use converts a model into a memory-mapped store in
$WP_CACHE_DIR, later uses load it; an entry whose parts disagree is rebuilt; processes started
together convert a model once; an unwritable cache only costs speed."""

import json
import os
import shutil
import threading
import time

import numpy as np
from gensim.test.utils import datapath

from wp import models
from wp.cli import main as wp

GLOVE = datapath("test_glove.txt")


def test_the_cache_folder_is_wp_cache_dir(tmp_path, monkeypatch):
    assert models.cache_dir() == tmp_path / "cache"  # tests/conftest.py sets WP_CACHE_DIR
    monkeypatch.delenv("WP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models.cache_dir() == tmp_path / "xdg" / "tinylm" / "wp"


def test_first_use_converts_then_later_uses_load_it_memory_mapped(tmp_path):
    first = models.load_file(GLOVE).vectors
    entries = [p for p in (tmp_path / "cache").iterdir() if p.is_dir()]
    assert len(entries) == 1
    assert sorted(p.name for p in entries[0].iterdir()) == ["manifest.json", "unit.npy", "vectors.npy", "words.txt"]
    again = models.load_file(GLOVE).vectors
    assert isinstance(again.vectors, np.memmap) and isinstance(again.unit, np.memmap)
    np.testing.assert_array_equal(np.asarray(again.vectors), first.vectors)
    assert again.words == first.words


def test_entries_whose_parts_disagree_are_rebuilt(tmp_path, run):
    expected = run(wp, "--model", GLOVE, "similar", "he", "-n", "1")[1]
    entry = next(p for p in (tmp_path / "cache").iterdir() if p.is_dir())
    damages = [lambda: (entry / "vectors.npy").write_bytes(b"garbage"),
               lambda: np.save(entry / "unit.npy", np.zeros((3, 50), dtype=np.float32)),  # wrong shape
               lambda: (entry / "words.txt").write_text("he\nshe\n")]  # fewer words than rows

    def float64():
        manifest = json.loads((entry / "manifest.json").read_text())
        (entry / "manifest.json").write_text(json.dumps({**manifest, "dtype": "float64"}))

    for damage in damages + [float64]:
        damage()
        assert run(wp, "--model", GLOVE, "similar", "he", "-n", "1")[1] == expected


def test_an_unwritable_cache_costs_only_speed(tmp_path, monkeypatch, run):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("WP_CACHE_DIR", str(tmp_path / "file" / "cache"))
    code, out, err = run(wp, "--model", GLOVE, "similar", "he", "-n", "1")
    assert code == 0 and out.split()[0] == "his"
    assert err.startswith("wp: cannot write the cache") and "WP_CACHE_DIR" in err and len(err.splitlines()) == 1


def test_processes_started_together_build_an_entry_once(monkeypatch):
    """A second load of a model being converted waits for the first and reads its entry, rather than
    converting too and replacing the folder the first is reading."""
    started, release, conversions = threading.Event(), threading.Event(), []
    read = models.read_text_vectors

    def slow_read(*args, **kwargs):
        conversions.append(1)
        started.set()
        release.wait(10)
        return read(*args, **kwargs)

    monkeypatch.setattr(models, "read_text_vectors", slow_read)
    loaded = {}
    threads = [threading.Thread(target=lambda i=i: loaded.__setitem__(i, models.load_file(GLOVE))) for i in range(2)]
    threads[0].start()
    assert started.wait(10)
    threads[1].start()
    time.sleep(0.3)  # the second is waiting for the entry's lock
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(conversions) == 1
    assert [loaded[i].note for i in range(2)] == [None, None] and loaded[0].vectors.words == loaded[1].vectors.words


def test_a_run_waits_a_bounded_time_for_a_stalled_converter(monkeypatch):
    from edge import files

    monkeypatch.setattr(models, "CACHE_WAIT_S", 0.3)
    first = models.load_file(GLOVE)  # the entry's name, and the answer to expect
    entry = next(p for p in models.cache_dir().iterdir() if p.is_dir())
    shutil.rmtree(entry)
    with files.exclusive(entry):  # a converter that never finishes (stopped, or on a hung disk)
        started = time.monotonic()
        loaded = models.load_file(GLOVE)
        assert time.monotonic() - started < 5
    assert "has been converting" in loaded.note and "without the cache" in loaded.note
    assert loaded.vectors.words == first.vectors.words and not os.path.isdir(entry)
