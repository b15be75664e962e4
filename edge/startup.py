"""The first and the last thing a command does (`launch`). First: make a Ctrl-C (or SIGTERM) during
the imports at start-up exit quietly, with status 130 (143), instead of printing a traceback from
inside some library's import; `edge.runner` installs the command's own handlers once it is ready.
Last: ignore both while Python shuts down, when the work is done (Python resets its own handlers
then, so the second signal of a doubled Ctrl-C would kill the process instead of letting it exit).

Imports nothing but `importlib`, `os`, `signal` and `sys`, so that it is in place a few
milliseconds after Python starts.
"""

import importlib
import os
import signal
import sys


def entry_point(module):
    """The console-script function of the command whose `main(argv)` is in `module` ("tlm.cli")."""
    return lambda: launch(module)


def launch(module):
    """Import the command's `module` and run its `main`, exiting with its status."""
    prog = module.split(".")[0]  # `python -m tlm` has argv[0] "__main__.py"

    def leave(signum, frame):
        os.write(2, f"{prog}: {'terminated' if signum == signal.SIGTERM else 'interrupted'}\n".encode())
        os._exit(128 + signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, leave)
    status = importlib.import_module(module).main()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(status)
