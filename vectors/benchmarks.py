"""Standard intrinsic benchmarks for word vectors, on the test files that gensim ships:
WordSim353 and SimLex-999 (Spearman correlation with human similarity ratings) and the Google
analogy set (accuracy of 3CosAdd, per section and in total); and agreement with a reference model
(Spearman correlation of the two models' cosines over all pairs of frequent shared words).

Same rules as gensim's `evaluate_word_pairs` / `evaluate_word_analogies` (case folded as gensim
folds it, questions with words outside the top `restrict` words skipped and counted, an analogy
answered by the first of its five nearest words that is no spelling of a question word), but the
analogies run as batched matrix products with a progress callback. Used by `wp eval` and `tlm eval`.

Takes `WordVectors`; gensim is needed only for its data files and scipy for Spearman's rho.
"""

import math
from dataclasses import dataclass, field

import numpy as np

PAIR_SETS = {"WordSim353": "wordsim353.tsv", "SimLex-999": "simlex999.txt"}
ANALOGY_FILE = "questions-words.txt"
ANALOGY_CHUNK = 256  # questions per matrix product: bounds memory at chunk x restrict floats
ANALOGY_TOPN = 5  # gensim's answer is the first of this many nearest words that is not a question word
AGREEMENT_WORDS = 2000  # words whose pairs `agreement` compares: about 2 million pairs


def datapath(name):
    from gensim.test.utils import datapath as gensim_datapath

    return gensim_datapath(name)


def fold(word):
    """The case folding of gensim's benchmarks (upper case: 'ß' and 'ss' are one word, as there)."""
    return word.upper()


def _folded_vocab(wv, restrict):
    """folded word -> row, among the top `restrict` words; the most frequent spelling wins."""
    keys = wv.words[:restrict] if restrict else wv.words
    return {fold(w): i for i, w in reversed(list(enumerate(keys)))}


