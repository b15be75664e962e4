"""The `--interact` Python shell: `model` and `np` in scope, usable from a terminal or a pipe.
"""

import code
import sys

import numpy as np


class _Console(code.InteractiveConsole):
    def raw_input(self, prompt=""):
        # Piped input gets no prompts, so `echo 'print(x)' | tlm ... --interact` prints only x.
        return input(prompt if sys.stdin.isatty() else "")


def interact(model, path):
    """Open the shell on `model`; returns when standard input ends (Ctrl-D or end of the pipe)."""
    if sys.stdin.isatty():
        try:
            import readline
            import rlcompleter  # noqa: F401  (registers the completer readline uses)

            readline.parse_and_bind("tab: complete")
        except ImportError:  # no readline on this platform: the shell still works
            pass
    banner = (f"tlm shell on {path}\n"
              f"  model  the loaded TinyLanguageModel ({len(model.vocab)} words, E {model.E.shape})\n"
              f"  np     numpy\n"
              f"Try: model.similarity('{model.vocab[0]}', '{model.vocab[-1]}'), "
              f"model.most_similar('{model.vocab[0]}'), model.vector('{model.vocab[0]}')")
    _Console({"model": model, "np": np}).interact(banner=banner, exitmsg="")
