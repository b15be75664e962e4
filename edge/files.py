"""Files in and out, without surprises.

- `read_bytes`, `require_regular`: a regular file only (a FIFO would block, a device never ends),
  read up to a size limit that is checked before reading.
- `check_output`: decides before any work whether a path may be written: a regular file or
  nothing, in an existing writable folder, and not one of the command's inputs. A symbolic link
  is written through: its target is replaced and the link stays a link.
- `atomic_write` / `atomic_write_many`: a temporary file in the same folder, flushed to disk and
  renamed over the target, with signals held during the rename; readers see the old file or the
  new one, never half of one, and no temporary file is left behind.
- `exclusive`: one writer per output file (an advisory lock), so that two processes writing the
  same model are refused instead of silently losing one run.
"""

import errno
import fcntl
import os
import stat
import tempfile
import time
from contextlib import contextmanager

from edge import signals
from edge.errors import UserError
from edge.resources import human

LOCK_POLL_S = 0.1  # how often a waiting process looks at a held lock again

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode):
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _reason(error):
    return error.strerror or str(error)


def require_regular(path, what="file"):
    """`os.stat` of `path`, or a `UserError` unless it is a regular file (missing, a directory, a
    FIFO or device, unreadable): opening a FIFO would block, reading a device would never end."""
    _check_name(path, what)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UserError(f"{what} not found: {path}") from None
    except OSError as e:
        raise UserError(f"cannot read {what} {path}: {_reason(e)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"{what} {path} is {_kind(info.st_mode)}, not a regular file")
    return info


def read_bytes(path, what="file", max_bytes=None):
    """The contents of a regular file, or a `UserError` saying why not (see `require_regular`, and
    larger than `max_bytes`)."""
    info = require_regular(path, what)
    if max_bytes is not None and info.st_size > max_bytes:
        raise UserError(f"{what} {path} is {human(info.st_size)}; at most {human(max_bytes)} is read")
    try:
        # O_NONBLOCK: if the path became a FIFO since the check, opening it must not hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise UserError(f"{what} {path} is not a regular file")
            data = f.read() if max_bytes is None else _read_at_most(f, info.st_size, max_bytes + 1)
    except OSError as e:
        raise UserError(f"cannot read {what} {path}: {_reason(e)}") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise UserError(f"{what} {path} is larger than {human(max_bytes)}")
    return data


def _read_at_most(f, size, limit):
    """Up to `limit` bytes of `f`, whose size was `size`: read(n) allocates n bytes before reading,
    so n follows the file's size (a 1 GB buffer for a 40 KB model fails under a memory cap)."""
    first = min(size + 1, limit)
    data = f.read(first)
    if len(data) == first < limit:  # the file grew since its size was taken
        data += f.read(limit - first)
    return data


def _check_name(path, what):
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise UserError(f"the {what} path is empty")
    if "\0" in os.fspath(path):
        raise UserError(f"the {what} path contains a NUL byte")


def target_of(path):
    """The file a write to `path` replaces: the end of its symbolic links, else the path itself."""
    return os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)


def check_output(path, inputs=(), what="output"):
    """Raise `UserError` unless `path` can be written: absent or a regular file, in an existing
    writable folder, and not the same file as any of `inputs` (paths that are read)."""
    _check_name(path, what)
    if os.path.basename(os.fspath(path)) in ("", ".", ".."):  # "model.json/" would lose its slash on the way
        raise UserError(f"cannot write {what} {path}: it names a folder; give the path of a regular file")
    target = target_of(path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as e:
        raise UserError(f"cannot write {what} {path}: {_reason(e)}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UserError(f"cannot write {what} {path}: it is {_kind(info.st_mode)}; give the path of a regular file")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise UserError(f"cannot write {what} {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {what} {path}: folder {folder} is not writable")
    if info is not None:
        try:  # an immutable file or read-only file system: better known now than after the work
            os.close(os.open(target, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK))
        except OSError as e:
            raise UserError(f"cannot write {what} {path}: {_reason(e)}") from None
        for source in inputs:
            if source and _same_file(target, source):
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
            staged.append((current, _stage(current, data)))
        with signals.deferred():
            for current, tmp in staged:
                os.replace(tmp, target_of(current))
            staged = []
    except OSError as e:
        raise UserError(f"cannot write {current}: {_reason(e)}") from None
    finally:
        for _, tmp in staged:
            _remove(tmp)


def _stage(path, data):
    """A complete, synced temporary copy of `data` beside the target of `path`; returns its path."""
    target = target_of(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(target))
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _mode_for(target):
    """The replaced file's permissions, or those a plain open() would give a new file."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


class Locked(UserError):
    """Another process holds the lock (`holder`: " (pid N)" when it says, else "")."""

    def __init__(self, message, holder):
        super().__init__(message)
        self.holder = holder


@contextmanager
def exclusive(path, what="output", wait_s=0):
    """Hold the advisory lock of `path`'s target for the block; `Locked` if another process holds it
    (after waiting up to `wait_s` seconds for it), a `UserError` if the lock cannot be used. The lock
    is a hidden `.NAME.lock` beside the target, removed when released."""
    target = target_of(path)
    lock_path = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.lock")
    fd = _acquire(lock_path, path, what, time.monotonic() + wait_s)
    try:
        yield
    finally:
        _remove(lock_path)
        os.close(fd)


def _acquire(lock_path, path, what, deadline):
    while True:
        try:
            # O_NOFOLLOW, O_NONBLOCK: a symbolic link or FIFO planted as the lock is refused, not followed.
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        except OSError as e:
            raise UserError(f"cannot write {what} {path}: cannot use its lock file {lock_path} ({_reason(e)}); "
                            f"remove it if no tlm process is running") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise UserError(f"cannot write {what} {path}: its lock file {lock_path} is not a regular file; remove it")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = _read_pid(fd)
            os.close(fd)
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise UserError(f"cannot lock {path}: {_reason(e)}") from None
            if time.monotonic() < deadline:
                time.sleep(LOCK_POLL_S)
                continue
            raise Locked(f"{path} is being written by another process{holder}; wait for it to finish "
                         f"or choose another {what}", holder) from None
        # The holder we waited on may have removed the lock file: lock the file that is there now.
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            try:
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
            except OSError as e:  # a full disk: the output could not be written either
                _remove(lock_path)
                os.close(fd)
                raise UserError(f"cannot write {what} {path}: {_reason(e)}") from None
            return fd
        os.close(fd)


def _read_pid(fd):
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
