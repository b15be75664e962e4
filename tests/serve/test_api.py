"""The answers of `wp serve`'s JSON API, over HTTP to a server in this process (gensim's 76-word
GloVe fixture beside a tlm model trained on chuck.txt): every endpoint, agreement with the
commands' --json output, and unknown words as 404s with close spellings. Bad requests are
test_server_is_bounded.py's."""

import json
import os
import subprocess
import sys

import httpx
import numpy as np
import pytest
from gensim.test.utils import datapath

from tests.conftest import CHUCK, ROOT
from tests.serve.serving import live
from tlm import choice, persistence
from tlm.cli import main as tlm_main
from vectors import queries
from vectors.maps import pca_2d, word_points
from wp import models
from wp.cli import main as wp_main
from wp.server.app import MAX_N, MAX_WORD, create_app

FIXTURE = datapath("test_glove.txt")
GLOVE, CHUCK_MODEL = 0, 1


@pytest.fixture(scope="module")
def api(side_by_side):
    with httpx.Client(base_url=side_by_side, timeout=10) as client:
        yield client


def get(api, endpoint, expected=200, **params):
    """GET /api/<endpoint> with `params` (a list value repeats the parameter); checks the status."""
    response = api.get(f"/api/{endpoint}", params=params)
    assert response.status_code == expected, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def cli_json(run, main, *argv):
    code, out, err = run(main, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


# ---- answers -----------------------------------------------------------------------------------------

def test_models_lists_both_with_their_kind_and_no_paths(api, chuck_model):
    served = get(api, "models")["models"]
    assert [(m["index"], m["name"], m["kind"], m["words"], m["dim"]) for m in served] == [
        (0, "test_glove.txt", "vectors", 76, 50), (1, "chuck.json", "tlm", 11, 32)]
    assert served[1]["tlm"] == {"context": 2, "transforms": [], "epochs": 5, "vectors": "E+W"}
    assert str(chuck_model.parent) not in json.dumps(served)


def test_similar_agrees_with_the_cli(api, run):
    got = get(api, "similar", word="he", n=5)
    assert got["model"] == "test_glove.txt" and got["word"] == "he"
    expected = cli_json(run, wp_main, "--model", FIXTURE, "similar", "he", "-n", "5")
    assert got["neighbours"] == [{"word": e["word"], "score": e["cosine"], "rank": e["rank"]} for e in expected]


def test_similar_on_a_tlm_model_shows_counts_and_hides_rare_words(api, run, chuck_model):
    expected = cli_json(run, wp_main, "--model", chuck_model, "similar", "wood", "-n", "3", "--min-count", "2")
    got = get(api, "similar", word="wood", n=3, min_count=2, model=CHUCK_MODEL)
    assert got["neighbours"] == [{"word": e["word"], "score": e["cosine"], "count": e["count"]} for e in expected]
    assert all(x["count"] >= 2 for x in got["neighbours"])
    assert "hides every word" in get(api, "similar", 400, word="wood", min_count=1000, model=CHUCK_MODEL)["error"]
    assert "no training counts" in get(api, "similar", 400, word="he", min_count=2)["error"]


def test_similarity_agrees_with_the_cli(api, run):
    got = get(api, "similarity", a="he", b="she")
    expected = cli_json(run, wp_main, "--model", FIXTURE, "similarity", "he", "she")
    assert got == {"model": "test_glove.txt", **expected}


@pytest.mark.parametrize("method", ["add", "mul"])
def test_analogy_agrees_with_the_cli(api, run, method):
    got = get(api, "analogy", a="he", b="his", c="she", n=4, method=method)
    expected = cli_json(run, wp_main, "--model", FIXTURE, "analogy", "he", "his", "she", "-n", "4", "--method", method)
    assert got == {"model": "test_glove.txt", **expected}


def test_odd_one_out_agrees_with_the_cli(api, run):
    words = ["he", "she", "his", "percent"]
    got = get(api, "odd-one-out", word=words)
    assert got == {"model": "test_glove.txt", **cli_json(run, wp_main, "--model", FIXTURE, "odd-one-out", *words)}


def test_map_is_the_pca_of_the_unit_vectors_of_the_words_and_the_neighbours_of_their_mean(api):
    got = get(api, "map", word=["he", "she", "he"], n=3)
    wv = models.load(FIXTURE).vectors
    neighbours = [w for w, _ in wv.most_similar(["he", "she"], topn=3)]
    assert got["words"] == ["he", "she", *neighbours]
    raw = np.asarray(wv.vectors[wv.rows(got["words"])], dtype=np.float64)
    expected = pca_2d(raw / np.linalg.norm(raw, axis=1, keepdims=True))
    np.testing.assert_allclose([[p["x"], p["y"]] for p in got["points"]], expected, atol=1e-6)
    assert [p["word"] for p in got["points"]] == got["words"]


def test_complete_gives_the_most_frequent_words_first(api):
    assert get(api, "complete", prefix="h", limit=3)["words"] == ["he", "his", "has"]
    assert get(api, "complete", prefix="wo", model=CHUCK_MODEL)["words"] == ["wood", "would"]
    assert get(api, "complete", prefix="ö")["words"] == ["ö"]
    assert get(api, "complete", prefix="zzz")["words"] == []


def test_predict_agrees_with_tlm_predict(api, run, chuck_model):
    got = get(api, "predict", context="how much", k=4, model=CHUCK_MODEL)
    assert got["tokens"] == ["how", "much"] and got["unknown"] == []
    expected = cli_json(run, tlm_main, "predict", "--model", chuck_model, "how much", "-k", "4")
    assert got["predictions"] == expected


def test_predict_from_an_empty_context(api):
    got = get(api, "predict", model=CHUCK_MODEL, k=MAX_N)
    assert len(got["predictions"]) == 11 and got["tokens"] == []
    assert sum(p["probability"] for p in got["predictions"]) == pytest.approx(1, abs=1e-5)


def test_generate_agrees_with_tlm_generate(api, run, chuck_model):
    params = dict(prompt="how much", length=12, temperature=0.7, top_k=4, seed=3, model=CHUCK_MODEL)
    got = get(api, "generate", **params)
    code, out, _ = run(tlm_main, "generate", "--model", chuck_model, "--prompt", "how much", "--length", "12",
                       "--temperature", "0.7", "--top-k", "4", "--seed", "3")
    assert got["text"] == out.strip() and got["tokens"][:2] == ["how", "much"] and len(got["tokens"]) == 14
    assert get(api, "generate", **params) == got  # the same seed, the same sample


def test_generate_at_a_tiny_temperature_takes_the_likeliest_words(api):
    assert get(api, "generate", prompt="how much", length=5, temperature=1e-300, model=CHUCK_MODEL)["tokens"] == \
        get(api, "generate", prompt="how much", length=5, top_k=1, model=CHUCK_MODEL)["tokens"]


def test_history_is_the_model_files(api, chuck_model):
    history = persistence.load(chuck_model).history
    assert get(api, "history", model=CHUCK_MODEL) == {"model": "chuck.json", **history}


def test_tlm_questions_to_a_vectors_model_are_400(api):
    for endpoint in ("predict", "generate", "history", "journey"):
        assert "is not a tlm model" in get(api, endpoint, 400, model=GLOVE)["error"]


# ---- a tlm model's vectors: E, W or E+W, question by question -----------------------------------------

@pytest.mark.parametrize("which", ["E", "W", "E+W"])
def test_a_tlm_model_answers_with_the_vectors_asked_for_as_the_cli_does(api, run, chuck_model, which):
    def cli(*argv):
        return cli_json(run, wp_main, "--model", chuck_model, *argv, "--vectors", which)

    def answer(endpoint, **params):
        got = get(api, endpoint, model=CHUCK_MODEL, vectors=which, **params)
        assert got.pop("model") == "chuck.json"
        return got

    assert answer("similar", word="wood", n=4, min_count=1)["neighbours"] == [
        {"word": e["word"], "score": e["cosine"], "count": e["count"]} for e in cli("similar", "wood", "-n", "4",
                                                                                    "--min-count", "1")]
    assert answer("similarity", a="wood", b="chuck") == cli("similarity", "wood", "chuck")
    assert answer("analogy", a="how", b="much", c="wood", n=3) == cli("analogy", "how", "much", "wood", "-n", "3")
    words = ["how", "much", "wood", "chuck"]
    assert answer("odd-one-out", word=words) == cli("odd-one-out", *words)
    assert answer("pairs", pair=["how:much", "wood:chuck"]) == cli("pairs", "how:much", "wood:chuck")
    wv = choice.word_vectors(persistence.load(chuck_model), which)
    got = answer("map", word=["wood"], n=3)
    assert got["words"] == ["wood", *(w for w, _ in wv.most_similar(["wood"], topn=3))]
    np.testing.assert_allclose([[p["x"], p["y"]] for p in got["points"]], word_points(wv.vectors[wv.rows(got["words"])]),
                               atol=1e-6)


def test_a_question_that_names_no_vectors_gets_the_servers_choice(api, chuck_model):
    def neighbours(client, **params):
        return get(client, "similar", word="wood", min_count=1, **params)["neighbours"]

    assert neighbours(api, model=CHUCK_MODEL) == neighbours(api, model=CHUCK_MODEL, vectors="E+W")
    typed = api.get("/api/similar?word=wood&min_count=1&model=1&vectors=E+W")  # a + typed in a URL is a space
    assert typed.status_code == 200 and typed.json()["neighbours"] == neighbours(api, model=CHUCK_MODEL)
    with live(create_app([models.load(str(chuck_model), with_model=True, vectors="W")])) as url:  # wp serve --vectors W
        with httpx.Client(base_url=url, timeout=10) as client:
            assert get(client, "models")["models"][0]["tlm"]["vectors"] == "W"
            assert neighbours(client) == neighbours(client, vectors="W") != neighbours(client, vectors="E+W")


# ---- unknown words ------------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint, params", [
    ("similar", {"word": "hee"}),
    ("similarity", {"a": "he", "b": "hee"}),
    ("analogy", {"a": "he", "b": "hee", "c": "she"}),
    ("odd-one-out", {"word": ["he", "she", "hee"]}),
    ("map", {"word": ["he", "hee"]}),
])
def test_unknown_word_is_404_with_close_spellings(api, endpoint, params):
    got = get(api, endpoint, 404, **params)
    assert got["word"] == "hee" and "he" in got["suggestions"] and "not in the vocabulary" in got["error"]
    assert got["folded"] is False


