"""Training clock shared by the benchmarks: training time with evaluation time taken out, and the
held-out loss at regular checkpoints, so that "time to reach loss X" is comparable across engines.

Pure Python so that the PyTorch side (another virtual environment) can use it too.
"""

import time


class TrainingClock:
    """Call `checkpoint(evaluate)` every so often during training; `evaluate()` returns the held-out loss."""

    def __init__(self):
        self.start = time.perf_counter()
        self.excluded = 0.0  # seconds spent evaluating, not training
        self.points = []  # (training seconds, held-out loss)

    def elapsed(self):
        return time.perf_counter() - self.start - self.excluded

    def checkpoint(self, evaluate):
        t = self.elapsed()
        before = time.perf_counter()
        loss = evaluate()
        self.excluded += time.perf_counter() - before
        self.points.append((t, loss))
        return loss

    def time_to(self, target):
        """Training seconds until the held-out loss first reached `target` (None if never)."""
        return next((t for t, loss in self.points if loss <= target), None)

    def best(self):
        return min(loss for _, loss in self.points)
