"""Files in and out, without surprises (promise 3 of docs/robustness.md): an input is a regular
file, read up to a size limit checked first; an output is checked before any work (`check_output`),
written whole or not at all (`atomic_write`: a temporary file beside it, synced and renamed over
it; hand-written, as the whole mechanism is mkstemp, fsync and os.replace) and by one process at a
time (`exclusive`).
"""

import os
import stat
import tempfile
from contextlib import contextmanager

import filelock

from edge.errors import UserError
from edge.resources import human


def _reason(error):
    return error.strerror or str(error)


def _kind(mode):
    return "a directory" if stat.S_ISDIR(mode) else "not a regular file"


def require_regular(path, what="file"):
    """`os.stat` of `path`, or a `UserError` unless it is a regular file."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UserError(f"{what} not found: {path}") from None
    except OSError as e:
        raise UserError(f"cannot read {what} {path}: {_reason(e)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"{what} {path} is {_kind(info.st_mode)}; give the path of a regular file")
    return info


def read_bytes(path, what="file", max_bytes=None):
    """The contents of a regular file, or a `UserError` saying why not (see `require_regular`, and
    larger than `max_bytes`)."""
    info = require_regular(path, what)
    if max_bytes is not None and info.st_size > max_bytes:
        raise UserError(f"{what} {path} is {human(info.st_size)}; at most {human(max_bytes)} is read")
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise UserError(f"cannot read {what} {path}: {_reason(e)}") from None


def target_of(path):
    """The file a write to `path` replaces: the end of its symbolic links, else the path itself."""
    return os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)


def check_output(path, inputs=(), what="output"):
    """Raise `UserError` unless `path` can be written: absent or a regular file, in an existing
    writable folder, and not the same file as any of `inputs` (paths that are read)."""
    if os.path.basename(os.fspath(path)) in ("", ".", ".."):  # "model.json/" would lose its slash on the way
        raise UserError(f"cannot write {what} {path}: it names a folder; give the path of a regular file")
    target = target_of(path)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        raise UserError(f"cannot write {what} {path}: {_reason(e)}") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise UserError(f"cannot write {what} {path}: it is {_kind(mode)}; give the path of a regular file")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise UserError(f"cannot write {what} {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {what} {path}: folder {folder} is not writable")
    for source in inputs:
        if source and mode is not None and _same_file(target, source):
            raise UserError(f"cannot write {what} {path}: it is the input {source}; choose another path")


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def atomic_write(path, data):
    """Replace the file at `path` (through symbolic links) with `data` (bytes or str, UTF-8)."""
    atomic_write_many([(path, data)])


def atomic_write_many(items):
    """Write several files as one: every temporary file is complete before any is renamed into
    place, so a failure leaves all the old files. `items` is a list of (path, bytes or str)."""
    staged, current = [], None
    try:
        for current, data in items:
            staged.append((current, _stage(target_of(current), data)))
        for current, tmp in staged:
            os.replace(tmp, target_of(current))
        staged = []
    except OSError as e:
        raise UserError(f"cannot write {current}: {_reason(e)}") from None
    finally:
        for _, tmp in staged:
            _remove(tmp)


def _stage(target, data):
    """A complete, synced temporary copy of `data` beside `target`, with the permissions a plain
    open() would give (or the replaced file's); returns its path."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else 0o666 & ~umask)
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


class Locked(UserError):
    """Another process holds the lock."""


@contextmanager
def exclusive(path, what="output", wait_s=0):
    """Hold the lock of `path`'s target for the block (a hidden `.NAME.lock` beside it, removed when
    done); `Locked`
    if another process holds it after `wait_s` seconds, a `UserError` if the lock cannot be made."""
    target = target_of(path)
    lock_path = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.lock")
    lock = filelock.FileLock(lock_path, timeout=wait_s)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise Locked(f"{path} is being written by another process; wait for it to finish or choose another "
                     f"{what}") from None
    except OSError as e:
        raise UserError(f"cannot write {what} {path}: {_reason(e)}") from None
    try:
        yield
    finally:
        # Removed while still held, so that no folder keeps it: a waiter that then locks the removed
        # file sees it unlinked and locks the one a newcomer creates (filelock checks for that).
        _remove(lock_path)
        lock.release()
