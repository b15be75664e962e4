"""The first and the last thing a command does (`launch`). First: make a Ctrl-C (or SIGTERM) during
the imports at start-up exit quietly, with status 130 (143), instead of printing a traceback from
inside some library's import; under a memory cap (`ulimit -v`), run OpenBLAS on one thread, and
make a cap too small to load numpy's libraries one line. Last: ignore both signals while Python
shuts down, when the work is done (Python resets its own handlers then, so a late Ctrl-C would kill
the process instead of letting it exit).

Imports nothing but `importlib`, `os`, `resource`, `signal` and `sys`, so that it is in place a few
milliseconds after Python starts.
"""

import importlib
import os
import signal
import sys

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
OUT_OF_MEMORY = "out of memory; try a smaller model, batch or text"


def _command():
    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "command"


def _leave(signum, frame):
    os.write(2, f"{_command()}: {'terminated' if signum == signal.SIGTERM else 'interrupted'}\n".encode())
    os._exit(128 + signum)


def no_memory_to_load(error):
    """Whether an import failed because a memory cap (ulimit -v) left no room to map a library."""
    return isinstance(error, MemoryError) or "failed to map segment" in str(error)  # the loader's words for ENOMEM


def entry_point(module):
    """The console-script function of the command whose `main(argv)` is in `module` ("tlm.cli"):
    imported once the quiet Ctrl-C is in place, its status the exit status."""
    return lambda: launch(module)


def _one_blas_thread_under_a_memory_cap():
    """Under an address-space cap (ulimit -v), the buffers OpenBLAS takes per thread while numpy and
    scipy load can exhaust it, and OpenBLAS then retries for ever (seen at 250 MB on 2 cores): one
    thread then, unless OPENBLAS_NUM_THREADS chooses."""
    import resource

    if resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def launch(module):
    """Import the command's `module` and run its `main`, exiting with its status."""
    quiet_interrupts()  # until the command's runner installs its own handlers
    _one_blas_thread_under_a_memory_cap()
    try:
        main = importlib.import_module(module).main
    except (ImportError, MemoryError) as e:
        if not no_memory_to_load(e):
            raise  # a broken installation: a bug to report, with its traceback
        os.write(2, f"{_command()}: error: {OUT_OF_MEMORY}\n".encode())
        finish(1)
    finish(main())


def quiet_interrupts():
    """Install the quiet handlers (`tinylm.runner` replaces them once the command is ready)."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _leave)


def finish(status):
    """Exit with `status`, ignoring SIGINT and SIGTERM from now on."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(status)
