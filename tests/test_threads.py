"""Training's BLAS thread count: chosen by timing steps (the faster of 1 and all, measured again
later), fixed by `--threads N`, applied only inside a step, and left alone for tiny steps."""

import subprocess
import sys

import pytest
from threadpoolctl import threadpool_info

from tests.conftest import CHUCK, ROOT, assert_clean_error
from tlm import threads
from tlm.cli import main


def blas_threads():
    return max(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")


ALL = blas_threads()
several = pytest.mark.skipif(ALL < 2, reason="the BLAS here runs one thread")


def in_a_fresh_process(scenario):
    """Run `scenario` (a function of this module) in a new interpreter: OpenBLAS cannot raise its
    thread count again in a process where another thread holds a limit (as a served app does)."""
    code = f"import tests.test_threads as t; t.{scenario.__name__}()"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


class Machine:
    """A fake clock and a step whose duration depends on the BLAS threads it runs with."""

    def __init__(self, seconds_by_threads):
        self.now, self.cost, self.seen = 0.0, dict(seconds_by_threads), []

    def clock(self):
        return self.now

    def step(self, x):
        count = blas_threads()
        self.seen.append(count)
        self.now += self.cost[1 if count == 1 else ALL]
        return x * 2


def chooses_the_faster_and_measures_again_later():
    machine = Machine({1: 0.010, ALL: 0.004})  # idle: all threads faster
    chooser = threads.Chooser(clock=machine.clock)
    step = chooser.wrap(machine.step)
    assert [step(i) for i in range(40)] == [2 * i for i in range(40)]
    assert chooser.choices[0][1] == ALL and machine.seen[-1] == ALL
    assert 1 in machine.seen  # one thread was tried
    machine.cost = {1: 0.010, ALL: 0.030}  # busy: the other processes' load makes all threads slower
    machine.now += threads.RECHECK_S
    for i in range(40):
        step(i)
    assert [choice[1] for choice in chooser.choices] == [ALL, 1]
    assert machine.seen[-1] == 1
    assert blas_threads() == ALL  # outside a step, nothing changed


def uses_a_fixed_count_for_every_step():
    machine = Machine({1: 0.010, ALL: 0.001})
    step = threads.Chooser(1, clock=machine.clock).wrap(machine.step)
    for i in range(30):
        step(i)
    assert set(machine.seen) == {1} and blas_threads() == ALL


def keeps_the_blas_setting_for_tiny_steps():
    machine = Machine({1: 1e-5, ALL: 1e-4})
    step = threads.Chooser(clock=machine.clock).wrap(machine.step)
    for i in range(100):
        step(i)
    assert set(machine.seen) == {ALL}


@several
@pytest.mark.slow
@pytest.mark.parametrize("scenario", [chooses_the_faster_and_measures_again_later, uses_a_fixed_count_for_every_step,
                                      keeps_the_blas_setting_for_tiny_steps])
def test_choosing_threads(scenario):
    in_a_fresh_process(scenario)


def test_train_with_fixed_threads(run, tmp_path):
    outputs = []
    for name in ("a.json", "b.json"):
        code, out, err = run(main, "train", "--filepath", CHUCK, "--threads", "1", "--output", tmp_path / name)
        assert code == 0, err
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


def test_a_bad_thread_count_is_one_line(run, tmp_path):
    code, _, err = run(main, "train", "--filepath", CHUCK, "--threads", "0", "--output", tmp_path / "m.json")
    assert_clean_error(code, err, "tlm", "--threads", "at least 1")
