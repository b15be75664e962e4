"""Close spellings (`vectors.spelling`): the other cases of the word, then exactly difflib's matches,
only faster."""

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from vectors.spelling import Speller, close_spellings

LETTERS = "abcdeöAÖ\U0010ffff "


def reference(word, candidates, n, cutoff):
    """The plain version: the word's other cases among the candidates, then difflib over all of them."""
    cases = [c for c in dict.fromkeys((word.lower(), word.capitalize(), word.upper())) if c != word and c in candidates]
    return (cases + [c for c in difflib.get_close_matches(word, candidates, n, cutoff) if c not in cases])[:n]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(candidates=st.lists(st.text(alphabet=LETTERS, max_size=7), max_size=30),
       word=st.text(alphabet=LETTERS + "xyzAB", max_size=7), cutoff=st.sampled_from([0.0, 0.5, 0.75, 1.0]))
def test_the_same_as_the_plain_version(candidates, word, cutoff):
    assert Speller(candidates).close(word, n=3, cutoff=cutoff) == reference(word, candidates, 3, cutoff)


def test_known_suggestions_and_limits():
    words = ["king", "kings", "kin", "queen", "wood", "woodcock"]
    assert close_spellings("kingg", words) == ["king", "kings", "kin"]
    assert close_spellings("woodchuk", Speller(words)) == ["woodcock"]
    assert close_spellings("x" * 101, ["x" * 101]) == []  # too long to compare
    assert close_spellings(None, words) == []
    assert Speller([]).close("king") == []
    assert close_spellings("WOOD", ["woods", "wood"]) == ["wood"]  # the other case, which difflib misses
