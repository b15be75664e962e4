"""How much memory a request may take, checked before allocating rather than discovered by a crash.

`require(nbytes, what, advice)` refuses a request larger than half of what this process can still
get: the machine's available memory, or what is left under an address-space limit (`ulimit -v`),
whichever is smaller.
"""

import os
import resource

from edge.errors import UserError

SHARE = 0.5  # of the memory still available that one request may take


def _proc_kilobytes(path, field):
    """A "Field:  N kB" line of a /proc file, in bytes; None where there is none (not Linux)."""
    try:
        with open(path) as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ":"))
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def available_bytes():
    """Bytes this process can still allocate, as far as the system tells."""
    available = _proc_kilobytes("/proc/meminfo", "MemAvailable")
    if available is None:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        available = min(available, max(soft - (_proc_kilobytes("/proc/self/status", "VmSize") or 0), 0))
    return available


def human(nbytes):
    """1234567 -> '1.2 MB'."""
    value = float(nbytes)
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if value < 1000 or unit == "PB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000


def require(nbytes, what, advice):
    """Raise `UserError` if `what` (needing about `nbytes`) would take more than SHARE of what is available."""
    available = available_bytes()
    if nbytes > SHARE * available:
        raise UserError(f"{what} needs about {human(nbytes)} of memory, more than half of the {human(available)} "
                        f"this process can still get; {advice}")
