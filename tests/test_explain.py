"""`tlm softmax` and `tlm explain` as a learner reads them: the lab's table digit for digit, the printed
gradient against central finite differences in float64, the "after one step" numbers against one
`_step` (and a plain float64 update), the model file untouched, and bad input as one line."""

import copy
import json
import math
import re

import numpy as np
import pytest

from tests.conftest import CHUCK, assert_clean_error
from tlm import persistence
from tlm.cli import main

LAB_TABLE = """\
| word  |  z |   e^z |  σ(z) |
|-------|---:|------:|------:|
| a     |  3 | 20.09 | 0.492 |
| chuck | -2 |  0.14 | 0.003 |
| could | -1 |  0.37 | 0.009 |
| wood  |  3 | 20.09 | 0.492 |
| would | -2 |  0.14 | 0.003 |
| sum   |    | 40.82 | 1.000 |
"""


@pytest.fixture(scope="module")
def chuck_json(tmp_path_factory):
    path = tmp_path_factory.mktemp("explain") / "model.json"
    assert main(["train", "--filepath", str(CHUCK), "--output", str(path)]) == 0
    return path


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def table_after(out, heading_start):
    """{first cell: the other cells} of the Markdown table that follows the line starting with `heading_start`."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(heading_start))
    rows = {}
    header = lines[start].lstrip().startswith("|")
    for line in lines[start + 1:]:
        if not line.strip().startswith("|"):
            if rows:
                break
            continue
        row = cells(line)
        if not header:  # the first row of the table is its head
            header = True
            continue
        if not re.fullmatch(r"[-:]+", row[0]):  # not the rule under the head
            rows[row[0]] = row[1:]
    return rows


def exact_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


# ---- tlm softmax ----------------------------------------------------------------------------------------------

def test_softmax_prints_the_labs_table_digit_for_digit(run):
    code, out, err = run(main, "softmax", "3", "-2", "-1", "3", "-2", "--words", "a", "chuck", "could", "wood", "would")
    assert (code, err) == (0, "")
    assert out == LAB_TABLE


def test_softmax_without_words_numbers_the_rows_and_agrees_with_numpy(run):
    z = [0.5, 2.25, -1.0, 0.0]
    code, out, _ = run(main, "softmax", *z)
    rows = table_after(out, "| word")
    assert list(rows) == ["1", "2", "3", "4", "sum"]
    for i, p in enumerate(exact_softmax(z)):
        assert float(rows[str(i + 1)][2]) == pytest.approx(p, abs=5e-4)
        assert float(rows[str(i + 1)][1]) == pytest.approx(math.exp(z[i]), abs=5e-3)


@pytest.mark.parametrize("z", [[1000, 998, -5], [-1000, -1001, -1003], [710, 709.5]])
def test_very_large_or_small_logits_give_a_correct_table_and_say_the_shift(run, z):
    code, out, _ = run(main, "softmax", *z)
    assert code == 0
    rows = table_after(out, "| word")
    assert "e^(z−m)" in out.splitlines()[0]
    m = max(z)
    for i, p in enumerate(exact_softmax(z)):
        row = rows[str(i + 1)]
        assert float(row[2]) == pytest.approx(p, abs=5e-4)
        assert float(row[1]) == pytest.approx(math.exp(z[i] - m), abs=5e-3)
    assert f"m = {m:g}, the largest z, is subtracted" in out
    assert "e^m cancels" in out


def test_ordinary_logits_need_no_shift_note(run):
    _, out, _ = run(main, "softmax", "30", "-20")
    assert "subtracted" not in out and "e^z" in out


def test_temperature_divides_the_logits(run):
    code, out, _ = run(main, "softmax", "3", "-2", "-1", "--temperature", "2")
    rows = table_after(out, "| word")
    assert cells(out.splitlines()[0]) == ["word", "z", "z/T", "e^(z/T)", "σ(z/T)"]
    for i, p in enumerate(exact_softmax([1.5, -1.0, -0.5])):
        assert float(rows[str(i + 1)][3]) == pytest.approx(p, abs=5e-4)
    assert rows["1"][:2] == ["3", "1.5"]


def test_softmax_json_has_every_number(run):
    code, out, _ = run(main, "softmax", "3", "-2", "-1", "3", "-2", "--json")
    doc = json.loads(out)
    np.testing.assert_allclose(doc["probs"], exact_softmax([3, -2, -1, 3, -2]), rtol=1e-12)
    assert doc["sum_exp"] == pytest.approx(40.8185)  # the four-figure values 20.09 + 0.1353 + 0.3679 + ...


@pytest.mark.parametrize("argv, needle", [
    (["softmax", "nan"], "finite"),
    (["softmax", "inf", "1"], "finite"),
    (["softmax", "1e9", "1"], "1e+06"),
    (["softmax", "1", "2", "--words", "a"], "2 logits and 1 word"),
    (["softmax", "1", "--temperature", "0"], "--temperature"),
])
def test_softmax_bad_input_is_one_line(run, argv, needle):
    code, _, err = run(main, *argv)
    assert_clean_error(code, err, "tlm", needle)


# ---- tlm explain ----------------------------------------------------------------------------------------------

def explain_out(run, model, *argv):
    code, out, err = run(main, "explain", "--model", model, *argv)
    assert code == 0, err
    return out, err


def float64_model(path):
    model = persistence.load(path)
    return model, {k: getattr(model, k).astype(np.float64) for k in "EWb"}


def test_explain_gradient_matches_finite_differences(run, chuck_json):
    out, _ = explain_out(run, chuck_json, "--context", "how much", "--target", "wood", "-k", "4")
    model, p = float64_model(chuck_json)
    rows = [model.word_to_idx[w] for w in ("how", "much")]
    t = model.word_to_idx["wood"]
    z = p["E"][rows].mean(axis=0) @ p["W"] + p["b"]  # (V,)

    def loss(z):
        return -(z[t] - z.max() - np.log(np.exp(z - z.max()).sum()))

    h = 1e-6
    fd = np.array([(loss(z + h * np.eye(len(z))[i]) - loss(z - h * np.eye(len(z))[i])) / (2 * h)
                   for i in range(len(z))])
    printed = table_after(out, "4. Backpropagation")
    assert len(printed) in (4, 5) and printed["wood"][1] == "1"
    for word, (_, onehot, grad) in printed.items():
        assert float(grad) == pytest.approx(fd[model.word_to_idx[word]], abs=6e-5), word
    assert f"−ln {math.exp(-loss(z)):.4f} = {loss(z):.4f}" in out


def test_explain_json_gradients_of_E_W_b_match_finite_differences(run, chuck_json):
    out, _ = explain_out(run, chuck_json, "--context", "how much", "--target", "wood", "--json")
    doc = json.loads(out)
    model, p = float64_model(chuck_json)
    rows = [model.word_to_idx[w] for w in ("how", "much")]
    t = model.word_to_idx["wood"]

    def loss(E, W, b):
        z = E[rows].mean(axis=0) @ W + b
        return -(z[t] - z.max() - np.log(np.exp(z - z.max()).sum()))

    def fd(name, index, h=1e-6):
        up, down = {k: v.copy() for k, v in p.items()}, {k: v.copy() for k, v in p.items()}
        up[name][index] += h
        down[name][index] -= h
        return (loss(**up) - loss(**down)) / (2 * h)

    dE_how = np.array([fd("E", (rows[0], j)) for j in range(p["E"].shape[1])])
    np.testing.assert_allclose(doc["dE_rows"][0], dE_how, atol=1e-5)
    for i, j in [(0, 0), (3, t), (31, 10)]:
        assert doc["dW"][i][j] == pytest.approx(fd("W", (i, j)), abs=1e-5)
    np.testing.assert_allclose(doc["dlogits_all"], [fd("b", i) for i in range(len(p["b"]))], atol=1e-5)
    norms = {g["name"]: g for g in doc["gradient"]}
    assert norms["E[how]"]["gradient"] == pytest.approx(np.linalg.norm(dE_how), rel=1e-4)
    assert norms["E[how]"]["change"] == pytest.approx(0.1 * np.linalg.norm(dE_how), rel=1e-3)


def test_after_one_step_is_what_one_step_gives(run, chuck_json):
    before = chuck_json.read_bytes()
    out, _ = explain_out(run, chuck_json, "--context", "how much", "--target", "wood", "--lr", "0.5")
    assert chuck_json.read_bytes() == before  # the model file is never changed
    model = persistence.load(chuck_json)
    stepped = copy.deepcopy(model)
    loss_before = stepped._step(["how", "much"], "wood", 0.5)
    p_after = stepped._forward(["how", "much"])[1]
    t = model.word_to_idx["wood"]
    match = re.search(r"loss\s+(\d+\.\d+) -> (\d+\.\d+)", out)
    assert (float(match[1]), float(match[2])) == (round(loss_before, 4), round(-math.log(p_after[t]), 4))
    assert f"p(wood)  {model._forward(['how', 'much'])[1][t]:.4f} -> {p_after[t]:.4f}" in out
    top = np.argsort(-p_after, kind="stable")[:5]
    assert "top 5 after: " + ", ".join(f"{model.vocab[i]} {p_after[i]:.3f}" for i in top) in out

    # And by a plain float64 update, independent of the model's code.
    _, p = float64_model(chuck_json)
    rows = [model.word_to_idx[w] for w in ("how", "much")]
    ctx = p["E"][rows].mean(axis=0)
    z = ctx @ p["W"] + p["b"]
    probs = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    dz = probs - np.eye(len(z))[t]
    dctx = p["W"] @ dz
    W, b, E = p["W"] - 0.5 * np.outer(ctx, dz), p["b"] - 0.5 * dz, p["E"].copy()
    E[rows] -= 0.5 * dctx / 2
    z2 = E[rows].mean(axis=0) @ W + b
    assert float(match[2]) == pytest.approx(-(z2[t] - z2.max() - np.log(np.exp(z2 - z2.max()).sum())), abs=2e-4)


def test_explain_shows_the_stages_in_the_labs_words(run, chuck_json):
    out, err = explain_out(run, chuck_json, "--context", "how much", "--target", "wood")
    assert err == ""
    for stage in ("1. Look up and average", "2. Multiply", "3. The loss", "4. Backpropagation", "5. Gradient descent"):
        assert stage in out
    model = persistence.load(chuck_json)
    row = "   E[how]   " + " ".join(f"{x:7.3f}" for x in model.E[model.word_to_idx["how"]][:6]) + "  ..."
    assert row in out.splitlines()
    rows = table_after(out, "2. Multiply")
    probs = model._forward(["how", "much"])[1]
    top = [model.vocab[i] for i in np.argsort(-probs, kind="stable")[:5]]
    assert list(rows) == top + ["sum of all 11"]
    assert rows["sum of all 11"][-1] == "1.000"
    table = table_after(out, "It reaches")
    assert list(table) == ["E[how]", "E[much]", "W", "b"]
    assert table["W"][0] == "352" and table["b"][0] == "11"


def test_full_shows_every_number_and_no_target_only_the_prediction(run, chuck_json):
    out, _ = explain_out(run, chuck_json, "--context", "how much", "--full")
    line = next(line for line in out.splitlines() if line.startswith("   average"))
    assert len(line.split()) == 1 + 32
    assert "3. The loss" not in out and "Backpropagation" not in out


def test_a_word_twice_in_the_context_gets_its_share_twice(run, chuck_json):
    out, _ = explain_out(run, chuck_json, "--context", "wood wood", "--target", "would", "--json")
    doc = json.loads(out)
    (row,) = [g for g in doc["gradient"] if g["name"].startswith("E[")]
    assert row["change"] == pytest.approx(0.1 * row["gradient"], rel=1e-3)
    assert doc["step"]["rows_of_E_changed"] == 1


def test_a_longer_context_uses_the_last_n_and_says_so(run, chuck_json):
    out, err = explain_out(run, chuck_json, "--context", "how much wood")
    assert err.strip() == "Note: the context has 3 tokens and the model reads n=2: it uses the last 2, 'much wood'"
    assert "context 'much wood'" in out


def test_a_shorter_context_says_what_is_averaged(run, chuck_json):
    _, err = explain_out(run, chuck_json, "--context", "how", "--target", "much")
    assert "the model reads n=2: it averages 1 row of E, where training always averages 2" in err


@pytest.mark.parametrize("argv, needles", [
    (["--context", "how mcuh"], ["'mcuh'", "not in the vocabulary", "'much'"]),
    (["--context", "how much", "--target", "wod"], ["'wod'", "'wood'"]),
    (["--context", "how much", "--target", "wood chuck"], ["one next token"]),
    (["--context", "how much", "--lr", "nan"], ["--lr", "finite"]),
    (["--context", "how much", "--lr", "1e6"], ["--lr", "(0, 100]"]),
    (["--context", "how much", "--lr", "0"], ["--lr"]),
    (["--context", "!!!", "--target", "wood"], ["'!'", "not in the vocabulary"]),
])
def test_explain_bad_input_is_one_line(run, chuck_json, argv, needles):
    code, _, err = run(main, "explain", "--model", chuck_json, *argv)
    assert_clean_error(code, err, "tlm", *needles)


def test_a_count_model_has_no_E_or_W_and_says_what_it_has(run, tmp_path):
    path = tmp_path / "counts.json"
    assert main(["train", "--kind", "counts", "--filepath", str(CHUCK), "--output", str(path)]) == 0
    code, _, err = run(main, "explain", "--model", path, "--context", "how much")
    assert_clean_error(code, err, "tlm", "counts model", "no E or W", "how often each token followed")
