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
# Below this much address space, numpy's and OpenBLAS's own start-up can crash, hang or raise a
# SIGINT (seen from 84 to 146 MB of `ulimit -v` on the 2-core machine; the commands start from 110 MB).
MIN_ADDRESS_SPACE = 192 << 20
_prog = None  # the command's name, once `launch` knows it (`python -m tlm` has argv[0] "__main__.py")


def _command():
    return _prog or (os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "command")


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


def _check_memory_cap():
    """Under an address-space cap (ulimit -v): refuse one too small to start (see MIN_ADDRESS_SPACE),
    and run OpenBLAS on one thread unless OPENBLAS_NUM_THREADS chooses: the buffers it takes per
    thread while numpy and scipy load can exhaust a cap, and it then retries for ever (seen at 250 MB
    on 2 cores)."""
    import resource

    cap = resource.getrlimit(resource.RLIMIT_AS)[0]
    if cap == resource.RLIM_INFINITY:
        return
    if cap < MIN_ADDRESS_SPACE:
        os.write(2, f"{_command()}: error: out of memory: the memory cap (ulimit -v) of {cap >> 20} MB is below the "
                    f"{MIN_ADDRESS_SPACE >> 20} MB the command needs to start\n".encode())
        finish(1)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def launch(module):
    """Import the command's `module` and run its `main`, exiting with its status."""
    global _prog
    _prog = module.split(".")[0]
    quiet_interrupts()  # until the command's runner installs its own handlers
    _check_memory_cap()
    try:
        main = importlib.import_module(module).main
    except (ImportError, MemoryError) as e:
        if not no_memory_to_load(e):
            raise  # a broken installation: a bug to report, with its traceback
        os.write(2, f"{_command()}: error: {OUT_OF_MEMORY}\n".encode())
        finish(1)
    finish(main())


def quiet_interrupts():
    """Install the quiet handlers (`edge.runner` replaces them once the command is ready)."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _leave)


def finish(status):
    """Exit with `status`, ignoring SIGINT and SIGTERM from now on."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(status)