def test_a_word_only_one_model_knows(api):
    assert get(api, "similar", word="percent", n=3)["neighbours"]
    got = get(api, "similar", 404, word="percent", model=CHUCK_MODEL)
    assert got["word"] == "percent" and got["suggestions"] == []


def test_a_folded_word_is_404_saying_how_often_it_was_seen(run, tmp_path):
    path = tmp_path / "folded.json"
    assert run(tlm_main, "train", "--filepath", CHUCK, "-t", "lower", "--min-count", "2", "--output", path)[0] == 0
    said = run(wp_main, "--model", path, "similar", "Much")[2]
    with live(create_app([models.load(str(path), with_model=True)])) as url:
        response = httpx.get(f"{url}api/similar", params={"word": "Much"})
    assert response.status_code == 404
    assert response.json() == {"error": "word 'much' was seen 1 time in the training text; --min-count 2 folded it "
                                        "into <unk>", "word": "much", "suggestions": [], "folded": True}
    assert said == f"wp: error: {response.json()['error']}\n"  # the same line as the command's


def test_unknown_context_word_is_404(api):
    got = get(api, "predict", 404, context="how mcuh", model=CHUCK_MODEL)
    assert got["word"] == "mcuh" and got["suggestions"] == ["much"]


@pytest.mark.parametrize("word", ["ö", "हु", "a\x00b", "\ufffd", "<script>alert(1)</script>", "x" * MAX_WORD, "he "])
def test_odd_words_are_answered(api, word):
    response = api.get("/api/similar", params={"word": word, "n": 2})
    assert response.status_code in (200, 404)
    assert response.json().get("word") == word


