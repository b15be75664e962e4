"""Ctrl-C and SIGTERM as requests, not accidents.

Python turns SIGINT into a `KeyboardInterrupt` wherever the program happens to be, which can cut a
save in half, and SIGTERM kills the process without cleaning up. Here:

- `Terminated` is SIGTERM as an exception (installed by `runner.run`), so cleanup runs and the exit
  status is 143; once a command is stopping, later signals are ignored until it has exited;
- `StopRequests` (training, serving) records the first SIGINT/SIGTERM for the loop to read at a
  safe point and ignores the rest: `uv run` forwards Ctrl-C to its child while the terminal also
  signals the process group, so one key press often arrives twice.

A Ctrl-C during the imports at start-up is `edge.startup`'s. Signal handlers belong to the main
thread; elsewhere `StopRequests` changes nothing.
"""

import signal
import threading

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Terminated(BaseException):
    """SIGTERM arrived: stop like Ctrl-C does, with exit status 143."""


def _raising(exception):
    """A handler that raises `exception` at the first SIGINT or SIGTERM and ignores both after it:
    the second of a doubled signal (`uv run` forwards one, the terminal or `timeout` signals the
    whole group) must not cut short the cleanup the first one started."""
    def handler(signum, frame):
        for s in STOP_SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        raise exception()
    return handler


raise_interrupted = _raising(KeyboardInterrupt)
raise_terminated = _raising(Terminated)


class StopRequests:
    """While active, SIGINT and SIGTERM are recorded instead of interrupting.

    `received` is the first signal number (or None): the code that owns the loop reads it at safe
    points and stops there. Later signals are ignored.
    """

    def __init__(self):
        self.received = None
        self._previous = {}

    def _record(self, signum, frame):
        if self.received is None:
            self.received = signum

    def __call__(self):
        """True once a stop was requested (usable as a `should_stop` callback)."""
        return self.received is not None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._record) for s in STOP_SIGNALS}
        return self

    def __exit__(self, *exc):
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous = {}
        return False
