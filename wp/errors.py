"""The one exception of wp: anything the user can fix; the CLI prints it as one line."""


class WpError(Exception):
    """A problem with the user's words, model name or file, explained in one line."""
