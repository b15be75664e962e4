"""How many BLAS threads a training step gets, chosen by measuring steps as training runs.

On an idle 2-core machine the BLAS's two threads train the lab's Emma model 1.4x faster than one;
with the cores kept busy by other processes two threads spin against them and one thread is 2.6x
faster. Which is best depends on the load of the moment, so `Chooser` times PROBE_STEPS steps with
each thread count, keeps the faster, and measures again RECHECK_S seconds later (twice as long each
time the choice holds, up to MAX_RECHECK_S). Steps shorter than MIN_STEP_S (small vocabularies) are
left alone: their products are too small for threads to matter and the timings too noisy to choose
by. A fixed count (`tlm train --threads N`) is used as given.

The limit is applied around each step only, so nothing outside training sees it. A different thread
count rounds the products differently (by about 1e-6): a fixed count makes reruns bit-identical.
Leaves out what a step computes (`training`).
"""

import statistics
import time

from threadpoolctl import ThreadpoolController

PROBE_STEPS = 5  # timed per thread count, after one untimed step (the switch itself costs caches)
RECHECK_S = 10.0  # how long a new choice is kept before measuring again
MAX_RECHECK_S = 160.0  # ... and a choice that held, at most
MIN_STEP_S = 1e-3  # steps shorter than this keep the BLAS's own setting


class Chooser:
    """Wraps a training step to run it with the BLAS thread count that measures fastest now.

    Parameters
    ----------
    fixed : int, optional
        Use exactly this many threads (no measuring).
    clock : callable, optional
        Seconds, for tests; `time.perf_counter` by default.
    """

    def __init__(self, fixed=None, clock=time.perf_counter):
        self.blas = ThreadpoolController().select(user_api="blas")
        self.default = max((lib.num_threads for lib in self.blas.lib_controllers), default=1)
        self.options = [fixed] if fixed else sorted({1, self.default})
        self.clock = clock
        self.current = fixed or self.default
        self.choices = []  # (time, chosen count, {count: median step seconds}), for reports and tests
        self._plan, self._times, self._next_check, self._wait = [], {}, None, RECHECK_S

    def wrap(self, step):
        """`step` run under the chosen thread count, with the same arguments and result."""

        def chosen(*args, **kwargs):
            threads = self._plan[0] if self._plan else self.current
            start = self.clock()
            if threads == self.default:  # the BLAS's own setting: nothing to change (a limit costs ~25 us)
                result = step(*args, **kwargs)
            else:
                with self.blas.limit(limits=threads):
                    result = step(*args, **kwargs)
            self._measured(threads, self.clock() - start)
            return result

        return chosen

    def _measured(self, threads, seconds):
        if self._plan:  # measuring: the first step after a switch is not counted
            if self._plan.count(threads) <= PROBE_STEPS:
                self._times.setdefault(threads, []).append(seconds)
            self._plan.pop(0)
            if not self._plan:
                medians = {n: statistics.median(t) for n, t in self._times.items()}
                previous, self.current = self.current, min(medians, key=lambda n: (medians[n], n))
                held = bool(self.choices) and previous == self.current
                # A choice that holds is checked half as often: each check runs the slower count a while.
                self._wait = min(2 * self._wait, MAX_RECHECK_S) if held else RECHECK_S
                self.choices.append((self.clock(), self.current, medians))
                self._next_check = self.clock() + self._wait
            return
        now = self.clock()
        if len(self.options) > 1 and seconds >= MIN_STEP_S and (self._next_check is None or now >= self._next_check):
            self._plan = [n for n in self.options for _ in range(PROBE_STEPS + 1)]
            self._times = {}
