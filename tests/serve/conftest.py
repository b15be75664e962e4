"""Fixtures of the `wp serve` tests: a tlm model trained on chuck.txt, and a server in this process
answering from gensim's tiny GloVe fixture beside it."""

import pytest

from tests.conftest import CHUCK


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory):
    """wp's cache for what a whole session shares (converted models): a folder of the session's own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WP_CACHE_DIR", str(tmp_path_factory.mktemp("wp-cache")))
        yield


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

    from tests.serve.serving import live
    from wp import models
    from wp.server.app import create_app

    loaded = [models.load(datapath("test_glove.txt")), models.load(str(chuck_model), with_model=True)]
    with live(create_app(loaded)) as url:
        yield url


@pytest.fixture(scope="session")
def lower_model(tmp_path_factory):
    """The path of a tlm model trained on chuck.txt with -t lower -t alpha --min-count 2 (so 'much',
    seen once, is folded into <unk>), once per session."""
    from tlm.cli import main

    path = tmp_path_factory.mktemp("lower") / "lower.json"
    assert main(["train", "--filepath", str(CHUCK), "-t", "lower", "-t", "alpha", "--min-count", "2",
                 "--output", str(path)]) == 0
    return path