def read_pairs(path):
    """(word, word, human score) triples of a tab-separated file, words folded; '#' lines are comments."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(parts) != 3:
                continue
            pairs.append((fold(parts[0]), fold(parts[1]), float(parts[2])))
    return pairs


@dataclass
class PairResult:
    name: str
    spearman: float  # NaN when fewer than 2 pairs are covered
    covered: int
    total: int

    @property
    def oov_share(self):
        return 1 - self.covered / self.total


def word_pairs(wv, name, restrict=None, only=None):
    """Spearman correlation between the model's cosines and human ratings on one pair set.

    `only`, a set of (a, b) pairs, limits the evaluation to those (to compare models on common pairs).
    """
    from scipy.stats import spearmanr

    pairs = read_pairs(datapath(PAIR_SETS[name]))
    vocab = _folded_vocab(wv, restrict)
    kept = [(vocab[a], vocab[b], score) for a, b, score in pairs
            if a in vocab and b in vocab and (only is None or (a, b) in only)]
    gold = [score for _, _, score in kept]
    left = wv.unit[[i for i, _, _ in kept]]  # (P, d)
    right = wv.unit[[j for _, j, _ in kept]]  # (P, d)
    model = (left * right).sum(axis=1)  # (P,) cosines
    rho = float(spearmanr(gold, model).statistic) if len(gold) > 1 else float("nan")
    return PairResult(name, rho, len(gold), len(pairs))


def covered_pairs(wv, name, restrict=None):
    """The (a, b) pairs of a pair set that this model has both words of."""
    vocab = _folded_vocab(wv, restrict)
    return {(a, b) for a, b, _ in read_pairs(datapath(PAIR_SETS[name])) if a in vocab and b in vocab}


@dataclass
class Agreement:
    spearman: float  # NaN when fewer than 3 words are shared
    words: int  # shared words compared (their pairs: words * (words - 1) / 2)


def agreement(wv, reference, words, top=AGREEMENT_WORDS):
    """Spearman correlation between `wv`'s and `reference`'s cosine similarities over all pairs of
    the first `top` of `words` (most frequent first) that both models have.

    Where word-similarity sets rate a few hundred pairs, this compares how two models arrange a
    whole frequent vocabulary: against GloVe, how much of what a large corpus teaches a model learned.
    """
    from scipy.stats import spearmanr

    # The index dicts, not `in`: a missing word's `in` looks for close spellings, slow over 40k words.
    shared = [w for w in dict.fromkeys(words) if w in wv.index and w in reference.index][:top]
    if len(shared) < 3:
        return Agreement(float("nan"), len(shared))
    upper = np.triu_indices(len(shared), k=1)  # each pair once, no word with itself
    units = [m.unit[m.rows(shared)] for m in (wv, reference)]  # (N, d) and (N, d') rows of length 1
    cosines = [(u @ u.T)[upper] for u in units]  # (P,) each
    return Agreement(float(spearmanr(*cosines).statistic), len(shared))


def read_analogies(path):
    """[(section, [(a, b, c, expected), ...])] from a questions-words file, words folded."""
    sections = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(":"):
                sections.append((line[1:].strip(), []))
            elif len(line.split()) == 4 and sections:
                sections[-1][1].append(tuple(fold(w) for w in line.split()))
    return sections


@dataclass
class AnalogyResult:
    sections: list = field(default_factory=list)  # (name, correct, answered)
    skipped: int = 0  # questions with a word outside the vocabulary

    @property
    def correct(self):
        return sum(c for _, c, _ in self.sections)

    @property
    def answered(self):
        return sum(n for _, _, n in self.sections)

    @property
    def accuracy(self):
        return self.correct / self.answered if self.answered else float("nan")

    @property
    def oov_share(self):
        total = self.answered + self.skipped
        return self.skipped / total if total else float("nan")


def analogies(wv, restrict=None, progress=None):
    """Accuracy on the Google analogies, as gensim scores 3CosAdd: for 'a : b :: c : ?' the words
    (a, b, c excluded) are ranked by the dot product of their unit vectors with
    unit(b) - unit(a) + unit(c); the answer is the first of the top `ANALOGY_TOPN` that is no
    spelling of a, b or c (or, if all are, the last of them), right if it is a spelling of the
    expected word.

    `progress(done, total)` is called after each chunk of questions.
    """
    vocab = _folded_vocab(wv, restrict)
    unit = wv.unit[:restrict]  # (N', d)
    spelling_of = np.array([vocab[fold(w)] for w in wv.words[:restrict]], dtype=np.int64)  # (N',) row -> its word's row
    sections = read_analogies(datapath(ANALOGY_FILE))
    total = sum(len(qs) for _, qs in sections)
    result, done = AnalogyResult(), 0
    for name, questions in sections:
        known = np.array([[vocab[w] for w in q] for q in questions if all(w in vocab for w in q)],
                         dtype=np.int64).reshape(-1, 4)
        result.skipped += len(questions) - len(known)
        correct = 0
        for start in range(0, len(known), ANALOGY_CHUNK):
            q = known[start:start + ANALOGY_CHUNK]  # (C, 4) rows of a, b, c, expected
            scores = (unit[q[:, 1]] - unit[q[:, 0]] + unit[q[:, 2]]) @ unit.T  # (C, N')
            scores[np.arange(len(q))[:, None], q[:, :3]] = -np.inf  # the question's own rows never answer
            correct += int((_answers(scores, q[:, :3], spelling_of) == q[:, 3]).sum())
            if progress:
                progress(done + start + len(q), total)
        done += len(questions)
        if progress:
            progress(done, total)
        if len(known):
            result.sections.append((name, correct, len(known)))
    return result


def _answers(scores, asked, spelling_of):
    """(C,) the row of the word each question answers (-1: none), from its (C, N') `scores` (-inf for
    the asked rows themselves) and `asked`, (C, 3) rows of a, b, c."""
    best = scores.argmax(axis=1)  # (C,)
    answer = spelling_of[best]  # (C,)
    # Rare (mixed case only): the nearest word spells a question word; only those rows look further.
    further = ~np.isfinite(scores[np.arange(len(scores)), best]) | (answer[:, None] == asked).any(axis=1)  # (C,)
    if further.any():
        answer[further] = _answers_among_top(scores[further], asked[further], spelling_of)
    return answer


def _answers_among_top(scores, asked, spelling_of):
    """`_answers` by gensim's rule in full: the first of the top `ANALOGY_TOPN` that spells no
    question word, else the last of them."""
    topn = min(ANALOGY_TOPN, scores.shape[1])
    top = np.argpartition(-scores, topn - 1, axis=1)[:, :topn]  # (C, topn) unordered
    rows = np.arange(len(scores))[:, None]
    top = np.take_along_axis(top, np.argsort(-scores[rows, top], axis=1, kind="stable"), axis=1)  # (C, topn) best first
    present = np.isfinite(scores[rows, top])  # (C, topn) gensim never lists the asked rows
    words = spelling_of[top]  # (C, topn)
    usable = present & (words[:, :, None] != asked[:, None, :]).all(axis=2)  # (C, topn)
    last_present = present.sum(axis=1) - 1  # (C,) -1 when nothing was listed
    pick = np.where(usable.any(axis=1), usable.argmax(axis=1), last_present)  # (C,)
    answer = words[rows[:, 0], np.maximum(pick, 0)]  # (C,)
    return np.where(pick >= 0, answer, -1)


def run_all(wv, restrict=None, analogy_progress=None, only_pairs=None):
    """All three benchmarks as a JSON-ready dict (`wp eval`, `tlm eval`, the comparison bench).

    `only_pairs`, a dict pair-set name -> set of (a, b), limits the pair sets (see `word_pairs`).
    """
    pairs = [word_pairs(wv, name, restrict=restrict, only=(only_pairs or {}).get(name)) for name in PAIR_SETS]
    result = analogies(wv, restrict=restrict, progress=analogy_progress)
    return {
        "pairs": [{"name": p.name, "spearman": p.spearman, "covered": p.covered, "total": p.total,
                   "oov_share": p.oov_share} for p in pairs],
        "analogies": {"accuracy": result.accuracy, "correct": result.correct, "answered": result.answered,
                      "skipped": result.skipped, "oov_share": result.oov_share,
                      "sections": [{"name": n, "correct": c, "answered": a} for n, c, a in result.sections]},
    }


def _score(x):
    return "n/a" if x is None or math.isnan(x) else f"{x:.4f}"


def lines(result, restrict_text):
    """The dict of `run_all` as a table, `restrict_text` saying which words the analogies used."""
    table = [f"{p['name']:<11} Spearman {_score(p['spearman'])}  ({p['covered']}/{p['total']} pairs, "
             f"OOV {p['oov_share']:.1%})" for p in result["pairs"]]
    a = result["analogies"]
    oov = "n/a" if math.isnan(a["oov_share"]) else f"{a['oov_share']:.1%}"
    table.append(f"Google analogies ({restrict_text}): accuracy {_score(a['accuracy'])}  ({a['correct']}/"
                 f"{a['answered']} answered, {a['skipped']} skipped for OOV words = {oov})")
    table += [f"  {s['name']:<28} {s['correct'] / s['answered']:.4f}  ({s['correct']}/{s['answered']})"
              for s in a["sections"]]
    return table
