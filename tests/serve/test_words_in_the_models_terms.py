"""Words in a tlm model's own terms on `wp serve`: every endpoint that takes words reads them through
the model's tokenizer transforms, as `wp` does (`Wood` is `wood` to a `-t lower` model), and answers
with the words as it read them, as the commands' --json does; a word the transforms turn into
nothing or into several tokens is a 400 of one line, and a word the training folded into <unk> a
404 saying so, both the commands' lines; a vector file reads its words as typed. Over HTTP to a
server in this process (gensim's 76-word GloVe fixture beside a `-t lower -t alpha --min-count 2`
model of chuck.txt), and on the page in Chromium."""

import json

import httpx
import pytest
from gensim.test.utils import datapath

from tests.serve.serving import live
from tests.serve.test_browser import WAIT_MS, browser  # noqa: F401  (the fixture)
from tlm.cli import main as tlm_main
from wp import models
from wp.cli import main as wp_main
from wp.server.app import create_app

GLOVE, LOWER = 0, 1
NOTHING = "'123' is 0 tokens after the model's transforms (lower, alpha); give one word"
SEVERAL = "'Wood-Chuck' is 2 tokens after the model's transforms (lower, alpha); give one word"
FOLDED = "word 'much' was seen 1 time in the training text; --min-count 2 folded it into <unk>"


@pytest.fixture(scope="module")
def served(lower_model, session_cache):
    with live(create_app([models.load(datapath("test_glove.txt")),
                          models.load(str(lower_model), with_model=True)])) as url:
        yield url


@pytest.fixture(scope="module")
def api(served):
    with httpx.Client(base_url=served, timeout=10) as client:
        yield client


def get(api, endpoint, expected, **params):
    response = api.get(f"/api/{endpoint}", params=params)
    assert response.status_code == expected, response.text
    return response.json()


def question(endpoint, word):
    """`endpoint` asked about `word` beside words the model knows, typed in capitals: (its parameters,
    the same question to `wp`, or to `tlm` for the journey; None for the map, which no command
    answers in JSON)."""
    return {
        "similar": ({"word": word, "n": 3}, ["similar", word, "-n", "3"]),
        "similarity": ({"a": word, "b": "Chuck"}, ["similarity", word, "Chuck"]),
        "analogy": ({"a": "Would", "b": word, "c": "Could", "n": 2}, ["analogy", "Would", word, "Could", "-n", "2"]),
        "odd-one-out": ({"word": ["Would,", "Chuck", word, "COULD"]},
                        ["odd-one-out", "Would,", "Chuck", word, "COULD"]),
        "pairs": ({"pair": [f"{word}:Chuck", "If:A"]}, ["pairs", f"{word}:Chuck", "If:A"]),
        "relation": ({"pair": [f"{word}:Chuck", "Would:Could", "If:A"]},
                     ["relation", f"{word}:Chuck", "Would:Could", "If:A"]),
        "axis": ({"x": [f"{word}:Chuck"], "y": ["Would:Could"], "word": ["If", word, "a"]},
                 ["axis", "--axis", f"{word}:Chuck", "--axis", "Would:Could", "--words", "If", word, "a"]),
        "map": ({"word": [word, "Chuck"], "n": 2}, None),
        "journey": ({"word": word, "n": 3}, ["journey", "--word", word, "-n", "3"]),
    }[endpoint]


ENDPOINTS = ["similar", "similarity", "analogy", "odd-one-out", "pairs", "relation", "axis", "map", "journey"]


def command(lower_model, argv):
    """The model's command line for a question's argv (`tlm journey` or `wp ...`)."""
    if argv[0] == "journey":
        return tlm_main, [argv[0], "--model", lower_model, *argv[1:]]
    return wp_main, ["--model", lower_model, *argv]


def as_printed(endpoint, answer):
    """An API answer in the shape the command's --json prints it."""
    answer = {key: value for key, value in answer.items() if key not in ("model", "points")}  # points: the page's map
    if endpoint == "similar":
        return [{"word": x["word"], "cosine": x["score"], "count": x["count"]} for x in answer["neighbours"]]
    return answer


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_typed_words_get_the_commands_answer_in_the_models_terms(api, run, lower_model, endpoint):
    typed, argv = question(endpoint, "Wood")
    lower, lower_argv = question(endpoint, "wood")
    got = get(api, endpoint, 200, model=LOWER, **typed)
    assert got == get(api, endpoint, 200, model=LOWER, **lower)
    text = json.dumps(got)
    assert "Wood" not in text and "Chuck" not in text and "wood" in text  # the words as the model read them
    if argv is None:
        assert got["words"][:2] == ["wood", "chuck"]
        return
    main, argv = command(lower_model, argv)
    if main is tlm_main:  # tlm journey reads Wood as wood, then looks for Wood among the recorded words: ask wood
        main, argv = command(lower_model, lower_argv)
    code, out, err = run(main, *argv, "--json")
    assert code == 0, err
    printed = json.loads(out)
    if endpoint == "journey":
        assert got["word"] == "wood"
        assert (got["snapshots"], got["neighbours"]) == (printed["snapshots"], printed["neighbours"])
    else:
        assert as_printed(endpoint, got) == printed


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_word_the_transforms_turn_into_nothing_is_a_400_of_one_line(api, run, lower_model, endpoint):
    params, argv = question(endpoint, "123")
    assert get(api, endpoint, 400, model=LOWER, **params) == {"error": NOTHING}
    if argv is not None:
        main, argv = command(lower_model, argv)
        code, out, err = run(main, *argv)
        assert (code, out) == (1, "") and err.splitlines()[-1].endswith(f": error: {NOTHING}")


