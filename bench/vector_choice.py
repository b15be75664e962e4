"""Which word vectors of a tlm model to use: the rows of E, the columns of W, or E+W (the sum of each
word's two unit vectors), on Emma at the lab's settings and (--gutenberg-all) on all of NLTK's
Gutenberg texts, beside gensim's skip-gram and CBOW trained on the same tokens. One table per text:
Spearman on WordSim353 and SimLex-999 (every pair the model has both words of) and agreement with
GloVe 50d (Spearman of the cosines over all pairs of the 2,000 most frequent training words GloVe
has), then a few neighbour lists per choice. For Emma, a second table chooses the query-time
--min-count: what each K hides from the neighbour lists and how related to the query (in GloVe)
the listed words are.

    uv run python bench/vector_choice.py                    # Emma: about a minute
    uv run python bench/vector_choice.py --gutenberg-all    # and Gutenberg-all: about 5 more minutes on 2 cores
    uv run python bench/vector_choice.py --levers           # Gutenberg-all once per lever: about 10 more minutes

With --levers, one more table: Gutenberg-all trained with the default command and with one option
changed at a time (the levers of the SimLex gap: candidates, thinning, epochs, dimension, context,
batch, optimizer), each model's default vectors beside gensim's skip-gram on the same tokens; and
where SimLex parts them: its pairs both cover, by how often the rarer word of a pair was seen, each
model's Spearman and mean cosine beside the mean human rating.

The models go to --workdir (default bench/.vectors/) and are reused when there.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from tlm import choice, corpus, persistence
from tlm.cli import main as tlm_main
from tlm.tokenizer import tokenize
from tlm.vocabulary import UNK
from vectors import benchmarks
from vectors.word_vectors import WordVectors
from wp import models as wp_models

HERE = Path(__file__).resolve().parent
TRANSFORMS = ["lower", "alpha"]
LAB = ["--gutenberg", "austen-emma.txt", "-t", "lower", "-t", "alpha", "--epochs", "10"]
ALL = ["--gutenberg", corpus.ALL_GUTENBERG, "-t", "lower", "-t", "alpha", "--min-count", "3"]  # defaults otherwise
W2V = dict(vector_size=32, window=2, epochs=5, seed=0, workers=2)
SENTENCE = 10_000  # gensim's Word2Vec reads at most 10,000 tokens per sentence
NEIGHBOURS = ["morning", "good", "emma", "father"]
# One option changed at a time from the default Gutenberg-all command (--levers).
LEVERS = {"defaults (S 256, --subsample 1e-4, 5 epochs)": [], "--samples 1024": ["--samples", "1024"],
          "--subsample 0": ["--subsample", "0"], "--epochs 10": ["--epochs", "10"],
          "--embedding-dim 64": ["--embedding-dim", "64"], "--context-window 3": ["--context-window", "3"],
          "--batch-size 64": ["--batch-size", "64"], "--optimizer adam --lr 0.01": ["--optimizer", "adam", "--lr", "0.01"]}
MIN_COUNTS = (1, 2, 3, 5, 10)
QUERIES = 500  # the most frequent words whose neighbour lists the --min-count table reads
LAB_WORDS = ["emma", "mr", "mrs", "i", "am", "harriet", "knightley"]  # the lab commands' query words
BANDS = ((3, 20), (20, 100), (100, 500), (500, None))  # times the rarer word of a SimLex pair was seen


def trained(path, argv):
    """The tlm model at `path`, trained by `tlm train argv` first if absent; (model, seconds or None)."""
    seconds = None
    if not path.exists():
        start = time.perf_counter()
        if tlm_main(["train", *argv, "--output", str(path)]) != 0:
            sys.exit(f"training {path} failed")
        seconds = time.perf_counter() - start
    return persistence.load(path), seconds


def gensim_vectors(fileids, min_count, sg):
    """gensim Word2Vec (sg=1 skip-gram, 0 CBOW) on the same tokens as tlm: (WordVectors, seconds)."""
    from gensim.models import Word2Vec

    sentences = []
    for _, text in corpus.read_texts((), fileids):
        words = tokenize(text, TRANSFORMS)
        sentences += [words[i:i + SENTENCE] for i in range(0, len(words), SENTENCE)]
    start = time.perf_counter()
    model = Word2Vec(sentences, sg=sg, min_count=min_count, **W2V)
    return WordVectors(list(model.wv.index_to_key), model.wv.vectors), time.perf_counter() - start


def rows_of(name, lm, seconds, fileids, min_count):
    """(label, WordVectors) for E, W and E+W of `lm`, then gensim's skip-gram and CBOW."""
    timing = f" ({seconds:.0f} s)" if seconds else ""
    rows = [(f"{name}{timing}, {which}", choice.word_vectors(lm, which)) for which in choice.VECTORS]
    return rows + [gensim_row(fileids, min_count, sg) for sg in (1, 0)]


def gensim_row(fileids, min_count, sg):
    """(label with its training time, WordVectors) of gensim's skip-gram (sg=1) or CBOW on the same tokens."""
    wv, seconds = gensim_vectors(fileids, min_count, sg)
    return f"gensim {'skip-gram' if sg else 'CBOW'}, same tokens (d 32, window 2, 5 epochs, {seconds:.1f} s)", wv


