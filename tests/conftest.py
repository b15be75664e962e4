"""Shared fixtures: the repository paths, the offline NLTK data beside the clone, tiny corpora."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
CHUCK = ROOT / "chuck.txt"
SHARED_NLTK = ROOT.parent / "shared" / "nltk_data"


# NLTK reads its data path from $NLTK_DATA when it is first imported (by a test, or a command the
# tests start): point it at the offline copy beside the clone, if any, before then.
if not os.environ.get("NLTK_DATA") and SHARED_NLTK.is_dir():
    os.environ["NLTK_DATA"] = str(SHARED_NLTK)

# Property tests and the fuzzer are seeded and bounded in CI; `--hypothesis-profile=long` runs them
# for thousands of examples by hand.
settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True, database=None,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile("ci")


def _has_gutenberg():
    import nltk

    try:
        nltk.data.find("corpora/gutenberg.zip")
        return True
    except LookupError:
        return False


needs_gutenberg = pytest.mark.skipif(
    not _has_gutenberg(), reason=f"NLTK's Gutenberg corpus not found (expected {SHARED_NLTK}/corpora/gutenberg.zip)"
)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """wp's converted-model cache goes to the test's folder, never the user's home."""
    monkeypatch.setenv("WP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WP_MODEL", raising=False)


@pytest.fixture(scope="session")
def glove():
    """The real offline GloVe 6B 50d (`WordVectors`), converted once per test session."""
    import tempfile

    from wp import models

    old = os.environ.get("WP_CACHE_DIR")
    os.environ["WP_CACHE_DIR"] = tempfile.mkdtemp(prefix="wp-glove-")
    try:
        yield models.load_named(models.OFFLINE_MODEL).vectors
    finally:
        os.environ.pop("WP_CACHE_DIR") if old is None else os.environ.__setitem__("WP_CACHE_DIR", old)


@pytest.fixture
def chuck_words():
    return CHUCK.read_text().split()


@pytest.fixture
def run(capsys):
    """Run a CLI's main(argv) and return (exit code, stdout, stderr)."""

    def _run(main, *argv):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture
def trained(tmp_path, run):
    """A tlm model trained on chuck.txt with the defaults: (its path, what `tlm train` printed)."""
    from tlm.cli import main

    path = tmp_path / "model.json"
    code, out, err = run(main, "train", "--filepath", CHUCK, "--output", path)
    assert code == 0, err
    return path, out


def assert_clean_error(code, err, prefix, *needles):
    """A non-zero exit and exactly one stderr line, `<prefix>: error: ...`, containing each needle."""
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{prefix}: error: "), err
    for needle in needles:
        assert needle in lines[0]


def command(name):
    """The installed console script `name` (tlm, wp) of this environment."""
    import sys

    return str(Path(sys.executable).parent / name)


def start(name, *argv, cwd=None, env=None, **kwargs):
    """Start an installed command in a new process group (as a terminal runs it), stdout piped."""
    import subprocess

    return subprocess.Popen([command(name), *map(str, argv)], cwd=cwd, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **kwargs)


def signal_group_twice(process, signum, gap=0.2):
    """Send `signum` to the process's group twice, `gap` seconds apart: one Ctrl-C under `uv run`
    (which forwards it to its child while the terminal signals the whole group)."""
    import time

    os.killpg(process.pid, signum)
    time.sleep(gap)
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:  # already gone
        pass


def run_until(process, line_start):
    """Read a started command's stdout until a line starts with `line_start`; False if it never does."""
    for line in process.stdout:
        if line.startswith(line_start):
            return True
    return False


def random_text(path, tokens=20_000, vocabulary=300, seed=0):
    """A text of Zipf-distributed words w0..wN: big enough that an epoch takes a noticeable moment."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ranks = np.minimum(rng.zipf(1.3, tokens), vocabulary) - 1
    path.write_text(" ".join(f"w{r}" for r in ranks) + "\n")
    return path


def sh(cmd, cwd, env=None, stdin=None, timeout=120):
    """Run `cmd` with bash (pipefail) in `cwd`, wp's cache inside it; a CompletedProcess of text."""
    import subprocess

    return subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, input=stdin,
                          env={**os.environ, "WP_CACHE_DIR": str(Path(cwd) / "cache"), **(env or {})})
