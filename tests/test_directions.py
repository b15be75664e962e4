"""`wp pairs`, `wp relation` and `wp axis`: their numbers against plain numpy on gensim's tiny GloVe
fixture (76 words x 50d), their bad-input lines, tlm models and relation sets a model only partly
covers; and on the real GloVe 6B 50d (marked `glove` and `slow`) the claims the docs make."""

import json

import numpy as np
import pytest
from gensim.test.utils import datapath

from tests.conftest import CHUCK, assert_clean_error
from vectors import direction_queries
from wp.cli import main

FIXTURE = datapath("test_glove.txt")
POSSESSIVES = ["he:his", "she:her", "they:their", "it:its"]


@pytest.fixture(scope="module")
def fixture_unit():
    """word -> unit vector of the fixture, read with numpy alone."""
    rows = [line.split() for line in open(FIXTURE, encoding="utf-8")]
    vectors = np.array([[float(x) for x in r[1:]] for r in rows])
    return dict(zip([r[0] for r in rows], vectors / np.linalg.norm(vectors, axis=1, keepdims=True)))


def wp_json(run, *argv, model=FIXTURE):
    code, out, err = run(main, "--model", model, *argv, "--json")
    assert code == 0, err
    return json.loads(out), err


def loo(offsets):
    """Leave-one-out cosines, one loop per pair."""
    result = []
    for i, d in enumerate(offsets):
        others = np.mean([o for j, o in enumerate(offsets) if j != i], axis=0)
        result.append(d @ others / np.linalg.norm(d) / np.linalg.norm(others))
    return result


# ---- numbers ------------------------------------------------------------------------------------

def test_pair_cosines_and_their_random_baseline(run, fixture_unit):
    got, _ = wp_json(run, "pairs", "he:she", "the:of", "he:percent")
    u = fixture_unit
    for p in got["pairs"]:
        assert p["cosine"] == pytest.approx(u[p["a"]] @ u[p["b"]], abs=1e-5)
    # The fixture has fewer words than a frequency band: the baseline is random pairs of any two words.
    words = list(u)
    all_pairs = np.array([u[a] @ u[b] for a in words for b in words if a != b])
    for p in got["pairs"]:
        base = p["baseline"]
        assert base["draws"] > 950
        assert base["mean"] == pytest.approx(all_pairs.mean(), abs=4 * all_pairs.std() / np.sqrt(base["draws"]))
        assert base["sd"] == pytest.approx(all_pairs.std(), rel=0.15)
        assert 0 <= p["percentile"] <= 100
    assert got["pairs"][0]["percentile"] > 90  # he:she, closer than almost any two words


def test_same_seed_same_numbers_another_seed_other_numbers(run):
    first, _ = wp_json(run, "pairs", "he:she", "--seed", "3")
    assert wp_json(run, "pairs", "he:she", "--seed", "3")[0] == first
    assert wp_json(run, "pairs", "he:she", "--seed", "4")[0]["pairs"][0]["baseline"] != first["pairs"][0]["baseline"]


def test_relation_consistency_and_ranks_equal_numpy(run, fixture_unit):
    got, _ = wp_json(run, "relation", *POSSESSIVES)
    u = fixture_unit
    pairs = [p.split(":") for p in POSSESSIVES]
    offsets = [u[b] - u[a] for a, b in pairs]
    assert [p["consistency"] for p in got["pairs"]] == pytest.approx(loo(offsets), abs=1e-5)
    assert got["consistency"] == pytest.approx(np.mean(loo(offsets)), abs=1e-5)
    words = list(u)
    for i, ((a, b), p) in enumerate(zip(pairs, got["pairs"])):
        target = u[a] + np.mean([o for j, o in enumerate(offsets) if j != i], axis=0)
        scores = {w: u[w] @ target / np.linalg.norm(target) for w in words if w != a}
        assert p["rank"] == 1 + sum(s > scores[b] for s in scores.values())
    assert got["hits"] == sum(p["rank"] == 1 for p in got["pairs"])
    # Every shuffle pairs each a with another pair's b: its consistency is below the real one here.
    assert got["shuffled"]["shuffles"] == 200 and got["shuffled"]["mean"] < got["consistency"]
    assert got["skipped"] == [] and got["set"] is None


def test_axis_is_the_mean_of_normalised_differences(run, fixture_unit):
    got, _ = wp_json(run, "axis", "he:she", "his:her", "--words", "he", "she", "people", "percent")
    u = fixture_unit
    diffs = [(u[b] - u[a]) / np.linalg.norm(u[b] - u[a]) for a, b in [("he", "she"), ("his", "her")]]
    direction = np.mean(diffs, axis=0)
    direction /= np.linalg.norm(direction)
    assert [w["word"] for w in got["words"]] == ["he", "she", "people", "percent"]
    assert [w["positions"][0] for w in got["words"]] == pytest.approx(
        [u[w] @ direction for w in ["he", "she", "people", "percent"]], abs=1e-5)
    assert got["axes"] == [{"pairs": [{"a": "he", "b": "she"}, {"a": "his", "b": "her"}], "label": "he → she"}]


def test_two_axes_give_two_positions_and_the_cosine_between_them(run, fixture_unit):
    got, _ = wp_json(run, "axis", "--axis", "he:she", "--axis", "one:two", "--words", "his", "her")
    u = fixture_unit
    x, y = [(u[b] - u[a]) / np.linalg.norm(u[b] - u[a]) for a, b in [("he", "she"), ("one", "two")]]
    assert got["axes_cosine"] == pytest.approx(x @ y, abs=1e-5)
    assert got["words"][1]["positions"] == pytest.approx([u["her"] @ x, u["her"] @ y], abs=1e-5)


