"""What the commands print: results on standard output, notes and progress on standard error.

`GuardedStdout` keeps a closed pipe (`tlm train | head -1`) or a full device from stopping the work:
the first failed write is remembered, later output is dropped, and the command finishes (a
training run still saves its model). Results are lines or one JSON document; the library shapes
them, the commands print them here.
"""

import io
import json
import math
import os
import sys
from contextlib import contextmanager


class GuardedStdout(io.TextIOBase):
    """A text stream in front of the real stdout that never raises on write.

    `failure` is None while writes succeed, else the first `OSError` (`BrokenPipeError` for a closed
    pipe, ENOSPC for a full device); later output is dropped. Each complete line is flushed, so a
    reader sees it at once.
    """

    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.failure = None

    @property
    def encoding(self):
        return self.stream.encoding

    def isatty(self):
        return self.stream.isatty()

    def fileno(self):  # input() edits lines with readline only when stdout is the terminal's
        return self.stream.fileno()

    def writable(self):
        return True

    def write(self, s):
        if self.failure is None:
            try:
                self.stream.write(s)
                if "\n" in s:
                    self.stream.flush()
            except OSError as e:
                self._fail(e)
        return len(s)

    def flush(self):
        if self.failure is None:
            try:
                self.stream.flush()
            except OSError as e:
                self._fail(e)

    def _fail(self, error):
        self.failure = error
        # Whatever is still buffered must not fail again when Python flushes stdout at exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass


def one_line(text):
    """`text` on one line: line breaks (say, in a path the user typed) shown as \\n."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def shown(word):
    """`word` for a line of output: characters that would break the line (line separators, control
    characters) as escapes, everything else as it is."""
    return word if word.isprintable() else word.encode("unicode_escape").decode("ascii")


def note(line):
    """A line for the user on stderr (notes, warnings, errors); never fails."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def notes(lines):
    """`note` each of `lines`, skipping None (a library function's "nothing to say")."""
    for line in lines:
        if line is not None:
            note(line)


def print_json(value):
    """One JSON document on a line; non-finite numbers become null (JSON has no NaN)."""
    print(json.dumps(finite(value), ensure_ascii=False))


def finite(value):
    """`value` (dicts, lists, numbers) with every non-finite float replaced by None, for JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def print_answer(as_json, value, lines):
    """`value` as one JSON document when `as_json`, else `lines`, one a line."""
    if as_json:
        print_json(value)
    else:
        for line in lines:
            print(line)


@contextmanager
def progress_bar(desc, unit=" q"):
    """For the block, update(done, total, **shown) drawing a tqdm bar on stderr when it is a terminal
    (else a no-op); `shown` are figures after the bar (loss="2.1517")."""
    if not sys.stderr.isatty():
        yield lambda done, total, **shown: None
        return
    from tqdm import tqdm

    with tqdm(desc=desc, file=sys.stderr, leave=False, unit=unit, unit_scale=True) as bar:
        def update(done, total, **shown):
            bar.total = total
            bar.update(done - bar.n)
            if shown:
                bar.set_postfix(shown, refresh=False)

        yield update


def counted(n, noun):
    """`n` and the noun, plural when n is not 1: '1 word', '2,000 words'."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
