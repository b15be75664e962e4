"""A fuzzer for both commands: "never a traceback", proven by drawing argument lists from the parsers'
own option tables and damaged model and vector files, and running them through `main(argv)`.

Every run must end with exit status 0, 1, 2 or 130, print no traceback, stay under a memory cap
and, when it fails, leave every file as it was. Numbers are drawn at the edges (0, negative, huge,
NaN, infinities, non-numbers), strings empty, non-ASCII, very long, and paths point at missing,
empty, odd (directory, FIFO, symlink loop), damaged and valid files.

The cases are promise 4 of docs/robustness.md; what it declares out of scope (races with special
files, memory caps below what numpy needs, locale corner cases) is not drawn. Deterministic and
bounded for CI (about a minute); `pytest --hypothesis-profile=long tests/test_fuzz.py` runs it far
longer by hand.
"""

import argparse
import base64
import io
import json
import os
import resource
import shutil
import sys

import numpy as np
import pytest
from gensim.test.utils import datapath
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import CHUCK
from tlm.cli import build_parser as tlm_parser
from tlm.cli import main as tlm_main
from wp.cli import build_parser as wp_parser
from wp.cli import main as wp_main

pytestmark = pytest.mark.slow

MEMORY_CAP = 2 << 30  # address space a run may add to what the test process already maps
EDGE_NUMBERS = ["0", "-1", "-0.0", "nan", "inf", "-inf", "1e400", "1e-320", "abc", "", "9" * 30, "0x10", "1_000"]
EDGE_TEXTS = ["", " ", "é", "\u2028", "wood" * 3000, "<unk>", "$x$", "a\tb", "--", "-1"]
WORDS = ["how", "much", "wood", "he", "she", "his", "the", "qqq", "", "é", "x" * 2000, "<unk>", "Wood"]
# Valid values that would only mean long work, not a bug: kept small.
SMALL = {"--epochs": ["1", "2"], "--length": ["0", "7"], "--samples": ["1", "3"], "--top": ["1", "5"]}
SKIPPED_COMMANDS = {"serve"}  # a server runs until stopped; its API has its own never-500 tests


# ---- the files the arguments point at -----------------------------------------------------------

