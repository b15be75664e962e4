"""Ctrl-C and SIGTERM as requests, not accidents.

Python turns SIGINT into a `KeyboardInterrupt` wherever the program happens to be, which can cut a
save in half, and SIGTERM kills the process without cleaning up. Here:

- `Terminated` is SIGTERM as an exception (installed by `runner.run`), so cleanup runs and the exit
  status is 143;
- `StopRequests` (training) records the first SIGINT/SIGTERM for the loop to read at a safe point
  and ignores the rest: `uv run` forwards Ctrl-C to its child while the terminal also signals the
  process group, so one key press often arrives twice;
- `deferred()` holds both signals through a short critical section (replacing a file) and delivers
  the first one afterwards.

A Ctrl-C during the imports at start-up is `edge.startup`'s.

Signal handlers belong to the main thread; elsewhere these helpers change nothing.
"""

import signal
import threading
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Terminated(BaseException):
    """SIGTERM arrived: stop like Ctrl-C does, with exit status 143."""


def raise_terminated(signum, frame):
    raise Terminated()


def _in_main_thread():
    return threading.current_thread() is threading.main_thread()


class StopRequests:
    """While active, SIGINT and SIGTERM are recorded instead of interrupting.

    `received` is the first signal number (or None): the code that owns the loop reads it at safe
    points and stops there. Later signals are counted in `count` and otherwise ignored.
    """

    def __init__(self):
        self.received = None
        self.count = 0
        self._previous = {}

    def _record(self, signum, frame):
        self.count += 1
        if self.received is None:
            self.received = signum

    def __call__(self):
        """True once a stop was requested (usable as a `should_stop` callback)."""
        return self.received is not None

    def __enter__(self):
        if _in_main_thread():
            self._previous = {s: signal.signal(s, self._record) for s in STOP_SIGNALS}
        return self

    def __exit__(self, *exc):
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous = {}
        return False


@contextmanager
def deferred():
    """Hold SIGINT and SIGTERM until the block ends, then deliver the first one.

    Inside an active `StopRequests` nothing changes: it already records signals without raising.
    """
    if not _in_main_thread() or isinstance(getattr(signal.getsignal(signal.SIGINT), "__self__", None), StopRequests):
        yield
        return
    with StopRequests() as held:
        yield
    if held.received is not None:
        signal.raise_signal(held.received)
