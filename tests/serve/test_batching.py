"""Questions that reach `wp serve` together are answered in one pass over the vectors, with the
answers `wp` prints for the same questions alone; and a batch's answers are exactly those of a
plain float64 computation over every row (the candidates' threshold loses nothing)."""

import json
import threading
import time

import httpx
import numpy as np
import pytest
from gensim.test.utils import datapath

from tests.serve.serving import live
from vectors import nearest
from vectors.word_vectors import WordVectors
from wp import models
from wp.cli import main as wp_main
from wp.server import batching
from wp.server.app import create_app

FIXTURE = datapath("test_glove.txt")


def _plain(wv, positive, negative, topn, method):
    """Best (word, score) over every row in float64, ties to the lower row: the reference."""
    unit = wv.unit.astype(np.float64)  # (N, d)
    rows = [wv.row(w) for w in positive + negative]
    if method == "add":
        weights = np.array([1.0] * len(positive) + [-1.0] * len(negative), dtype=np.float32)
        mean = (weights @ wv.unit[rows]).astype(np.float64)
        query = (mean / np.linalg.norm(mean)).astype(np.float32).astype(np.float64)  # as stored: float32
        scores = (unit * query).sum(axis=1)
    else:
        shifted = np.concatenate([(part[:, None, :] * wv.unit[rows].astype(np.float64)[None]).sum(axis=2)
                                  for part in np.array_split(unit, max(1, len(unit) // 50_000))])  # (N, Q)
        shifted = (shifted + 1) / 2
        scores = shifted[:, :len(positive)].prod(axis=1) / (shifted[:, len(positive):].prod(axis=1) + 1e-6)
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [(wv.words[i], scores[i]) for i in order if i not in rows][:topn]


def _questions(words, rng, count):
    asked = []
    for _ in range(count):
        a, b, c = rng.choice(words, 3, replace=False).tolist()
        asked += [([a], [], 10, "add"), ([b, c], [a], 5, "add"), ([b, c], [a], 5, "mul"), ([a, b], [], 7, "add")]
    return asked


def _check_batch(wv, asked):
    answers = wv.answer([wv.question(p, n, k, m) for p, n, k, m in asked])
    for (positive, negative, topn, method), got in zip(asked, answers):
        expected = _plain(wv, positive, negative, topn, method)
        assert [w for w, _ in got] == [w for w, _ in expected]
        assert np.allclose([s for _, s in got], [s for _, s in expected], rtol=0, atol=1e-12)
        assert got == wv.ask(wv.question(positive, negative, topn, method))  # alone, the same


@pytest.mark.slow
@pytest.mark.glove
def test_a_batch_on_glove_is_exact(glove):
    rng = np.random.default_rng(0)
    _check_batch(glove, _questions(glove.words[:20_000], rng, 2))


def _with_ties():
    base = np.random.default_rng(1).standard_normal((40, 8)).astype(np.float32)
    vectors = np.concatenate([base] * 50)  # every row 50 times: ties everywhere, broken by row
    return WordVectors([f"w{i}" for i in range(len(vectors))], vectors)


@pytest.mark.parametrize("block", [nearest.BLOCK, 64])
def test_a_batch_with_ties_is_exact(monkeypatch, block):
    monkeypatch.setattr(nearest, "BLOCK", block)
    wv = _with_ties()
    _check_batch(wv, _questions(wv.words, np.random.default_rng(1), 8))


def test_questions_joining_scanners_going_round_get_their_answers_alone(monkeypatch):
    """2,000 rows in blocks of 64, in two parts, questions (42 query vectors, at most 8 going round
    at once) asked from threads, half at once and half at staggered moments, so that they join the
    scanners at different blocks, some restricted to the first 1,000 rows: each gets the answer it
    gets alone, and no block is multiplied by more query vectors than MAX_COLUMNS (which bounds the
    scan's memory)."""
    monkeypatch.setattr(nearest, "BLOCK", 64)
    monkeypatch.setattr(batching, "SCAN_THREADS", 2)
    monkeypatch.setattr(batching, "MAX_COLUMNS", 8)
    widths = []  # query vectors of each set of questions going round together

    class Scan(nearest.Scan):
        def __init__(self, questions, thresholds, err):
            widths.append(sum(len(q.columns) for q in questions))
            super().__init__(questions, thresholds, err)

    monkeypatch.setattr(nearest, "Scan", Scan)
    wv = _with_ties()
    served = batching.BatchedVectors(wv, batching.Batcher())
    asked = [(*question, 1000 if i % 3 else None) for i, question in
             enumerate(_questions(wv.words[:1000], np.random.default_rng(2), 7))]
    answers = [None] * len(asked)
    together = threading.Barrier(len(asked) // 2)  # half of them at once, more than MAX_COLUMNS

    def ask(i, positive, negative, topn, method, restrict):
        if i % 2 == 0:
            together.wait()
        else:
            time.sleep(i * 0.0005)
        answers[i] = served.ask(served.question(positive, negative, topn, method), restrict)

    threads = [threading.Thread(target=ask, args=(i, *question), daemon=True) for i, question in enumerate(asked)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert None not in answers, "a question was never answered"
    assert 5 < max(widths) <= 8
    for (positive, negative, topn, method, restrict), got in zip(asked, answers):
        assert got == wv.ask(wv.question(positive, negative, topn, method), restrict)


def test_a_scan_out_of_memory_fails_its_questions_and_the_scanners_go_on(monkeypatch):
    """The request gets the MemoryError (the server's 503), and the next question its answer."""
    wv = _with_ties()
    served = batching.BatchedVectors(wv, batching.Batcher())
    question = served.question(["w1"], [], 5, "add")
    scan = nearest.Scan.__call__

    def out_of_memory_once(self, rows, first):
        monkeypatch.setattr(nearest.Scan, "__call__", scan)
        raise MemoryError

    monkeypatch.setattr(nearest.Scan, "__call__", out_of_memory_once)
    with pytest.raises(MemoryError):
        served.ask(question)
    assert served.ask(question) == wv.ask(question)


def _served_answers(url, requests):
    """Each (endpoint, params) sent at once from its own thread: the JSON answers, in order."""
    answers, start = [None] * len(requests), threading.Barrier(len(requests))

    def ask(i, endpoint, params):
        with httpx.Client(base_url=url, timeout=30) as client:
            start.wait()
            response = client.get(f"/api/{endpoint}", params=params)
            assert response.status_code == 200, response.text
            answers[i] = response.json()

    threads = [threading.Thread(target=ask, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _cli(run, model, *argv):
    code, out, err = run(wp_main, "--model", model, *argv)
    assert code == 0, err
    return json.loads(out)


def test_questions_to_each_vectors_of_a_tlm_model_at_once_get_the_commands_answers(run, chuck_model):
    asked = [{"word": word, "vectors": which} for which in ("E", "W", "E+W") for word in ("wood", "chuck", "how")]
    with live(create_app([models.load(str(chuck_model), with_model=True)])) as url:
        answers = _served_answers(url, [("similar", {**params, "n": 4, "min_count": 1}) for params in asked])
    for params, answer in zip(asked, answers):  # each from its own vectors, though asked of one model in one batch
        expected = _cli(run, chuck_model, "similar", "--json", "-n", "4", "--min-count", "1", "--vectors", params["vectors"],
                        params["word"])
        assert answer["neighbours"] == [{"word": e["word"], "score": e["cosine"], "count": e["count"]} for e in expected]


@pytest.mark.slow
@pytest.mark.glove
def test_questions_to_two_models_at_once_get_the_commands_answers(run, glove):
    served = [models.load("glove-wiki-gigaword-50"), models.load(FIXTURE)]
    rng = np.random.default_rng(2)
    pools = [[w for w in wv.words[:5000] if w.isalpha()] for wv in (glove, served[1].vectors)]
    asked = []  # (model, endpoint, params)
    for index in (0, 1) * 6:
        a, b, c = rng.choice(pools[index], 3, replace=False).tolist()
        asked += [(index, "similar", {"word": a, "n": 10}),
                  (index, "analogy", {"a": a, "b": b, "c": c, "method": "add"}),
                  (index, "analogy", {"a": a, "b": b, "c": c, "method": "mul"})]
    with live(create_app(served)) as url:
        answers = _served_answers(url, [(endpoint, {**params, "model": index}) for index, endpoint, params in asked])
    names = ["glove-wiki-gigaword-50", FIXTURE]
    for (index, endpoint, params), answer in zip(asked, answers):
        if endpoint == "similar":
            expected = _cli(run, names[index], "similar", "--json", "-n", "10", params["word"])
            assert answer["neighbours"] == [{"word": e["word"], "score": e["cosine"], "rank": e["rank"]} for e in expected]
        else:
            expected = _cli(run, names[index], "analogy", "--json", "--method", params["method"],
                            params["a"], params["b"], params["c"])
            assert answer["answers"] == expected["answers"]
