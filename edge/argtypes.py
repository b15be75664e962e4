"""Argument checking at the edge: argparse types for every number and string a command takes, and
a parser whose usage errors are one line.

Each type refuses what cannot be meant (NaN, infinities, out-of-range values, empty or overlong
strings) with a message that argparse prefixes with the option's name:
`tlm: error: argument --lr: must be a finite number, got 'nan'`.
"""

import argparse
import math

from edge.console import one_line


class Parser(argparse.ArgumentParser):
    """An `ArgumentParser` whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message):
        command = self.prog.split()[0]
        self.exit(2, f"{command}: error: {one_line(message)} (see '{self.prog} --help')\n")


def integer(low=None, high=None):
    """argparse type: a whole number in [low, high] (either bound may be None)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:  # also a number of thousands of digits
            raise argparse.ArgumentTypeError(f"must be a whole number, got {_shown(text)}") from None
        if low is not None and value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {_shown(text)}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:,}, got {_shown(text)}")
        return value

    parse.__name__ = "integer"
    parse.bounds = (low, high)  # for tools that read the option tables (the fuzzer)
    return parse


positive_int = integer(1)


def number(low=None, high=None, low_open=False, high_open=False):
    """argparse type: a finite number in the interval [low, high]; `*_open` excludes that end."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {_shown(text)}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {_shown(text)}")
        too_low = low is not None and (value <= low if low_open else value < low)
        too_high = high is not None and (value >= high if high_open else value > high)
        if too_low or too_high:
            left = "(" if low_open else "["
            right = ")" if high_open else "]"
            raise argparse.ArgumentTypeError(
                f"must be in {left}{_bound(low, '-inf')}, {_bound(high, 'inf')}{right}, got {_shown(text)}")
        return value

    parse.__name__ = "number"
    parse.bounds = (low, high)
    return parse


def text(max_length=10_000):
    """argparse type: a non-empty string of at most `max_length` characters (an argument from a shell
    never holds a NUL byte)."""

    def parse(value):
        if not value:
            raise argparse.ArgumentTypeError("must not be empty")
        if len(value) > max_length:
            raise argparse.ArgumentTypeError(f"is {len(value):,} characters long; at most {max_length:,} are allowed")
        return value

    parse.__name__ = "text"
    parse.max_length = max_length
    return parse


word = text(max_length=1000)
path = text(max_length=4096)


def _bound(value, infinite):
    return infinite if value is None else f"{value:g}"


def _shown(text):
    return repr(text if len(text) <= 40 else text[:37] + "...")
