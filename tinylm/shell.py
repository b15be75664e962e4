"""An interactive Python shell on a namespace, usable from a terminal or a pipe.

Used by `tlm generate --interact` and `wp shell`; the callers choose the names and the banner.
Leaves out what the names are (the commands pass them in).
"""

import code
import sys


class _Console(code.InteractiveConsole):
    def raw_input(self, prompt=""):
        # Piped input gets no prompts, so `echo 'print(x)' | ... --interact` prints only x.
        return input(prompt if sys.stdin.isatty() else "")


def interact(namespace, banner):
    """Run the shell (banner on stderr) until standard input ends: Ctrl-D or the end of the pipe."""
    if sys.stdin.isatty():
        try:
            import readline
            import rlcompleter  # noqa: F401  (registers the completer readline uses)

            readline.parse_and_bind("tab: complete")
        except ImportError:  # no readline on this platform: the shell still works
            pass
    _Console(namespace).interact(banner=banner, exitmsg="")
