"""The one exception family of tlm: anything the user can fix (bad input, bad files, bad settings).

The CLI turns a `TlmError` into one line on stderr and a non-zero exit; anything else is a bug and
keeps its traceback.
"""


class TlmError(Exception):
    """A problem with the user's input, files or settings, explained in one line."""


class DivergedError(TlmError):
    """Training produced a non-finite loss (usually: the learning rate is too large)."""
