"""The first and the last thing a command does. First: make a Ctrl-C (or SIGTERM) during the
imports at start-up exit quietly, with status 130 (143), instead of printing a traceback from inside
some library's import. Last: ignore both while Python shuts down, when the work is done (Python
resets its own handlers then, so a late Ctrl-C would kill the process instead of letting it exit).

Imports nothing but `os`, `signal` and `sys`, so that it is in place a few milliseconds after Python
starts.
"""

import os
import signal
import sys

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _leave(signum, frame):
    command = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "command"
    os.write(2, f"{command}: {'terminated' if signum == signal.SIGTERM else 'interrupted'}\n".encode())
    os._exit(128 + signum)


def quiet_interrupts():
    """Install the quiet handlers (`tinylm.runner` replaces them once the command is ready)."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _leave)


def finish(status):
    """Exit with `status`, ignoring SIGINT and SIGTERM from now on."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(status)
