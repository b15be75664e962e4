"""The one exception family for problems a user can fix: bad input, bad files, bad settings.

A command prints a `UserError` as one line on stderr and exits with status 1; anything else is a
bug. Messages name what is wrong and what to do, and never assume a command line (the library
raises them too), so they read the same from a test, a shell or the web page.
"""


class UserError(Exception):
    """A problem with the user's input, files or settings, explained in one line."""


class UnknownWordError(UserError, KeyError):
    """A word outside a vocabulary: a `UserError` for the commands and a `KeyError` for code that
    looks words up like a dict (`model.word_to_idx['wood']`), with up to three close spellings."""

    def __init__(self, word, message, suggestions=()):
        super().__init__(message)
        self.word = word
        self.suggestions = list(suggestions)

    def __str__(self):  # KeyError would show the message in quotes
        return self.args[0]
