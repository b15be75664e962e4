"""A command's `main(argv)`: parse, run the chosen subcommand, and turn whatever happens into an
exit status and at most one line on stderr.

Exit statuses: 0 done (also when stdout was closed early: `| head` is not an error), 1 a
`UserError` (or stdout could not be written, or memory ran out), 2 a usage error (argparse), 130
Ctrl-C, 143 SIGTERM. Anything else is a bug and keeps its traceback.
"""

import signal
import sys
import threading
import warnings

from edge import console, signals
from edge.errors import UserError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def run(prog, build_parser, argv):
    """Build the parser, parse `argv` and call `args.func(args)`; returns the exit status (also for
    `--help` and usage errors, which argparse reports with SystemExit).

    The subcommand returns None (success) or an exit status. During the call stdout is a
    `console.GuardedStdout`, Ctrl-C raises `KeyboardInterrupt` and SIGTERM `signals.Terminated`,
    and warnings are not printed (one line means one line).
    """
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {signal.SIGINT: signal.signal(signal.SIGINT, signals.raise_interrupted),
                    signal.SIGTERM: signal.signal(signal.SIGTERM, signals.raise_terminated)}
    guarded = sys.stdout = console.GuardedStdout(sys.stdout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            args = build_parser().parse_args(argv)
            status = args.func(args) or EXIT_OK
    except SystemExit as e:  # --help (0) or a usage error (2, already explained on stderr)
        status = e.code if isinstance(e.code, int) else EXIT_USAGE
    except UserError as e:
        console.note(f"{prog}: error: {console.one_line(str(e))}")
        status = EXIT_ERROR
    except MemoryError:
        console.note(f"{prog}: error: out of memory; try a smaller model, batch or text")
        status = EXIT_ERROR
    except KeyboardInterrupt:
        console.note(f"{prog}: interrupted")
        status = signals.EXIT_STATUS[signal.SIGINT]
    except signals.Terminated:
        console.note(f"{prog}: terminated")
        status = signals.EXIT_STATUS[signal.SIGTERM]
    finally:
        guarded.flush()
        sys.stdout = guarded.stream
        for signum, handler in previous.items():
            if signal.getsignal(signum) is not signal.SIG_IGN:  # else stopping: the rest of a doubled signal waits for exit
                signal.signal(signum, handler)
    if guarded.failure is not None and not isinstance(guarded.failure, BrokenPipeError):
        console.note(f"{prog}: error: cannot write to standard output: {guarded.failure.strerror or guarded.failure}")
        status = status or EXIT_ERROR
    return status
