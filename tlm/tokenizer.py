"""Turning text into tokens and tokens back into text.

Holds the base splitter and the named transforms (`-t/--tokenize`), applied in the order given.
Leaves out vocabularies and indices: the model maps tokens to rows itself.
"""

import re
import unicodedata

from edge.errors import UserError

# Words (letters, digits, underscores, inner apostrophes) or any single other non-space character,
# so "wood," becomes ["wood", ","].
_TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")

# The token that stands for white space once text is split into characters.
SPACE = " "


def _lower(tokens):
    return [t.lower() for t in tokens]


def _alpha(tokens):
    return [t for t in tokens if t.isalpha()]


def _char(tokens):
    chars = []
    for token in tokens:
        chars.extend(token)
        chars.append(SPACE)
    return chars[:-1]


# name -> (function on a token list, one line for --help)
TRANSFORMS = {
    "lower": (_lower, "lower-case every token"),
    "alpha": (_alpha, "keep only alphabetic tokens (drops punctuation, numbers, and the space token of 'char')"),
    "char": (_char, "split into characters; ' ' marks the space between words"),
}


def split(text):
    """Split text into words, with each punctuation mark as a token of its own.

    The text is put in Unicode's composed form (NFC) first, so "crème" is one word whether its accent
    was typed as part of the letter or as a separate combining mark.
    """
    return _TOKEN.findall(unicodedata.normalize("NFC", text))


def tokenize(text, transforms=()):
    """Split `text` and apply the named transforms (keys of `TRANSFORMS`) in order."""
    tokens = split(text)
    for name in transforms:
        tokens = TRANSFORMS[name][0](tokens)
    return tokens


def tokens_of(text, transforms, what):
    """`tokenize(text, transforms)`, or a `UserError` when they leave no token of `what` ("the prompt")."""
    tokens = tokenize(text, transforms)
    if not tokens:
        raise UserError(f"{what} {text!r} has no tokens left after the model's transforms "
                        f"({', '.join(transforms) or 'none'})")
    return tokens


def detokenize(tokens, transforms=()):
    """Join tokens back into text: characters touch each other, words are separated by spaces."""
    return "".join(tokens) if "char" in transforms else " ".join(tokens)
