"""The first thing a command does: make a Ctrl-C (or SIGTERM) during the imports at start-up exit
quietly, with status 130 (143), instead of printing a traceback from inside some library's import.

Imports nothing but `os` and `signal`, so that it is in place a few milliseconds after Python starts.
"""

import os
import signal

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _leave(signum, frame):
    os.write(2, b"interrupted\n")
    os._exit(128 + signum)


def quiet_interrupts():
    """Install the quiet handlers (`tinylm.runner` replaces them once the command is ready)."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _leave)
