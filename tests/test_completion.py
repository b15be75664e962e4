"""Prefix completion (`vectors.completion`) against the obvious scan of the word list."""

from hypothesis import given, settings
from hypothesis import strategies as st

from vectors.completion import Completer

WORDS = st.lists(st.text(alphabet="abcö\U0010ffff", min_size=1, max_size=5), unique=True, max_size=40)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(words=WORDS, prefix=st.text(alphabet="abcö\U0010ffff", min_size=1, max_size=3), limit=st.integers(1, 8))
def test_completions_are_the_first_words_in_row_order_that_start_with_the_prefix(words, prefix, limit):
    assert Completer(words).complete(prefix, limit) == [w for w in words if w.startswith(prefix)][:limit]


def test_most_frequent_first():
    completer = Completer(["the", "they", "then", "them", "a", "theory"])
    assert completer.complete("the", 3) == ["the", "they", "then"]
    assert completer.complete("them") == ["them"]
    assert completer.complete("x") == []
