"""`wp gensim-data`: after it, gensim's own `gensim.downloader.load('glove-wiki-gigaword-50')` gives
the installed GloVe 6B 50d offline, as the lab types it; it refuses to write where something is."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import assert_clean_error
from wp.cli import main

NAME = "glove-wiki-gigaword-50"
LAB = """
import gensim.downloader as api
model = api.load('glove-wiki-gigaword-50')
print(len(model), model.vector_size)
print(f"{model.similarity('cat', 'dog'):.4f}")
print(*(f"{w} {s:.4f}" for w, s in model.most_similar('king', topn=2)))
"""


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "gensim-data"
    monkeypatch.setenv("GENSIM_DATA_DIR", str(folder))
    return folder


def _unit(v):
    return v / np.linalg.norm(v)


@pytest.mark.slow
@pytest.mark.glove
def test_gensim_downloader_loads_the_offline_vectors_after_the_command(run, data_dir, glove):
    code, out, err = run(main, "gensim-data")
    assert code == 0, err
    assert out.splitlines()[:2] == [f"wrote {data_dir / 'information.json'}", f"wrote {data_dir / NAME / '__init__.py'}"]
    assert "now works offline" in out.splitlines()[2] and err == ""
    # A proxy that refuses at once stands for no network: gensim tries it for a fresh list and fails.
    offline = {**os.environ, "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-c", LAB], env=offline, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    king, cat, dog = (glove.vectors[glove.row(w)].astype(np.float64) for w in ("king", "cat", "dog"))
    units = glove.vectors / np.linalg.norm(glove.vectors, axis=1, keepdims=True)  # (N, d)
    scores = units @ _unit(king)  # (N,)
    best = [i for i in np.argsort(-scores) if glove.words[i] != "king"][:2]
    assert done.stdout.splitlines() == [
        "400000 50",
        f"{_unit(cat) @ _unit(dog):.4f}",
        " ".join(f"{glove.words[i]} {scores[i]:.4f}" for i in best),
    ]
    assert done.stdout.splitlines()[1:] == ["0.9218", "prince 0.8236 queen 0.7839"]  # the figures docs quote


def test_a_model_folder_already_there_is_left_alone(run, data_dir):
    folder = data_dir / NAME
    folder.mkdir(parents=True)
    (folder / f"{NAME}.gz").write_bytes(b"gensim's download")
    (folder / "__init__.py").write_text("# gensim's loader\n")
    code, out, err = run(main, "gensim-data")
    assert_clean_error(code, err, "wp", str(folder), "already exists", "gensim's own download",
                       f"__init__.py, {NAME}.gz")
    assert out == ""
    assert sorted(p.name for p in data_dir.iterdir()) == [NAME]
    assert (folder / "__init__.py").read_text() == "# gensim's loader\n"


def test_something_else_under_the_name_is_named_in_the_refusal(run, data_dir):
    (data_dir / NAME).mkdir(parents=True)
    (data_dir / NAME / "notes.txt").write_text("mine")
    code, _, err = run(main, "gensim-data")
    assert_clean_error(code, err, "wp", "already exists, holding notes.txt")


def test_running_it_twice_says_it_is_done(run, data_dir):
    assert run(main, "gensim-data")[0] == 0
    code, out, err = run(main, "gensim-data")
    assert_clean_error(code, err, "wp", "what wp gensim-data writes")


def test_gensims_list_is_kept_and_a_list_without_the_model_refused(run, data_dir):
    data_dir.mkdir()
    info = data_dir / "information.json"
    info.write_text(json.dumps({"corpora": {}, "models": {"glove-twitter-25": {}}}))
    code, _, err = run(main, "gensim-data")
    assert_clean_error(code, err, "wp", str(info), f"does not list {NAME}")
    assert not (data_dir / NAME).exists()

    listed = json.dumps({"corpora": {}, "models": {NAME: {"file_name": f"{NAME}.gz"}, "glove-twitter-25": {}}})
    info.write_text(listed)
    code, out, err = run(main, "gensim-data")
    assert code == 0, err
    assert out.splitlines()[0] == f"wrote {data_dir / NAME / '__init__.py'}"
    assert info.read_text() == listed