def test_printed_tables(run):
    code, out, _ = run(main, "--model", FIXTURE, "pairs", "he:she", "the:percent")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["pair", "cosine", "random", "±", "sd", "percentile"]
    assert lines[1].split()[0] == "he:she" and "seed 0" in lines[-1]
    code, out, _ = run(main, "--model", FIXTURE, "relation", *POSSESSIVES)
    assert code == 0 and "shuffles of the pairs" in out and out.splitlines()[1].startswith("he:his")
    code, out, _ = run(main, "--model", FIXTURE, "axis", "he:she", "--words", "she", "he")
    lines = out.splitlines()
    assert lines[0].startswith("axis 1: he → she")
    assert lines[1].startswith("he ") and lines[1].split()[1].startswith("-") and lines[1].endswith("|")
    assert lines[2].startswith("she ") and lines[2].split()[1].startswith("+") and "|#" in lines[2]


@pytest.mark.slow
def test_plots_are_images(run, tmp_path):
    rel, axes = tmp_path / "rel.png", tmp_path / "axes.svg"
    assert run(main, "--model", FIXTURE, "relation", *POSSESSIVES, "--plot", rel)[0] == 0
    assert rel.read_bytes().startswith(b"\x89PNG")
    assert run(main, "--model", FIXTURE, "axis", "--axis", "he:she", "--axis", "one:two", "--words", "his", "her",
               "--plot", axes)[0] == 0
    assert b"<svg" in axes.read_bytes()[:1000]


# ---- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, needles", [
    (["pairs", "hot-cold"], ["word:word", "'hot-cold'"]),
    (["relation", "he:his", "she:hre", "they:their"], ["'hre'", "did you mean", "'he'"]),
    (["relation", "he:his", "she:her"], ["at least 3 pairs, got 2"]),
    (["relation", "he:his", "she:her", "he:his"], ["at least 3 pairs, got 2"]),
    (["axis", "he:he"], ["'he:he' has the same word twice"]),
    (["relation", "--set", "capitals"], ["unknown relation set 'capitals'", "capital-common-countries", "family"]),
    (["relation", "--set", "family", "he:his"], ["pairs or a relation set, not both"]),
    (["axis", "--words", "he"], ["one or 2 axes, got 0"]),
    (["axis", "he:she", "--axis", "one:two", "--axis", "i:we"], ["one or 2 axes, got 3"]),
    (["axis", "he:she", "--words", "hte"], ["'hte'", "did you mean"]),
    (["relation", *POSSESSIVES, "--plot", "rel.gif"], [".png"]),
])
def test_bad_input_is_one_line(run, argv, needles):
    code, out, err = run(main, "--model", FIXTURE, *argv)
    assert_clean_error(code, err, "wp", *needles)
    assert out == ""


# ---- other models -------------------------------------------------------------------------------

def test_a_set_skips_the_pairs_whose_words_the_model_lacks(run, tmp_path):
    words = ["boy", "girl", "brother", "sister", "father", "mother", "king", "queen"]
    vectors = np.random.default_rng(0).normal(size=(len(words), 5))
    path = tmp_path / "family.txt"
    path.write_text("".join(f"{w} {' '.join(map(str, v))}\n" for w, v in zip(words, vectors)))
    got, err = wp_json(run, "relation", "--set", "family", model=path)
    assert [(p["a"], p["b"]) for p in got["pairs"]] == [("boy", "girl"), ("brother", "sister"), ("father", "mother"),
                                                         ("king", "queen")]
    assert {"a": "dad", "b": "mom"} in got["skipped"] and len(got["skipped"]) == 19
    assert "skipped 19 pairs" in err and "dad:mom" in err


@pytest.mark.slow
def test_tlm_models_answer_too(run, tmp_path):
    from tlm.cli import main as tlm_main

    model = tmp_path / "chuck.json"
    assert run(tlm_main, "train", "--filepath", CHUCK, "--output", model, "--epochs", "1")[0] == 0
    got, _ = wp_json(run, "relation", "wood:chuck", "would:could", "how:much", model=model)
    assert len(got["pairs"]) == 3
    code, _, err = run(main, "--model", model, "relation", "--set", "family")
    assert_clean_error(code, err, "wp", "needs at least 3 pairs", "0 of the 23 pairs of family")


# ---- the real GloVe 6B 50d -------------------------------------------------------------------------

@pytest.mark.glove
@pytest.mark.slow
def test_glove_capitals_are_a_direction_far_beyond_shuffled_pairs(glove):
    got = direction_queries.relation(glove, set_name="capital-common-countries")
    shuffled = got["shuffled"]
    assert len(got["pairs"]) == 23 and got["skipped"] == []
    assert got["consistency"] > shuffled["mean"] + 10 * shuffled["sd"] and got["consistency"] > 0.7
    assert got["hits"] >= 18 and got["percentile"] == 100.0
    assert direction_queries.relation(glove, set_name="capital-common-countries") == got


@pytest.mark.glove
@pytest.mark.slow
def test_glove_gender_axis_and_antonyms_closer_than_chance(glove):
    words = ["queen", "actress", "sister", "king", "actor", "brother"]
    got = direction_queries.axes(glove, [["man:woman", "he:she"]], words)
    place = {w["word"]: w["positions"][0] for w in got["words"]}
    assert min(place["queen"], place["actress"], place["sister"]) > 0 > max(place["king"], place["actor"], place["brother"])
    antonyms = direction_queries.pairs(glove, ["hot:cold", "good:bad", "cat:democracy"])
    assert [p["percentile"] > 95 for p in antonyms["pairs"]] == [True, True, False]
    assert direction_queries.pairs(glove, ["hot:cold", "good:bad", "cat:democracy"]) == antonyms