def _damaged_models(valid):
    doc = json.loads(valid)
    params = doc["params"]
    variants = {
        "truncated": valid[: len(valid) // 2],
        "not-json": "{not json",
        "deep": "[" * 100_000 + "]" * 100_000,
        "huge-int": valid.replace('"n":2', '"n":' + "9" * 5000),
        "bad-transform": json.dumps({**doc, "config": {**doc["config"], "transforms": ["shout"]}}),
        "negative-n": json.dumps({**doc, "config": {**doc["config"], "n": -3}}),
        "nan-history": valid.replace('"val_loss":[', '"val_loss":[NaN,'),
        "dup-vocab": json.dumps({**doc, "vocab": ["a"] * len(doc["vocab"])}),
        "bad-b64": json.dumps({**doc, "params": {**params, "E": {**params["E"], "data": "!!!"}}}),
        "short-data": json.dumps({**doc, "params": {**params, "b": {**params["b"], "data": "AAAA"}}}),
        "inf-data": json.dumps({**doc, "params": {**params, "b": {**params["b"], "data": base64.b64encode(
            np.full(len(doc["vocab"]), np.inf, dtype="<f4").tobytes()).decode()}}}),
        "big-shape": json.dumps({**doc, "params": {**params, "W": {**params["W"], "shape": [2**30, 2**30]}}}),
        "wrong-types": json.dumps({**doc, "history": {"loss": "x", "val_loss": 3}, "training": []}),
        "version-1-lists": json.dumps({**doc, "version": 1, "E": [[1e40] * 3]}),
        "kind": json.dumps({**doc, "kind": ["embedding"]}),
        "adam-state": json.dumps({**doc, "training": {**doc["training"], "optimizer_state": {"t": 1}}}),
    }
    assert set(variants) == set(DAMAGES)
    return variants


def _damaged_vectors():
    good = open(datapath("test_glove.txt")).read().splitlines()
    return {
        "short-row.txt": "\n".join(good[:3] + ["he 0.1 0.2"]) + "\n",
        "header-lies.txt": "5 50\n" + "\n".join(good[:3]) + "\n",
        "repeated.txt": "\n".join(good[:3] + good[:1]) + "\n",
        "nan.txt": "\n".join(good[:2] + ["nanword " + " ".join(["nan"] * 50)]) + "\n",
        "words-only.txt": "he\nshe\n",
        "binary.bin": "3 2\nab \x00\x00\x80?\x00\x00",
    }


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """name -> path of every file the fuzzer may pass; the folder also holds the outputs."""
    folder = tmp_path_factory.mktemp("fuzz-inputs")
    paths = {"chuck": folder / "chuck.txt", "missing": folder / "missing.txt", "dir": folder / "adir",
             "fifo": folder / "fifo", "loop": folder / "loop", "glove": datapath("test_glove.txt")}
    shutil.copy(CHUCK, paths["chuck"])
    paths["dir"].mkdir()
    os.mkfifo(paths["fifo"])
    os.symlink(folder / "loop", paths["loop"])
    for name, data in {"empty.txt": "", "bom.txt": "\ufeff" + CHUCK.read_text(), "digits.txt": "1 2 3\n"}.items():
        paths[name] = folder / name
        paths[name].write_text(data)
    paths["latin1.txt"] = folder / "latin1.txt"
    paths["latin1.txt"].write_bytes("caf\xe9 au lait".encode("latin-1"))
    paths["model"] = folder / "model.json"
    paths["counts"] = folder / "counts.json"
    assert tlm_main(["train", "--filepath", str(CHUCK), "--epochs", "1", "--val-fraction", "0.2",
                     "--output", str(paths["model"])]) == 0
    assert tlm_main(["train", "--kind", "counts", "--filepath", str(CHUCK), "--output", str(paths["counts"])]) == 0
    for name, data in _damaged_models(paths["model"].read_text()).items():
        paths[f"bad-{name}"] = folder / f"bad-{name}.json"
        paths[f"bad-{name}"].write_text(data)
    for name, data in _damaged_vectors().items():
        paths[name] = folder / name
        paths[name].write_bytes(data.encode("latin-1") if name.endswith(".bin") else data.encode())
    paths["pickle.kv"] = folder / "pickle.kv"
    paths["pickle.kv"].write_bytes(b"\x80\x04K\x01.")
    return {k: str(v) for k, v in paths.items()}


# ---- drawing argument lists from the option tables -----------------------------------------------

def subcommands(parser):
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: p for name, p in action.choices.items() if name not in SKIPPED_COMMANDS}


def values_for(action, files, command):
    """(valid, edge) candidate strings for one option or positional of `command`."""
    option = action.option_strings[0] if action.option_strings else action.dest
    kind = action.type
    if option in SMALL:
        return SMALL[option], EDGE_NUMBERS
    if action.choices:
        return list(action.choices), ["nope", ""]
    if hasattr(kind, "bounds"):
        low, high = kind.bounds
        low = 0 if low is None else low
        valid = [str(low + step) for step in (1, 2)] if kind.__name__ == "integer" else ["0.05", "0.5", "0.9"]
        return valid + ([str(high)] if high is not None and high < 10**6 else []), EDGE_NUMBERS
    odd_files = [files[k] for k in ("missing", "dir", "fifo", "loop", "empty.txt", "latin1.txt", "digits.txt")]
    if action.dest == "filepath":
        return [files["chuck"], files["bom.txt"]], odd_files + EDGE_TEXTS[:3]
    if action.dest == "model":
        return [files["model"], files["counts"]], odd_files + [files[f"bad-{d}"] for d in DAMAGES[:6]] + [""]
    if action.dest == "output":
        name = {"plot": "out.png", "export": "out.tsv"}.get(command, "out.json")
        return [name], odd_files + [files["model"], files["chuck"], "", "out.jpg", "adir/", "no/such/dir/x"]
    if action.dest in ("words", "word", "a", "b", "c", "analogy", "context", "prompt"):
        return WORDS[:6], WORDS[6:] + EDGE_TEXTS
    return EDGE_TEXTS[1:3], EDGE_TEXTS


