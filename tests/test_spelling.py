"""Close spellings (`tinylm.spelling`) are exactly difflib's, only faster."""

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from tinylm.spelling import Speller, close_spellings

LETTERS = "abcdeö\U0010ffff "


@settings(max_examples=300, deadline=None, derandomize=True)
@given(candidates=st.lists(st.text(alphabet=LETTERS, max_size=7), max_size=30),
       word=st.text(alphabet=LETTERS + "xyz", max_size=7), cutoff=st.sampled_from([0.0, 0.5, 0.75, 1.0]))
def test_the_same_as_difflib(candidates, word, cutoff):
    assert Speller(candidates).close(word, n=3, cutoff=cutoff) == difflib.get_close_matches(word, candidates, 3, cutoff)


def test_known_suggestions_and_limits():
    words = ["king", "kings", "kin", "queen", "wood", "woodcock"]
    assert close_spellings("kingg", words) == ["king", "kings", "kin"]
    assert close_spellings("woodchuk", Speller(words)) == ["woodcock"]
    assert close_spellings("x" * 101, ["x" * 101]) == []  # too long to compare
    assert close_spellings(None, words) == []
    assert Speller([]).close("king") == []
