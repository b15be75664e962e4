"""An interactive Python shell on a namespace, usable from a terminal or a pipe.

Used by `tlm generate --interact` and `wp shell`; the callers choose the names and the banner.
Leaves out what the names are (the commands pass them in).
"""

import code
import signal
import sys
import threading


class _Console(code.InteractiveConsole):
    def raw_input(self, prompt=""):
        # Piped input gets no prompts, so `echo 'print(x)' | ... --interact` prints only x.
        return input(prompt if sys.stdin.isatty() else "")


def _leave(signum, frame):
    raise SystemExit(128 + signum)


def interact(namespace, banner):
    """Run the shell (banner on stderr) until standard input ends: Ctrl-D or the end of the pipe.

    SIGTERM ends it (status 143): the console would otherwise catch the exception and carry on.
    Ctrl-C interrupts the line being run, as in Python's own shell.
    """
    if sys.stdin.isatty():
        try:
            import readline
            import rlcompleter  # noqa: F401  (registers the completer readline uses)

            readline.parse_and_bind("tab: complete")
        except ImportError:  # no readline on this platform: the shell still works
            pass
    previous = signal.signal(signal.SIGTERM, _leave) if threading.current_thread() is threading.main_thread() else None
    try:
        _Console(namespace).interact(banner=banner, exitmsg="")
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
