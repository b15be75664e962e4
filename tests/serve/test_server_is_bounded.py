"""Promise 5 of docs/robustness.md: the server is read-only and bounded. Every parameter is checked
before any work (a 400 with a message, never a 500), answers are bounded, only GET is answered, and
no request reaches a file outside the page's own."""

import http.client
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.serve.serving import live
from wp import models
from wp.server.app import MAX_N, MAX_WORD, MAX_WORDS, create_app


@pytest.fixture(scope="module")
def api(side_by_side):
    with httpx.Client(base_url=side_by_side, timeout=10) as client:
        yield client


# ---- bad parameters -----------------------------------------------------------------------------------

@pytest.mark.parametrize("query, needle", [
    ("similar", "word is required"),
    ("similar?word=", "word: string should have at least 1 character"),
    (f"similar?word={'x' * (MAX_WORD + 1)}", f"at most {MAX_WORD} characters"),
    ("similar?word=he&n=0", "n: input should be greater than or equal to 1"),
    (f"similar?word=he&n={MAX_N + 1}", f"less than or equal to {MAX_N}"),
    ("similar?word=he&n=99999999999999999999999999", "less than or equal to"),
    ("similar?word=he&n=1.5", "n: input should be a valid integer"),
    ("similar?word=he&n=nan", "n: input should be a valid integer"),
    ("similar?word=he&n=", "n: input should be a valid integer"),
    ("similar?word=he&n=2&n=3", "give n once"),
    ("similar?word=he&word=she", "give word once"),
    ("similar?word=he&N=3", "takes no parameter 'N'; it takes min_count, model, n, vectors, word"),
    ("similar?word=he&model=2", "model: input should be less than or equal to 1"),
    ("similar?word=he&model=-1", "model: input should be greater than or equal to 0"),
    ("similar?word=he&model=x", "model: input should be a valid integer"),
    ("similar?word=wood&model=1&vectors=V", "vectors: input should be 'E', 'W' or 'E+W'"),
    ("similar?word=wood&model=1&vectors=w", "vectors: input should be 'E', 'W' or 'E+W'"),
    ("similar?word=wood&model=1&vectors=", "vectors: input should be 'E', 'W' or 'E+W'"),
    ("similar?word=wood&model=1&vectors=W&vectors=E", "give vectors once"),
    ("similar?word=he&vectors=W", "model 0 (test_glove.txt) has one vector per word; vectors=W chooses among the "
                                  "matrices of a tlm model (E, W, E+W)"),
    ("relation?pair=he:his&model=0&vectors=E", "model 0 (test_glove.txt) has one vector per word"),
    ("predict?model=1&vectors=W", "/api/predict takes no parameter 'vectors'"),
    ("analogy?a=he&b=his&c=she&method=sub", "method: input should be 'add' or 'mul'"),
    ("analogy?a=he&b=his", "c is required"),
    ("odd-one-out?word=he&word=she", "needs at least 3 words"),
    ("odd-one-out", "word is required"),
    ("map?" + "&".join(["word=he"] * (MAX_WORDS + 1)), f"at most {MAX_WORDS} items"),
    ("map?word=he&word=&word=she", "word (item 2): string should have at least 1 character"),
    ("map?word=he&n=-1", "n: input should be greater than or equal to 0"),
    ("complete?prefix=", "prefix: string should have at least 1 character"),
    ("complete?prefix=h&limit=0", "limit: input should be greater than or equal to 1"),
    (f"predict?model=1&context={'x' * 1001}", "at most 1000 characters"),
    ("predict?model=1&k=0", "k: input should be greater than or equal to 1"),
    ("generate?model=1&temperature=nan", "temperature: input should be a finite number"),
    ("generate?model=1&temperature=inf", "temperature: input should be a finite number"),
    ("generate?model=1&temperature=-inf", "temperature: input should be a finite number"),
    ("generate?model=1&temperature=0", "temperature: input should be greater than 0"),
    ("generate?model=1&temperature=-1", "temperature: input should be greater than 0"),
    ("generate?model=1&temperature=101", "temperature: input should be less than or equal to 100"),
    ("generate?model=1&length=0", "length: input should be greater than or equal to 1"),
    ("generate?model=1&length=201", "length: input should be less than or equal to 200"),
    ("generate?model=1&top_k=0", "top_k: input should be greater than or equal to 1"),
    ("generate?model=1&seed=-1", "seed: input should be greater than or equal to 0"),
    ("generate?model=1&seed=4294967296", "seed: input should be less than or equal to 4294967295"),
    ("generate?model=1&prompt=", "prompt: string should have at least 1 character"),
    ("generate?model=1&top_k=1&top_k=2", "give top_k once"),
    ("history?model=1&model=1", "give model once"),
    ("models?x=1", "/api/models takes no parameter 'x'; it takes none"),
])
def test_bad_parameter_is_400_with_a_message(api, query, needle):
    response = api.get(f"/api/{query}")
    assert response.status_code == 400, response.text
    assert needle in response.json()["error"]


