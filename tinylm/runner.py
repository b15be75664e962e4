"""A command's `main(argv)`: parse, run the chosen subcommand, and turn whatever happens into an
exit status and at most one line on stderr.

Exit statuses: 0 done (also when stdout was closed early: `| head` is not an error), 1 a
`UserError` (or stdout could not be written, or memory ran out), 2 a usage error (argparse), 130
Ctrl-C, 143 SIGTERM. Anything else is a bug and keeps its traceback.
"""

import signal
import sys
import threading

from tinylm import console, signals
from tinylm.errors import UserError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def run(prog, parser, argv):
    """Parse `argv` with `parser` and call `args.func(args)`; returns the exit status (also for
    `--help` and usage errors, which argparse reports with SystemExit).

    The subcommand returns None (success) or an exit status. During the call stdout is a
    `console.GuardedStdout`, SIGTERM raises `signals.Terminated`, and text that the terminal's
    encoding cannot show is escaped rather than fatal (e.g. under LC_ALL=C).
    """
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error (2, already explained on stderr)
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    guarded = console.GuardedStdout(sys.stdout)
    main_thread = threading.current_thread() is threading.main_thread()
    previous_term = signal.signal(signal.SIGTERM, signals.raise_terminated) if main_thread else None
    sys.stdout = guarded
    try:
        status = args.func(args) or EXIT_OK
    except UserError as e:
        console.note(f"{prog}: error: {e}")
        status = EXIT_ERROR
    except KeyboardInterrupt:
        console.note(f"{prog}: interrupted")
        status = EXIT_INTERRUPTED
    except signals.Terminated:
        console.note(f"{prog}: terminated")
        status = EXIT_TERMINATED
    except MemoryError:
        console.note(f"{prog}: error: out of memory; try a smaller model, batch or text")
        status = EXIT_ERROR
    finally:
        guarded.flush()
        sys.stdout = guarded.stream
        if main_thread:
            signal.signal(signal.SIGTERM, previous_term)
    if guarded.failure is not None and not guarded.broken_pipe:
        console.note(f"{prog}: error: cannot write to standard output: {guarded.failure.strerror or guarded.failure}")
        status = status or EXIT_ERROR
    return status