def table(rows, frequent, glove, neighbours=3):
    print("| model, vectors | WS353 | SimLex | GloVe agreement |")
    print("|---|---:|---:|---:|")
    for label, wv in rows:
        rho = [benchmarks.word_pairs(wv, name).spearman for name in benchmarks.PAIR_SETS]
        agree = benchmarks.agreement(wv, glove, frequent)
        print(f"| {label} | {rho[0]:.3f} | {rho[1]:.3f} | {agree.spearman:.3f} |")
    print()
    for label, wv in rows[:neighbours]:
        print(f"Neighbours, {label}: " + "; ".join(
            f"{word} -> " + ", ".join(w for w, _ in wv.most_similar([word], topn=5))
            for word in NEIGHBOURS if word in wv.index))
    print()


def levers_table(workdir, glove):
    """Gutenberg-all by the default command and with each lever changed, default vectors, beside skip-gram."""
    rows, frequent = [], None
    for label, extra in LEVERS.items():
        slug = "-".join(extra).replace("--", "").replace(".", "")
        lm, seconds = trained(workdir / (f"all-{slug}.json" if extra else "all.json"), ALL + extra)  # the defaults: the run above
        frequent = frequent or [w for w in choice.word_vectors(lm, "E").words if w != UNK]
        rows.append((f"tlm {label}{f' ({seconds:.1f} s)' if seconds else ''}, {choice.DEFAULT_VECTORS}",
                     choice.word_vectors(lm)))
    rows.append(gensim_row([corpus.ALL_GUTENBERG], 3, sg=1))
    table(rows, frequent, glove, neighbours=0)
    bands_table(rows[0][1], rows[-1][1])


def bands_table(tlm_wv, sgns_wv):
    """SimLex-999 by how often the rarer word of a pair was seen in training: pairs, mean human rating,
    and per model Spearman and mean cosine (pairs both models cover)."""
    pairs = benchmarks.read_pairs(benchmarks.datapath(benchmarks.PAIR_SETS["SimLex-999"]))
    rows = [{benchmarks.fold(w): i for i, w in reversed(list(enumerate(wv.words)))} for wv in (tlm_wv, sgns_wv)]
    seen = {w: int(tlm_wv.counts[i]) for w, i in rows[0].items()}
    both = [(a, b, rating) for a, b, rating in pairs if all(a in r and b in r for r in rows)]
    print("| rarer word seen | pairs | mean rating | tlm ρ | tlm mean cosine | skip-gram ρ | skip-gram mean cosine |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for low, high in BANDS + ((3, None),):
        band = [(a, b, r) for a, b, r in both if low <= min(seen[a], seen[b]) and (high is None or min(seen[a], seen[b]) < high)]
        cells = []
        for wv, row in zip((tlm_wv, sgns_wv), rows):
            rho = benchmarks.word_pairs(wv, "SimLex-999", only={(a, b) for a, b, _ in band}).spearman
            cosine = np.mean([wv.unit[row[a]] @ wv.unit[row[b]] for a, b, _ in band])
            cells += [f"{rho:.3f}", f"{cosine:.3f}"]
        label = "all" if (low, high) == (3, None) else f"{low}-{high - 1}" if high else f"{low} or more"
        print(f"| {label} | {len(band)} | {np.mean([r for *_, r in band]):.2f} | {' | '.join(cells)} |")
    print()


def min_count_table(lm, glove):
    """How a query-time --min-count K reads on the default vectors: of the QUERIES most frequent
    words' 10 listed neighbours, the share seen at most twice, and their mean cosine with the query
    in GloVe (how much a large corpus agrees they are related); and which lab words K would hide."""
    wv = choice.word_vectors(lm)
    queries = [w for w in wv.words[:QUERIES] if w in glove.index]
    print(f"--min-count on {lm.config.transforms} Emma, {choice.DEFAULT_VECTORS}, top 10 neighbours of the "
          f"{len(queries)} most frequent words:\n")
    print("| --min-count | words left | neighbours seen <= 2 times | mean GloVe cosine with the query | lab words hidden |")
    print("|---:|---:|---:|---:|---|")
    for k in MIN_COUNTS:
        kept = choice.visible(wv, k)
        rare, cosines = 0, []
        for word in queries:
            listed = [w for w, _ in wv.most_similar([word], topn=10, restrict=kept)]
            rare += sum(int(wv.counts[wv.row(w)]) <= 2 for w in listed)
            cosines += [glove.similarity(word, w) for w in listed if w in glove.index]
        hidden = [w for w in LAB_WORDS if w in wv.index and wv.counts[wv.row(w)] < k]
        print(f"| {k} | {kept:,} | {rare / (10 * len(queries)):.1%} | {sum(cosines) / len(cosines):.3f} | "
              f"{', '.join(hidden) or '-'} |")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gutenberg-all", action="store_true", help="also all of Gutenberg (minutes)")
    parser.add_argument("--levers", action="store_true", help="also Gutenberg-all once per lever (more minutes)")
    parser.add_argument("--workdir", type=Path, default=HERE / ".vectors")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {os.getloadavg()[0]:.1f} "
          f"(1-minute average, {os.cpu_count()} cores)\n")
    glove = wp_models.load(wp_models.OFFLINE_MODEL).vectors
    runs = [("Emma, lab command", "emma.json", LAB, ["austen-emma.txt"], 1)]
    if args.gutenberg_all:
        runs.append(("Gutenberg-all, --min-count 3, defaults otherwise", "all.json", ALL, [corpus.ALL_GUTENBERG], 3))
    for name, file, argv, fileids, min_count in runs:
        lm, seconds = trained(args.workdir / file, argv)
        frequent = [w for w in choice.word_vectors(lm, "E").words if w != UNK]  # most frequent first
        table(rows_of(name, lm, seconds, fileids, min_count), frequent, glove)
        if file == "emma.json":
            min_count_table(lm, glove)
    if args.levers:
        levers_table(args.workdir, glove)


if __name__ == "__main__":
    main()
