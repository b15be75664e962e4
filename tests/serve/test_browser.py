"""The page of `wp serve` in a real browser: Debian's Chromium driven by Playwright, on the server
of the API tests (gensim's 76-word GloVe fixture beside a tlm model trained on chuck.txt).

Every test also checks that the page logged no error (a 404 from the API, for a word a model does
not know, is the only expected one) and fetched nothing from outside the machine. These tests fail,
never skip, when the browser cannot start: TINYLM_CHROMIUM names it (default /usr/bin/chromium);
`.ci/run` installs Debian's `chromium` when it is missing.
"""

import os
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

CHROMIUM = os.environ.get("TINYLM_CHROMIUM", "/usr/bin/chromium")
WAIT_MS = 15_000
API_404 = "Failed to load resource: the server responded with a status of 404"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            # Chromium's sandbox refuses to run as root (CI runs as root).
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, timeout=60_000,
                                                  args=["--no-sandbox"] if os.geteuid() == 0 else [])
        except Error as e:
            pytest.fail(f"Chromium cannot start from {CHROMIUM} (install Debian's chromium or set TINYLM_CHROMIUM): "
                        f"{str(e).splitlines()[0]}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def api(side_by_side):
    def ask(endpoint, **params):
        return httpx.get(f"{side_by_side}api/{endpoint}", params=params, timeout=10).json()

    return ask


@pytest.fixture(scope="module")
def tab(browser, side_by_side):
    """One page for the module, loaded once (Plotly takes seconds to start on a slow machine), and the
    list of what went wrong on it."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, base_url=side_by_side)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    problems = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}") or dialog.dismiss())
    page.on("console", lambda message: message.type == "error" and not (
        message.text.startswith(API_404) and "/api/" in message.location.get("url", ""))
        and problems.append(f"console: {message.text} ({message.location.get('url')})"))
    page.on("request", lambda request: request.url.startswith((side_by_side, "data:"))
            or problems.append(f"fetched from outside: {request.url}"))
    load(page)
    yield page, problems
    context.close()


@pytest.fixture
def page(tab):
    """The page, emptied of queries (as the back button would); after the test, nothing went wrong."""
    page, problems = tab
    go(page, "")
    problems.clear()
    yield page
    assert problems == []


def load(page, query=""):
    """Load the page afresh, as a link or a reload does."""
    page.goto(f"/{query}")
    page.wait_for_selector("body[data-ready=yes]", state="attached")


@contextmanager
def own_page(browser, url, query):
    """A page of its own (its console unwatched) on the server at `url`, loaded at `query`."""
    context = browser.new_context(base_url=url)
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        load(page, query)
        yield page
    finally:
        context.close()


def go(page, query):
    """Move the page to the queries of a URL the way the back and forward buttons do (no reload)."""
    page.evaluate("query => { history.pushState(null, '', '/' + query); dispatchEvent(new PopStateEvent('popstate')); }",
                  query)


def wait_shown(page, panel, value):
    """Wait until a panel has drawn the answers to `value` (its query)."""
    page.wait_for_function("([id, value]) => document.getElementById(id).dataset.shown === value",
                           arg=[f"{panel}-columns", value])


def search(page, word, n=None):
    if n is not None:
        page.fill("#n", str(n))
    page.fill("#word", word)
    page.press("#word", "Enter")
    wait_shown(page, "explore", word)


def texts(page, selector):
    return page.eval_on_selector_all(selector, "nodes => nodes.map(node => node.textContent)")


def url_word(page):
    return parse_qs(urlsplit(page.url).query).get("word", [None])[0]


def test_typing_a_word_completes_it_and_shows_its_neighbours(page, api):
    page.type("#word", "h")
    page.wait_for_function("document.querySelectorAll('#vocabulary option').length > 0")
    completions = page.eval_on_selector_all("#vocabulary option", "nodes => nodes.map(node => node.value)")
    assert completions[:2] == ["he", "his"] and "how" in completions  # from both models
    search(page, "he")
    expected = api("similar", word="he", n=10)["neighbours"]
    assert texts(page, "#explore-0 ol.neighbours a.word") == [x["word"] for x in expected]
    assert texts(page, "#explore-0 ol.neighbours .score") == [f"{x['score']:.4f}" for x in expected]
    assert url_word(page) == "he"


def test_clicking_a_neighbour_follows_it_and_back_returns(page):
    go(page, "?word=he")
    wait_shown(page, "explore", "he")
    first = texts(page, "#explore-0 ol.neighbours a.word")[0]
    page.click("#explore-0 ol.neighbours a.word >> nth=0")
    wait_shown(page, "explore", first)
    assert url_word(page) == first and page.input_value("#word") == first
    assert first not in texts(page, "#explore-0 ol.neighbours a.word")
    page.go_back()
    wait_shown(page, "explore", "he")
    assert url_word(page) == "he" and page.input_value("#word") == "he"
    page.go_forward()
    wait_shown(page, "explore", first)


def test_the_map_has_a_point_per_word_names_it_on_hover_and_zooms(page, api):
    go(page, "?word=he&n=7")
    wait_shown(page, "explore", "he")
    points = page.locator("#explore-0-map .scatterlayer .point")
    assert points.count() == 8
    assert texts(page, "#explore-0-map .textpoint") == ["he"] + [x["word"] for x in api("similar", word="he", n=7)["neighbours"]]
    box = points.nth(0).bounding_box()  # Plotly's drag layer lies above the points: move the mouse there
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#explore-0-map .hoverlayer .hovertext")
    assert texts(page, "#explore-0-map .hoverlayer .hovertext")[0] == "he"
    before = page.evaluate("document.getElementById('explore-0-map').layout.xaxis.range.slice()")
    page.mouse.wheel(0, -400)
    page.wait_for_function("([before]) => document.getElementById('explore-0-map').layout.xaxis.range[0] !== before[0]",
                           arg=[before])


def test_an_analogy_shows_its_answer_and_arrows(page, api):
    for field, word in (("#a", "he"), ("#b", "his"), ("#c", "she")):
        page.fill(field, word)
    page.click("#analogy button")
    wait_shown(page, "analogy", "he his she add")
    best = api("analogy", a="he", b="his", c="she", n=5)["answers"][0]["word"]
    assert texts(page, "#analogy-0 .analogy-line .answer") == [best]
    assert page.locator("#analogy-0-map .annotation").count() == 2  # A -> B and C -> the answer
    assert page.locator("#analogy-0-map .scatterlayer .point").count() == 8  # A, B, C and 5 answers
    assert "“he” is not in the vocabulary of chuck.json" in page.inner_text("#analogy-1 .missing")  # the first, as wp says
    assert parse_qs(urlsplit(page.url).query)["b"] == ["his"]


def test_side_by_side_shows_both_columns_and_highlights_what_they_share(page, api):
    go(page, "?word=the&n=40")
    wait_shown(page, "explore", "the")
    lists = [[x["word"] for x in api("similar", word="the", n=40, model=m)["neighbours"]] for m in (0, 1)]
    shared = [w for w in lists[0] if w in lists[1]]
    assert shared  # the fixture's 76 words and chuck.txt's 11 share "a" (and "it", "all", "would", seen once)
    for model in (0, 1):
        assert texts(page, f"#explore-{model} ol.neighbours a.word") == lists[model]
        assert sorted(texts(page, f"#explore-{model} li.shared a.word")) == sorted(shared)
        assert page.locator(f"#explore-{model}-map .scatterlayer .point").count() == len(lists[model]) + 1
    assert page.inner_text("#agreement").startswith(f"{len(shared)} neighbours in common (top 40 and top {len(lists[1])}): ")
    assert texts(page, ".model-name")[:2] == ["test_glove.txt76 words × 50", "chuck.jsontlm model, 11 words × 32"]


def test_a_word_only_one_model_knows(page):
    go(page, "?word=percent")
    wait_shown(page, "explore", "percent")
    assert page.locator("#explore-0 ol.neighbours li").count() == 10
    assert page.inner_text("#explore-1 .missing") == "“percent” is not in the vocabulary of chuck.json."
    assert page.locator("#explore-1-map").is_hidden() and page.locator(".problem").count() == 0
    assert "Only one model knows “percent”" in page.inner_text("#agreement")


def test_what_the_agreement_line_says_when_there_is_nothing_to_compare(page, browser, side_by_side):
    search(page, "zzqx")
    assert page.inner_text("#agreement") == "Neither model knows “zzqx”: nothing to compare."
    # A bad count in a link: both models answer 400, which is not "unknown word". The browser logs the
    # 400s as console errors, so this runs on a page of its own.
    with own_page(browser, side_by_side, "?word=he&n=abc") as other:
        wait_shown(other, "explore", "he")
        assert other.inner_text("#agreement").startswith("Nothing to compare: n: ")


def test_an_unknown_word_shows_close_spellings_inline(page):
    search(page, "hee")
    assert page.inner_text("#explore-0 .missing") == "“hee” is not in the vocabulary of test_glove.txt. Close spellings: he, there"
    assert page.locator("#explore-1 .missing").count() == 1
    page.click("#explore-0 .missing a.word >> text=he")
    wait_shown(page, "explore", "he")
    assert page.locator("#explore-0 ol.neighbours li").count() == 10


def test_hostile_words_are_shown_as_text(page):
    word = '<img src=x onerror=alert(1)>"'
    search(page, word)
    assert word in page.inner_text("#explore-0 .missing")
    assert page.locator("#explore-columns img").count() == 0


def test_map_and_chart_labels_are_the_words_as_written(page):
    words = ["<unk>", "<b>bold</b>", "a&amp;b", "1990", "x"]  # Plotly would read the first three as HTML
    drawn = page.evaluate("""words => {
        const map = document.createElement("div"), bars = document.createElement("div");
        document.body.append(map, bars);
        drawMap(map, words.map((word, i) => ({word, x: i, y: i % 2})), () => "#000", [[words[0], words[1]]]);
        barChart(bars, words.map((word, i) => ({word, probability: (i + 1) / 15})), "#000");
        const texts = (node, selector) => [...node.querySelectorAll(selector)].map((label) => label.textContent);
        const seen = [texts(map, ".textpoint"), map.data[0].customdata, texts(bars, ".ytick text")];
        Plotly.purge(map);
        Plotly.purge(bars);
        map.remove();
        bars.remove();
        return seen;
    }""", words)
    assert drawn == [words, words, words[::-1]]


def test_similarity_and_odd_one_out(page, api):
    page.fill("#s1", "he")
    page.fill("#s2", "she")
    page.click("#similarity button")
    page.wait_for_selector("#similarity-result .cosine")
    assert texts(page, "#similarity-result .cosine strong") == [f"{api('similarity', a='he', b='she')['cosine']:.4f}"]
    assert page.locator("#similarity-result .missing").count() == 1  # chuck.txt has no "he"
    page.fill("#odd-words", "he she his percent")
    page.click("#odd button")
    page.wait_for_selector("#odd-result .answer")
    assert texts(page, "#odd-result .answer") == ["percent"]


def test_a_link_restores_every_panel(page):
    load(page, "?word=he&n=5&a=he&b=his&c=she&method=mul&s1=he&s2=she&odd=he+she+his+percent")
    wait_shown(page, "explore", "he")
    wait_shown(page, "analogy", "he his she mul")
    page.wait_for_selector("#similarity-result .cosine")
    page.wait_for_selector("#odd-result .answer")
    assert page.locator("#explore-0 ol.neighbours li").count() == 5
    assert page.input_value("#method") == "mul" and page.input_value("#odd-words") == "he she his percent"


def test_the_language_model_panel(page, api):
    card = "#tlm-1"
    assert page.locator("#tlm-0").count() == 0  # GloVe has no language model
    page.wait_for_selector(f"{card} .history-chart .scatterlayer .point")
    assert page.locator(f"{card} .history-chart .scatterlayer .point").count() == 5  # 5 epochs, no held-out loss
    page.fill(f"{card} .context", "how much")
    page.fill(f"{card} .k", "4")
    page.click(f"{card} .predict button")
    page.wait_for_selector(f"{card} .predict-chart .barlayer .point")
    assert page.locator(f"{card} .predict-chart .barlayer .point").count() == 4
    expected = [p["word"] for p in api("predict", context="how much", k=4, model=1)["predictions"]]
    assert texts(page, f"{card} .predict-chart .ytick text") == expected[::-1]  # likeliest on top
    settings = {"prompt": "how much", "length": "12", "temperature": "0.7", "top-k": "4", "seed": "3"}
    for name, value in settings.items():
        page.fill(f"{card} .{name}", value)
    page.click(f"{card} .generate button")
    page.wait_for_selector(f"{card} .sample.shown")
    sample = api("generate", prompt="how much", length=12, temperature=0.7, top_k=4, seed=3, model=1)["text"]
    assert page.inner_text(f"{card} .sample") == sample
    page.fill(f"{card} .context", "how mcuh")
    page.click(f"{card} .predict button")
    page.wait_for_selector(f"{card} .predict-result .missing")
    assert "“mcuh” is not in the vocabulary of chuck.json. Close spellings: much" == page.inner_text(f"{card} .predict-result")


def test_inside_a_prediction(page, api):
    card = "#inside-1"
    page.wait_for_selector("body[data-inside-ready=yes]", state="attached")
    assert page.locator("#inside-0").count() == 0  # GloVe has no language model
    page.fill(f"{card} .inside-context", "how much")
    page.fill(f"{card} .inside-target", "wood")
    page.fill(f"{card} .inside-k", "3")
    assert page.is_disabled(f"{card} .take-step")
    page.click(f"{card} .inside-form button:not(.take-step)")
    page.wait_for_selector(f"{card}[data-explained='how much']")
    expected = api("explain", context="how much", target="wood", k=3, model=1)
    assert texts(page, f"{card} .stage .strip-label") == ["how", "much", "average"]
    assert page.locator(f"{card} .stage .strip").first.locator(".cell").count() == 32
    words = [row[0] for row in expected["table_text"]["rows"][:-1]]
    assert texts(page, f"{card} .stage:nth-of-type(3) .bar-word") == words  # logits, likeliest first
    assert texts(page, f"{card} .stage:nth-of-type(4) .bar-value") == [row[-1] for row in expected["table_text"]["rows"][:-1]]
    table = page.eval_on_selector_all(f"{card} .lab-table tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert table == [expected["table_text"]["head"]] + expected["table_text"]["rows"]
    assert f"= {expected['loss']:.4f}" in page.inner_text(f"{card} .loss")
    gradient = texts(page, f"{card} .inside-result .gradient .bar-value")
    assert gradient == [f"{expected['dlogits'][w]:.4f}" for w in words]
    page.click(f"{card} .take-step")
    page.wait_for_selector(f"{card}[data-stepped=yes]")
    stepped = api("explain", context="how much", target="wood", k=3, step="true", model=1)["step"]
    assert page.inner_text(f"{card} .loss-after") == f"{stepped['loss']:.4f}"
    assert page.inner_text(f"{card} .p-after") == f"{stepped['p_target']:.4f}"
    after = texts(page, f"{card} .inside-step-result .bar-value")
    assert [value.split(" → ")[1] for value in after] == [f"{p:.3f}" for p in stepped["table_probs"]]
    page.click(f"{card} .take-step")  # again: from the same served model, the same step
    page.wait_for_selector(f"{card}[data-stepped=yes]")
    assert page.inner_text(f"{card} .loss-after") == f"{stepped['loss']:.4f}"
    page.fill(f"{card} .inside-context", "how mcuh")
    page.click(f"{card} .inside-form button:not(.take-step)")
    page.wait_for_selector(f"{card} .inside-result .missing")
    assert "“mcuh” is not in the vocabulary of chuck.json. Close spellings: much" == page.inner_text(f"{card} .inside-result")
    assert page.is_disabled(f"{card} .take-step")


def test_neighbours_show_counts_and_the_min_count_control_hides_rare_words(page):
    go(page, "?word=a&min=2")
    wait_shown(page, "explore", "a")
    seen = texts(page, "#explore-1 ol.neighbours .seen")
    assert seen and all(s.startswith("seen ") and int(s.split()[1]) >= 2 for s in seen)
    assert all(s.startswith("rank ") for s in texts(page, "#explore-0 ol.neighbours .seen"))
    assert "seen fewer than 2 times hidden" in page.text_content("#explore-1")
    assert page.input_value("#min-count") == "2"


def test_a_tlm_models_vectors_are_chosen_on_the_page(page, api):
    from playwright.sync_api import expect

    assert page.locator("#vectors-0").count() == 0  # GloVe has one vector per word: nothing to choose
    go(page, "?word=a&n=4&min=1")
    wait_shown(page, "explore", "a")
    shown = {which: [x["word"] for x in api("similar", word="a", n=4, min_count=1, model=1, vectors=which)["neighbours"]]
             for which in ("E+W", "W")}
    assert shown["W"] != shown["E+W"]
    listed, mapped = page.locator("#explore-1 ol.neighbours a.word"), page.locator("#explore-1-map .textpoint")
    expect(listed).to_have_text(shown["E+W"])  # the server's --vectors, by default
    assert page.is_checked("#vectors-1 input[value='E+W']")
    glove = texts(page, "#explore-0 ol.neighbours a.word")
    page.check("#vectors-1 input[value='W']")
    expect(listed).to_have_text(shown["W"])
    expect(mapped).to_have_text(["a", *shown["W"]])
    assert "by cosine of the W vectors" in page.inner_text("#explore-1 .query-word")
    assert parse_qs(urlsplit(page.url).query)["vectors1"] == ["W"]
    assert texts(page, "#explore-0 ol.neighbours a.word") == glove
    go(page, "?word=a&n=4&min=1&vectors1=E+W")  # a link typed by hand: its + reads as a space
    expect(listed).to_have_text(shown["E+W"])
    assert page.is_checked("#vectors-1 input[value='E+W']")
    page.go_back()
    expect(listed).to_have_text(shown["W"])
    assert page.is_checked("#vectors-1 input[value='W']")


@pytest.mark.slow
def test_the_directions_and_the_journey_follow_the_choice_of_vectors(page, api):
    from playwright.sync_api import expect

    pairs = ["how:much", "wood:chuck", "could:would"]
    page.fill("#dir-pairs", " ".join(pairs))
    page.click("#dir-relation button")
    wait_shown(page, "dir-relation", " ".join(pairs))
    page.wait_for_selector("#journey-neighbours")
    summary, journey = page.locator("#dir-relation-1 .direction-summary"), page.locator("#journey-neighbours .w")
    for which in ("W", "E"):
        page.check(f"#vectors-1 input[value='{which}']")
        consistency = api("relation", pair=pairs, model=1, vectors=which)["consistency"]
        expect(summary).to_contain_text(f"consistency {consistency:.4f} against")
        expect(journey).to_have_text([x["word"] for x in api("journey", model=1, vectors=which)["neighbours"][-1]])


@pytest.mark.slow  # a server and a page of its own
def test_a_folded_word_says_how_often_it_was_seen(browser, run, tmp_path):
    from tests.conftest import CHUCK
    from tests.serve.serving import live
    from tlm.cli import main as tlm
    from wp import models
    from wp.server.app import create_app

    path = tmp_path / "folded.json"
    assert run(tlm, "train", "--filepath", CHUCK, "-t", "lower", "--min-count", "2", "--output", path)[0] == 0
    with live(create_app([models.load(str(path), with_model=True)])) as url, own_page(browser, url, "?word=Much") as page:
        wait_shown(page, "explore", "Much")
        assert page.inner_text("#explore-0 .missing") == (
            "folded.json: word 'much' was seen 1 time in the training text; --min-count 2 folded it into <unk>.")
