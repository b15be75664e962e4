"""The journey: snapshots recorded while training, replayed by `tlm journey` (settling, a word's
neighbours, a pair beside random pairs, the aligned GIF), kept in the model file and continued on
--resume; bad input gets one line."""

import json

import numpy as np
import pytest
from scipy.stats import ortho_group

from tests.conftest import CHUCK, assert_clean_error, needs_gutenberg
from tlm import corpus, persistence, replay, training
from tlm.cli import main
from tlm.journey import schedule
from tlm.tokenizer import tokenize
from vectors.word_vectors import unit_rows


@pytest.fixture(scope="module")
def small_text(tmp_path_factory):
    """The first 12,000 words of Emma: 1,800 distinct words, enough for neighbours to form."""
    words = tokenize(corpus.read_gutenberg("austen-emma.txt"), ["lower", "alpha"])[:12_000]
    path = tmp_path_factory.mktemp("emma") / "small.txt"
    path.write_text(" ".join(words))
    return path


@pytest.fixture(scope="module")
def small_model(small_text, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "small.json"
    assert main(["train", "--filepath", str(small_text), "--epochs", "3", "--val-fraction", "0.1",
                 "--output", str(path)]) == 0
    return path


def test_schedule_starts_at_0_ends_at_the_last_step_and_is_denser_early():
    steps = schedule(7000, 16)
    assert len(steps) == 16 and steps[0] == 0 and steps[-1] == 7000
    gaps = np.diff(steps)
    assert (gaps > 0).all() and gaps[0] < gaps[len(gaps) // 2] < gaps[-1]
    assert list(schedule(3, 16)) == [0, 1, 2, 3]


@needs_gutenberg
@pytest.mark.slow
def test_settling_rises_from_step_0_to_the_end(small_model, run):
    code, out, err = run(main, "journey", "--model", small_model, "--json")
    assert code == 0, err
    result = json.loads(out)
    settled = [s["settled"] for s in result["snapshots"]]
    assert result["words"] == 500 and len(settled) == 16
    # Three epochs on a short text leave much of the random start in place (27% here; 2% on Emma).
    assert settled[0] < 0.4 and settled[-1] == 1.0
    assert all(later >= earlier - 0.01 for earlier, later in zip(settled, settled[1:]))
    assert settled[-2] - settled[len(settled) // 2] > 0.2
    steps = [s["step"] for s in result["snapshots"]]
    assert steps[0] == 0 and steps == sorted(steps)
    losses = [s["loss"] for s in result["snapshots"]]
    assert losses[-1] < losses[0] - 1  # nats: it learned
    assert all(s["val_loss"] is not None for s in result["snapshots"])


@needs_gutenberg
@pytest.mark.slow
def test_the_journey_costs_at_most_1_mb_of_the_model_file(small_model):
    doc = json.loads(small_model.read_bytes())
    assert len(json.dumps(doc["journey"], separators=(",", ":"))) <= 1_000_000


@needs_gutenberg
@pytest.mark.slow
def test_the_aligned_final_snapshot_is_the_models_own_final_vectors(small_model):
    model = persistence.load(small_model)
    journey = model.journey
    rows = journey.rows(model)
    units = replay.units(journey, "E")
    final = replay.aligned(units)[-1]
    own = model.E[rows] / np.linalg.norm(model.E[rows], axis=1, keepdims=True)
    assert np.abs(final - own).max() < 0.02  # int8 storage
    assert np.einsum("kd,kd->k", final, own).min() > 0.999
    # The output vectors, columns of W, likewise.
    w = model.W[:, rows].T
    assert np.abs(journey.snapshots[-1].vectors(output=True) - w).max() <= np.abs(w).max() / 127


def test_alignment_undoes_a_rotation_and_keeps_every_cosine():
    rng = np.random.default_rng(0)
    final = unit_rows(rng.standard_normal((40, 8)), np.float64)
    turn = ortho_group.rvs(8, random_state=1)
    noisy = unit_rows(final @ turn.T + 0.01 * rng.standard_normal((40, 8)), np.float64)
    units = np.stack([final @ turn.T, noisy, final])
    rotated = replay.aligned(units)
    assert np.allclose(rotated[0], final, atol=1e-9)
    assert np.abs(rotated[1] - final).max() < 0.05
    for u, r in zip(units, rotated):
        assert np.allclose(u @ u.T, r @ r.T, atol=1e-9)
    points = replay.aligned_map(units)
    assert points.shape == (3, 40, 2) and np.allclose(points[0], points[2], atol=1e-9)


def test_cli_prints_steps_neighbours_and_pairs(tmp_path, run):
    path = tmp_path / "chuck.json"
    assert run(main, "train", "--filepath", CHUCK, "--output", path)[0] == 0
    code, out, err = run(main, "journey", "--model", path, "--vectors", "E", "--word", "chuck", "--pair", "chuck", "wood",
                         "-n", "3")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"{path}: 15 snapshots of the 11 most frequent words (rows of E)")
    assert lines[2].split()[:2] == ["0", "0.00"] and lines[16].split()[:2] == ["150", "5.00"]
    model = persistence.load(path)
    near = dict(model.most_similar("chuck", topn=3))
    final = lines[lines.index("Nearest recorded words to 'chuck':") + 15]
    assert [w.strip(",") for w in final.split()[1::2]] == list(near)
    pair = out.split("above random\n")[1].splitlines()
    assert float(pair[-1].split()[1]) == pytest.approx(model.similarity("chuck", "wood"), abs=0.01)


def test_asking_for_more_neighbours_than_recorded_gives_all_the_others(tmp_path, run):
    path = tmp_path / "chuck.json"
    assert run(main, "train", "--filepath", CHUCK, "--output", path)[0] == 0
    code, out, err = run(main, "journey", "--model", path, "--word", "wood", "-n", "50", "--json")
    assert code == 0, err
    for row in json.loads(out)["neighbours"]:
        assert len(row) == 10 and "wood" not in [x["word"] for x in row] and None not in [x["cosine"] for x in row]


@pytest.mark.slow
def test_gif_has_a_frame_per_snapshot_and_bad_paths_get_one_line(tmp_path, run):
    from PIL import Image

    path = tmp_path / "chuck.json"
    assert run(main, "train", "--filepath", CHUCK, "--output", path)[0] == 0
    gif = tmp_path / "journey.gif"
    code, out, err = run(main, "journey", "--model", path, "--gif", gif, "--words", "chuck", "wood", "could")
    assert code == 0, err
    with Image.open(gif) as image:
        assert image.format == "GIF" and image.n_frames == 15
    assert_clean_error(*run(main, "journey", "--model", path, "--gif", tmp_path / "none" / "j.gif")[::2],
                       "tlm", "--gif")
    assert_clean_error(*run(main, "journey", "--model", path, "--gif", tmp_path / "j.png")[::2], "tlm", ".gif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chuck.json", "journey.gif"]


def test_words_are_asked_in_the_models_terms(tmp_path, run):
    path = tmp_path / "lower.json"
    assert run(main, "train", "--filepath", CHUCK, "-t", "lower", "--output", path)[0] == 0
    code, out, err = run(main, "journey", "--model", path, "--word", "Wood", "--pair", "Chuck", "wood", "--json")
    assert code == 0, err
    assert "Wood -> wood" in err and "neighbours" in json.loads(out) and "pair" in json.loads(out)


def test_a_model_without_a_journey_and_an_unrecorded_word_get_one_line(tmp_path, run):
    off = tmp_path / "off.json"
    assert run(main, "train", "--filepath", CHUCK, "--snapshots", "0", "--output", off)[0] == 0
    assert "journey" not in json.loads(off.read_bytes())
    assert_clean_error(*run(main, "journey", "--model", off)[::2], "tlm", "no journey", "--snapshots")
    few = tmp_path / "few.json"
    assert run(main, "train", "--filepath", CHUCK, "--snapshot-words", "3", "--output", few)[0] == 0
    assert_clean_error(*run(main, "journey", "--model", few, "--word", "if")[::2], "tlm",
                       "3 most frequent", "--snapshot-words")
    assert_clean_error(*run(main, "journey", "--model", few, "--word", "chuk")[::2], "tlm", "chuck")


def test_unk_is_never_recorded_and_says_why(tmp_path, run):
    folded = tmp_path / "folded.json"
    assert run(main, "train", "--filepath", CHUCK, "--min-count", "2", "--output", folded)[0] == 0
    code, _, err = run(main, "journey", "--model", folded, "--word", "<unk>")
    assert_clean_error(code, err, "tlm", "<unk> is not recorded", "folded at training")
    assert "--snapshot-words" not in err  # a larger K would not record it either


def test_a_resumed_run_continues_the_journey(tmp_path, run):
    path = tmp_path / "chuck.json"
    assert run(main, "train", "--filepath", CHUCK, "--epochs", "2", "--output", path)[0] == 0
    first = persistence.load(path).journey
    assert run(main, "train", "--filepath", CHUCK, "--resume", "--epochs", "2", "--output", path)[0] == 0
    journey = persistence.load(path).journey
    steps = [s.step for s in journey.snapshots]
    assert steps[:len(first.snapshots)] == [s.step for s in first.snapshots]
    assert steps == sorted(set(steps)) and steps[-1] == journey.done == 120
    assert journey.snapshots[-1].epoch == 4.0


def test_an_interrupted_run_resumed_records_the_same_journey(tmp_path):
    from tlm.model import TinyLanguageModel

    words = CHUCK.read_text().split()
    whole = TinyLanguageModel()
    whole.train(words, epochs=4)
    stopped = TinyLanguageModel()
    calls = iter(range(10**6))
    with pytest.raises(training.TrainingInterrupted):
        stopped.train(words, epochs=4, should_stop=lambda: next(calls) == 75)  # in epoch 3
    persistence.save(stopped, tmp_path / "m.json")
    resumed = persistence.load(tmp_path / "m.json")
    training.fit(resumed, training.examples_of(resumed, [words]))
    assert [s.step for s in resumed.journey.snapshots] == [s.step for s in whole.journey.snapshots]
    for a, b in zip(resumed.journey.snapshots, whole.journey.snapshots):
        assert np.array_equal(a.E, b.E) and np.array_equal(a.W, b.W) and a.loss == pytest.approx(b.loss)


def test_a_damaged_journey_is_one_line(tmp_path, run):
    path = tmp_path / "chuck.json"
    assert run(main, "train", "--filepath", CHUCK, "--output", path)[0] == 0
    doc = json.loads(path.read_bytes())
    doc["journey"]["snapshots"][2]["step"] = 10**6
    path.write_text(json.dumps(doc))
    assert_clean_error(*run(main, "journey", "--model", path)[::2], "tlm", "damaged", "step")


def test_a_file_without_a_journey_loads_and_answers_as_before(tmp_path, run):
    path = tmp_path / "chuck.json"
    assert run(main, "train", "--filepath", CHUCK, "--output", path)[0] == 0
    doc = json.loads(path.read_bytes())
    del doc["journey"]
    path.write_text(json.dumps(doc))
    assert persistence.load(path).journey is None
    assert run(main, "similar", "--model", path, "chuck")[0] == 0
    assert_clean_error(*run(main, "journey", "--model", path)[::2], "tlm", "older tlm")


@needs_gutenberg
@pytest.mark.slow
def test_recording_adds_no_peak_memory_beyond_the_snapshots(small_text):
    import tracemalloc

    from tlm.model import TinyLanguageModel

    words = small_text.read_text().split()[:6000]
    peaks = {}
    for mode in ("without", "with"):
        model = TinyLanguageModel()
        model.build(words)
        if mode == "without":
            model.journey = None
        tracemalloc.start()
        model.train(words, epochs=1, resume=True, val_words=words[:3000])
        peaks[mode] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    shots = model.journey.snapshots
    stored = sum(a.nbytes for s in shots for a in (s.E, s.W, s.E_scale, s.W_scale))
    gathered = 2 * 4 * shots[0].E.size  # one snapshot's rows of E and columns of W, as float32
    assert peaks["with"] - peaks["without"] <= stored + 2 * gathered + 100_000