def test_invalid_utf8_in_the_query_is_a_plain_unknown_word(side_by_side):
    response = httpx.get(f"{side_by_side}api/similar?word=%ED%A0%80%FF")
    assert response.status_code == 404 and response.json()["suggestions"] == []


# ---- the request path ------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_answers_need_neither_gensim_nor_scipy(chuck_model, tmp_path):
    script = f"""
import sys, httpx
from tests.serve.serving import live
from wp import models
from wp.server.app import create_app
with live(create_app([models.load({str(chuck_model)!r}, with_model=True)])) as url:
    for query in ("similar?word=wood", "map?word=wood&n=3", "analogy?a=how&b=much&c=wood&method=mul", "predict?context=how",
                  "generate?prompt=how", "similar?word=wod", "odd-one-out?word=how&word=much&word=wood"):
        assert httpx.get(url + "api/" + query).status_code in (200, 404)
print(sorted(m for m in ("gensim", "scipy", "matplotlib") if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "WP_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
@pytest.mark.glove
def test_glove_answers(glove):
    with live(create_app([models.Loaded(glove, models.OFFLINE_MODEL)])) as url:
        got = httpx.get(f"{url}api/similar?word=king&n=5").json()
        answer = httpx.get(f"{url}api/analogy?a=man&b=king&c=woman&n=1").json()
    assert got["neighbours"] == [{"word": w, "score": round(s, 6), "rank": glove.words.index(w) + 1}
                                 for w, s in queries.similar(glove, ["king"], n=5)]
    assert got["neighbours"][0]["word"] == "prince" and answer["answers"][0]["word"] == "queen"


# ---- inside a prediction ---------------------------------------------------------------------------------------

def test_explain_agrees_with_tlm_explain(api, run, chuck_model):
    got = get(api, "explain", context="how much", target="wood", k=4, step="true", model=CHUCK_MODEL)
    expected = cli_json(run, tlm_main, "explain", "--model", chuck_model, "--context", "how much", "--target", "wood",
                        "-k", "4")
    for key in ("context", "rows", "ctx_emb", "table", "table_text", "top", "loss", "dlogits", "gradient", "step"):
        assert got[key] == expected[key], key
    assert got["table_text"]["rows"][-1][0] == "sum of all 11" and got["model"] == "chuck.json"
    assert "dW" not in got and "vocab" not in got  # the page gets what it draws
    assert "step" not in get(api, "explain", context="how much", target="wood", model=CHUCK_MODEL)


def test_steps_never_change_the_served_model(api):
    before = get(api, "explain", context="how much", target="wood", model=CHUCK_MODEL)
    with httpx.Client(base_url=api.base_url, timeout=30) as client:
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda lr: client.get("/api/explain", params={
                "context": "how much", "target": "wood", "lr": lr, "step": "true", "model": CHUCK_MODEL}).json(),
                [0.5, 0.5, 5, 0.5, 5, 0.5, 5, 0.5]))
    # Each request stepped from the same parameters: the same lr gives the same answer.
    assert len({json.dumps(a["step"]) for a in answers if a["step"]["lr"] == 0.5}) == 1
    assert answers[0]["step"]["p_target"] > before["p_target"]
    assert get(api, "explain", context="how much", target="wood", model=CHUCK_MODEL) == before


@pytest.mark.parametrize("query, status, needle", [
    ("explain?model=1&context=how%20mcuh", 404, "'mcuh'"),
    ("explain?model=1&context=how%20much&step=true", 400, "needs a target"),
    ("explain?model=1&context=how%20much&target=wood&lr=nan", 400, "lr"),
    ("explain?model=1&context=how%20much&target=wood&lr=1000", 400, "lr"),
    ("explain?model=1", 400, "context is required"),
    ("explain?model=0&context=king", 400, "is not a tlm model"),
])
def test_explain_bad_queries(api, query, status, needle):
    response = api.get(f"/api/{query}")
    assert response.status_code == status and needle in response.json()["error"]