def test_a_word_the_transforms_split_is_a_400_of_one_line(api):
    for endpoint in ENDPOINTS:
        params, _ = question(endpoint, "Wood-Chuck")
        assert get(api, endpoint, 400, model=LOWER, **params) == {"error": SEVERAL}, endpoint


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_folded_word_keeps_its_message(api, run, lower_model, endpoint):
    params, argv = question(endpoint, "Much")
    assert get(api, endpoint, 404, model=LOWER, **params) == {"error": FOLDED, "word": "much", "suggestions": [],
                                                              "folded": True}
    if argv is not None:
        main, argv = command(lower_model, argv)
        code, out, err = run(main, *argv)
        assert (code, out) == (1, "") and err.splitlines()[-1].endswith(f": error: {FOLDED}")


def test_a_vector_file_reads_its_words_as_typed(api):
    for endpoint, params in [("similarity", {"a": "He", "b": "she"}), ("pairs", {"pair": ["He:she"]}),
                             ("odd-one-out", {"word": ["He", "she", "his"]})]:
        got = get(api, endpoint, 404, model=GLOVE, **params)
        assert got["word"] == "He" and "he" in got["suggestions"], endpoint
    assert get(api, "similarity", 404, a="123", b="he", model=GLOVE)["word"] == "123"  # not a 400: no transforms


# ---- on the page ---------------------------------------------------------------------------------------------

def get_json(url, endpoint, **params):
    return httpx.get(f"{url}api/{endpoint}", params=params, timeout=10).json()


@pytest.mark.slow  # a server and a page of its own
def test_the_page_says_how_the_model_read_the_typed_words(browser, served):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 1000}, base_url=served)
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto("/?word=Wood&a=Would&b=Wood&c=Could&s1=Wood&s2=CHUCK&odd=Would+Chuck+Wood+COULD")
        page.wait_for_selector("body[data-ready=yes]", state="attached")
        expect(page.locator("#explore-1 .query-word")).to_contain_text("Nearest to wood (the model reads Wood as wood)")
        analogy = get_json(served, "analogy", a="Would", b="Wood", c="Could", n=5, model=LOWER)
        expect(page.locator("#analogy-1 .analogy-line")).to_have_text(
            f"would : wood :: could : {analogy['answers'][0]['word']} "
            "(the model reads Would as would, Wood as wood, Could as could)")
        expect(page.locator("#analogy-1-map .annotation")).to_have_count(2)  # its map drawn in the words read
        cosine = get_json(served, "similarity", a="Wood", b="CHUCK", model=LOWER)["cosine"]
        expect(page.locator("#similarity-result .result-row").nth(1)).to_contain_text(
            f"cos(wood, chuck) = {cosine:.4f} (the model reads Wood as wood, CHUCK as chuck)")
        odd = get_json(served, "odd-one-out", word=["Would", "Chuck", "Wood", "COULD"], model=LOWER)["odd_one_out"]
        others = ", ".join(w for w in ["would", "chuck", "wood", "could"] if w != odd)
        expect(page.locator("#odd-result .result-row").nth(1)).to_contain_text(
            f"{odd} does not fit with {others} (the model reads Would as would, Chuck as chuck, Wood as wood, "
            "COULD as could).")
        glove = page.locator("#similarity-result .result-row").nth(0)
        expect(glove).to_contain_text("“Wood” is not in the vocabulary")  # GloVe reads words as typed
        page.fill("#journey-word", "Wood")
        page.click("#journey-form button")
        expect(page.locator("#journey-body h4").first).to_have_text(
            "Nearest recorded words to “wood” (the model reads Wood as wood)")
        page.fill("#s1", "123")
        page.click("#similarity button")
        expect(page.locator("#similarity-result .result-row").nth(1).locator(".problem")).to_have_text(NOTHING)
    finally:
        context.close()