@pytest.mark.parametrize("query", ["similar?word=he&model=2", "map?word=he&model=2"])
def test_a_parameter_read_by_two_checks_is_named_once(api, query):
    assert api.get(f"/api/{query}").json() == {"error": "model: input should be less than or equal to 1"}


def test_a_second_model_that_is_not_served(chuck_model):
    with live(create_app([models.load(str(chuck_model), with_model=True)])) as url:
        response = httpx.get(f"{url}api/similar?word=wood&model=1")
    assert response.status_code == 400
    assert response.json() == {"error": "model 1 is not served: this server has 1 model (index 0)"}


def test_unknown_route_and_method_are_json(api):
    assert api.get("/api/nothing").json() == {"error": "Not Found"}
    response = api.post("/api/similar?word=he")
    assert response.status_code == 405 and "error" in response.json()


# ---- the page's files -----------------------------------------------------------------------------------

def test_the_page_and_its_files(api):
    page = api.get("/")
    assert page.status_code == 200 and "<title>wp serve" in page.text
    for path in ("/static/app.js", "/static/style.css", "/vendor/plotly.min.js"):
        response = api.get(path)
        assert response.status_code == 200 and len(response.content) > 1000, path
    assert "cdn" not in page.text.lower()


@pytest.mark.parametrize("path", [
    "/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml", "/static/..%2fpyproject.toml",
    "/static/%2e%2e%2f%2e%2e%2fpyproject.toml", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
    "/static/../../../../etc/passwd", "/vendor/../pyproject.toml", "/static/..\\pyproject.toml",
])
def test_no_file_outside_the_static_folder(side_by_side, path):
    address = urlsplit(side_by_side)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.request("GET", path)  # sent as written: no client-side clean-up of the dots
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status != 200 or b"[project]" not in body and b"root:" not in body
    assert response.status in (200, 404)  # the page itself, for a path a server may normalise to /


def test_openapi_documents_every_endpoint(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert sorted(paths) == sorted(f"/api/{e}" for e in (
        "models", "complete", "similar", "similarity", "analogy", "odd-one-out", "map", "predict", "generate", "history",
        "explain", "relation-sets", "pairs", "relation", "axis", "journey"))


# ---- never a 500 -------------------------------------------------------------------------------------------

ENDPOINTS = ["models", "complete", "similar", "similarity", "analogy", "odd-one-out", "map", "predict", "generate",
             "history", "explain", "journey", "nothing"]
NAMES = ["word", "a", "b", "c", "n", "k", "model", "method", "prefix", "limit", "context", "prompt", "length",
         "temperature", "top_k", "seed", "target", "lr", "step", "vectors", "other"]
VALUES = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="he sitowudcmab", min_size=1, max_size=6),  # often real words of both models
    st.integers(-2**70, 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "1", "-1", "add", "mul", "he", "wood", "how much", "nan", "inf", "1e309", "", " ", "ö", "E", "W",
                     "E+W"]),
    st.text(min_size=90, max_size=120),
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(ENDPOINTS), params=st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=6))
def test_no_query_gets_a_500(api, endpoint, params):
    response = api.get(f"/api/{endpoint}", params=params)
    assert response.status_code in (200, 400, 404), (endpoint, params, response.text)
    body = response.json()
    assert response.status_code == 200 or isinstance(body["error"], str) and body["error"]
