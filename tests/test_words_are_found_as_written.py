"""Words are found as people write them: in composed or decomposed Unicode, after a byte-order
mark, and `restrict=N` means the N most frequent words, for tlm models as for vector files."""

from tests.conftest import CHUCK
from tlm import persistence
from tlm.cli import main as tlm
from wp.cli import main as wp


def test_decomposed_words_are_found(run, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("café crème café thé crème café thé thé café\n")
    path = tmp_path / "m.json"
    assert run(tlm, "train", "--filepath", text, "--output", path)[0] == 0
    decomposed = "cafe\u0301"
    assert run(tlm, "similarity", "--model", path, decomposed, "thé")[0] == 0
    assert run(wp, "--model", path, "similar", decomposed, "-n", "1")[0] == 0


def test_decomposed_accents_stay_in_their_word():
    from tlm.tokenizer import tokenize

    assert tokenize("cre\u0300me bru\u0302le\u0301e") == ["crème", "brûlée"]


def test_a_corpus_with_a_byte_order_mark(tmp_path, run):
    text = tmp_path / "bom.txt"
    text.write_bytes("\ufeff".encode() + CHUCK.read_bytes())
    assert run(tlm, "train", "--filepath", text, "--output", tmp_path / "m.json")[0] == 0
    vocab = persistence.load(tmp_path / "m.json").vocab
    assert "\ufeff" not in "".join(vocab) and len(vocab) == 11


def test_a_tlm_model_lists_its_most_frequent_words_first(run, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("zebra " * 30 + "apple banana cherry " * 2 + "\n")
    path = tmp_path / "m.json"
    assert run(tlm, "train", "--filepath", text, "--output", path)[0] == 0
    code, out, _ = run(wp, "--model", path, "similar", "apple", "--restrict", "2")
    assert code == 0 and out.split()[0] == "zebra"  # the 2 most frequent words: zebra and apple
