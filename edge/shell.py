"""An interactive Python shell on a few named objects, usable from a terminal or a pipe.

Used by `tlm generate --interact` and `wp shell`, which are the commands' one interactive part (the
library never reads standard input). Leaves out what the names are (the commands pass them in).
"""

import code
import signal
import sys
import threading


class _Console(code.InteractiveConsole):
    def raw_input(self, prompt=""):
        # Piped input gets no prompts, so `echo 'print(x)' | ... --interact` prints only x.
        try:
            return input(prompt if sys.stdin.isatty() else "")
        except EOFError:
            if not self.buffer:
                raise
        # As in Python's shell, Ctrl-D (or the input's end) ends a pending block: run it if a blank
        # line completes it, else say at once why it cannot be.
        source = "\n".join([*self.buffer, ""])
        try:
            complete = self.compile(source, self.filename, "single") is not None
        except (SyntaxError, OverflowError, ValueError):
            complete = True  # running it shows the error
        if complete:
            return ""
        try:
            compile(source, self.filename, "exec")
        except SyntaxError:
            self.showsyntaxerror(self.filename)
        self.resetbuffer()
        if sys.stdin.isatty():  # a terminal goes on reading after a Ctrl-D; a pipe has ended
            return ""
        raise EOFError


def interact(title, names, hint):
    """Run the shell on `names`, {name: (value, what it is)}, until standard input ends (Ctrl-D or
    the end of the pipe) or `exit()`; returns the exit status, as Python's shell would give it.
    Ctrl-C interrupts the line being run, as in Python's own shell. The banner (on stderr, after
    what the command printed) has `title`, a line per name and `Try: hint`.
    """
    sys.stdout.flush()
    banner = "\n".join([title, *(f"  {name:<5}  {about}" for name, (_, about) in names.items()), f"Try: {hint}"])
    namespace = {name: value for name, (value, _) in names.items()}
    if sys.stdin.isatty():
        try:
            import readline
            import rlcompleter  # noqa: F401  (registers the completer readline uses)

            readline.parse_and_bind("tab: complete")
        except ImportError:  # no readline on this platform: the shell still works
            pass
    main = threading.current_thread() is threading.main_thread()  # signal handlers are the main thread's
    interrupt = signal.getsignal(signal.SIGINT)
    if main:  # every Ctrl-C, not only the first, as in Python's shell
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _Console(namespace, filename="<stdin>").interact(banner=banner, exitmsg="")
    except SystemExit as e:  # exit(), quit(), sys.exit(): their status, as Python gives it
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        print(e.code, file=sys.stderr)
        return 1
    finally:
        if main:
            signal.signal(signal.SIGINT, interrupt)
    return 0
