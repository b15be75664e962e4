"""The "Watch it learn" panel of `wp serve` and its endpoint, /api/journey: the API agrees with
`tlm journey --json`, and in Chromium the slider changes the map and the list, play advances, and a
model without a journey says so."""

import json

import httpx
import pytest

from tests.conftest import CHUCK
from tests.serve.serving import live
from tests.serve.test_browser import WAIT_MS, browser  # noqa: F401  (the fixture)
from tlm.cli import main as tlm_main
from wp import models
from wp.server.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(chuck_model, session_cache):
    with live(create_app([models.load(str(chuck_model), with_model=True)])) as url:
        yield url


def test_the_endpoint_agrees_with_tlm_journey(served, chuck_model, capsys):
    answer = httpx.get(f"{served}api/journey", params={"word": "chuck", "n": 3}, timeout=10).json()
    assert tlm_main(["journey", "--model", str(chuck_model), "--word", "chuck", "-n", "3", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert answer["snapshots"] == printed["snapshots"] and answer["neighbours"] == printed["neighbours"]
    assert answer["words"][:4] == ["chuck"] + [x["word"] for x in printed["neighbours"][-1]]
    assert len(answer["points"]) == 15 and len(answer["points"][0]) == len(answer["words"])
    columns = httpx.get(f"{served}api/journey", params={"word": "chuck", "n": 3, "vectors": "W"}, timeout=10).json()
    assert tlm_main(["journey", "--model", str(chuck_model), "--word", "chuck", "-n", "3", "--vectors", "W", "--json"]) == 0
    assert columns["neighbours"] == json.loads(capsys.readouterr().out)["neighbours"] != answer["neighbours"]
    missing = httpx.get(f"{served}api/journey", params={"word": "chuk"}, timeout=10)
    assert missing.status_code == 404 and "chuck" in missing.json()["suggestions"]


@pytest.fixture
def page(browser, served):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, base_url=served)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: request.url.startswith((served, "data:")) or problems.append(request.url))
    yield page
    context.close()
    assert problems == []


def shown(page):
    return page.eval_on_selector("#journey-body", "node => node.dataset.shown")


def neighbours(page):
    return page.eval_on_selector_all("#journey-neighbours .w", "nodes => nodes.map(node => node.textContent)")


def map_x(page):
    return page.evaluate("document.getElementById('journey-map').data[0].x")


def test_the_slider_changes_the_map_and_the_list_and_play_advances(page, served):
    answer = httpx.get(f"{served}api/journey", params={"word": "wood"}, timeout=10).json()
    page.goto("/")
    page.wait_for_selector("#journey[data-ready=yes]", state="attached")
    page.fill("#journey-word", "wood")
    page.click("#journey-form button")
    page.wait_for_function("document.getElementById('journey-neighbours') && "
                           "document.querySelector('#journey-body h4').textContent.includes('wood')")
    last = len(answer["snapshots"]) - 1
    assert shown(page) == str(last)
    assert neighbours(page) == [x["word"] for x in answer["neighbours"][last]]
    assert map_x(page) == pytest.approx([p[0] for p in answer["points"][last]])
    page.fill("#journey-slider", "0")
    page.wait_for_function("document.getElementById('journey-body').dataset.shown === '0'")
    assert neighbours(page) == [x["word"] for x in answer["neighbours"][0]]
    assert map_x(page) == pytest.approx([p[0] for p in answer["points"][0]])
    assert "step 0," in page.text_content("#journey-step")
    page.click("#journey-play")
    page.wait_for_function("Number(document.getElementById('journey-body').dataset.shown) >= 2")
    assert page.text_content("#journey-play") == "Pause"
    page.click("#journey-play")
    assert page.text_content("#journey-play") == "Play"


def test_a_model_without_a_journey_says_so(browser, tmp_path, session_cache):  # noqa: F811
    path = tmp_path / "off.json"
    assert tlm_main(["train", "--filepath", str(CHUCK), "--snapshots", "0", "--output", str(path)]) == 0
    with live(create_app([models.load(str(path), with_model=True)])) as url:
        context = browser.new_context(base_url=url)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto("/")
        page.wait_for_selector("#journey-body .problem")
        assert "has no journey" in page.text_content("#journey-body")
        context.close()