@st.composite
def argv_for(draw, parser, name, files):
    """An argument list for subcommand `name`: each option present or not, all values valid but at most
    one, which is drawn from the edges (so that each refusal is reached, not only the first)."""
    actions = [a for a in subcommands(parser)[name]._actions if not isinstance(a, argparse._HelpAction)]
    odd_one = draw(st.integers(-1, len(actions) - 1))
    argv = [name]
    for i, action in enumerate(actions):
        if action.option_strings and not draw(st.booleans()):
            continue
        if action.nargs == 0:  # a flag
            argv.append(action.option_strings[0])
            continue
        valid, edge = values_for(action, files, name)
        count = {None: 1, "?": 1, "+": draw(st.integers(1, 3)), "*": draw(st.integers(0, 3))}.get(action.nargs)
        count = action.nargs if isinstance(action.nargs, int) else count
        drawn = [draw(st.sampled_from(edge if i == odd_one and j == 0 else valid)) for j in range(count)]
        argv += [action.option_strings[0], *drawn] if action.option_strings else drawn
    return argv


def snapshot(folder):
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")
            if p.is_file() and not p.is_symlink() and "cache" not in p.parts}


def run_capped(main, argv, capsys, monkeypatch):
    """Run main(argv) with empty stdin and an address-space cap; returns (status, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/status") as f:
        used = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (used + MEMORY_CAP, hard))
    try:
        status = main(argv)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    return status, capsys.readouterr().err


def check(main, argv, capsys, monkeypatch, folder):
    before = snapshot(folder)
    status, err = run_capped(main, argv, capsys, monkeypatch)
    assert status in (0, 1, 2, 130), (argv, status, err)
    assert "Traceback" not in err, (argv, err)
    if status != 0:
        assert snapshot(folder) == before, (argv, err)
    for p in folder.glob(".tmp-*"):
        raise AssertionError(f"{argv} left {p}")


@pytest.fixture
def workdir(files, monkeypatch, tmp_path):
    folder = os.path.dirname(files["chuck"])
    monkeypatch.chdir(folder)
    monkeypatch.setenv("WP_MODEL", files["glove"])
    monkeypatch.setenv("WP_CACHE_DIR", str(tmp_path / "cache"))
    from pathlib import Path

    return Path(folder)


@pytest.mark.parametrize("name", sorted(subcommands(tlm_parser())))
def test_tlm_never_breaks(name, files, workdir, capsys, monkeypatch):
    @given(argv=argv_for(tlm_parser(), name, files))
    def fuzz(argv):
        check(tlm_main, argv, capsys, monkeypatch, workdir)

    fuzz()


@pytest.mark.parametrize("name", sorted(subcommands(wp_parser())))
def test_wp_never_breaks(name, files, workdir, capsys, monkeypatch):
    valid = [files[k] for k in ("glove", "model", "glove", "model")]
    odd = [files[k] for k in ("counts", "pickle.kv", "missing", "dir", "fifo", "loop", "short-row.txt",
                              "header-lies.txt", "repeated.txt", "nan.txt", "words-only.txt", "binary.bin", "bad-deep",
                              "bad-truncated")] + ["glove-wiki-gigaword-999", ""]

    @given(model=st.sampled_from(valid + odd), argv=argv_for(wp_parser(), name, files))
    def fuzz(model, argv):
        check(wp_main, ["--model", model, *argv], capsys, monkeypatch, workdir)

    fuzz()


DAMAGES = ("truncated", "not-json", "deep", "huge-int", "bad-transform", "negative-n", "nan-history", "dup-vocab",
           "bad-b64", "short-data", "inf-data", "big-shape", "wrong-types", "version-1-lists", "kind", "adam-state")


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_model_files_fail_cleanly(damage, files, workdir, capsys, monkeypatch):
    for main, argv in ((tlm_main, ["generate", "--model", files[f"bad-{damage}"]]),
                       (tlm_main, ["predict", "--model", files[f"bad-{damage}"], "how"]),
                       (wp_main, ["--model", files[f"bad-{damage}"], "similar", "how"])):
        before = snapshot(workdir)
        status, err = run_capped(main, argv, capsys, monkeypatch)
        assert status == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (damage, err)
        assert snapshot(workdir) == before
