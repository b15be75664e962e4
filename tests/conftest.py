"""Shared fixtures: the repository paths, the offline NLTK data beside the clone, tiny corpora."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHUCK = ROOT / "chuck.txt"
SHARED_NLTK = ROOT.parent / "shared" / "nltk_data"


def _use_offline_nltk_data():
    """NLTK only reads folders on its data path: add the offline copy beside the clone, if any."""
    if not os.environ.get("NLTK_DATA") and SHARED_NLTK.is_dir():
        os.environ["NLTK_DATA"] = str(SHARED_NLTK)
    import nltk

    for folder in os.environ.get("NLTK_DATA", "").split(os.pathsep):
        if folder and folder not in nltk.data.path:
            nltk.data.path.append(folder)


_use_offline_nltk_data()


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
def session_cache(tmp_path_factory):
    """wp's cache for what a whole session shares (converted models): a folder of the session's own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WP_CACHE_DIR", str(tmp_path_factory.mktemp("wp-cache")))
        yield


@pytest.fixture(scope="session")
def glove(session_cache):
    """The real offline GloVe 6B 50d, converted once per test session."""
    from wp import models

    return models.load_named(models.OFFLINE_MODEL)


@pytest.fixture(scope="session")
def chuck_model(tmp_path_factory):
    """The path of a tlm model trained on chuck.txt with the defaults, once per session."""
    from tlm.cli import main

    path = tmp_path_factory.mktemp("chuck") / "chuck.json"
    assert main(["train", "--filepath", str(CHUCK), "--output", str(path)]) == 0
    return path


@pytest.fixture(scope="session")
def side_by_side(session_cache, chuck_model):
    """`wp serve` on gensim's tiny GloVe fixture (76 words x 50d) and the chuck.txt tlm model, side by
    side, running in this process: its base URL."""
    from gensim.test.utils import datapath

    from tests.serving import live
    from wp import models
    from wp.server.app import create_app

    loaded = [models.load(datapath("test_glove.txt")), models.load(str(chuck_model), with_model=True)]
    with live(create_app(loaded)) as url:
        yield url


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


def assert_clean_error(code, err, prefix, *needles):
    """A non-zero exit and exactly one stderr line, `<prefix>: error: ...`, containing each needle."""
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{prefix}: error: "), err
    for needle in needles:
        assert needle in lines[0]
