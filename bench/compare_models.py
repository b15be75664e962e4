"""What do embeddings buy over counting? The TinyLM embedding model, the n-gram count model and
gensim's Word2Vec (CBOW), trained on the same Gutenberg text (-t lower -t alpha, the last 10% held
out), compared in one table: held-out perplexity, WordSim353 and SimLex-999 Spearman on the pairs
all three models cover, Google analogy accuracy, training seconds.

    uv run python bench/compare_models.py                                   # Emma, about 1 minute
    uv run python bench/compare_models.py --gutenberg melville-moby_dick.txt
"""

import argparse
import time

from tlm import corpus
from tlm.counts import DEFAULT_ADD_K, CountModel
from tlm.evaluation import held_out
from tlm.model import TinyLanguageModel
from tlm.tokenizer import tokenize
from tlm.training import DEFAULTS
from vectors import benchmarks
from vectors.word_vectors import WordVectors

SENTENCE = 1000  # gensim's Word2Vec reads at most 10,000 tokens per sentence: feed the text in pieces


def timed(train):
    start = time.perf_counter()
    model = train()
    return model, time.perf_counter() - start


def word2vec_vectors(words, dim, window, epochs, seed):
    from gensim.models import Word2Vec

    sentences = [words[i:i + SENTENCE] for i in range(0, len(words), SENTENCE)]
    model = Word2Vec(sentences, vector_size=dim, window=window, sg=0, cbow_mean=1, epochs=epochs, min_count=1,
                     seed=seed, workers=2)
    return WordVectors(list(model.wv.index_to_key), model.wv.vectors)


def compare(fileid, epochs, dim, window, seed):
    words = tokenize(corpus.read_gutenberg(fileid), ["lower", "alpha"])
    cut = int(len(words) * 0.9)
    train, val = words[:cut], words[cut:]
    print(f"\n## {fileid}: {len(train)} training tokens, {len(val)} held out, {len(set(train))} words\n")

    sweep = []
    for k in (1.0, 0.1, 0.01, 0.001):
        counts = CountModel(n=window, add_k=k)
        counts.train(train)
        sweep.append(f"add-k {k:g}: ppl {held_out(counts, val).perplexity:.1f}")
    print("count model smoothing: " + ", ".join(sweep) + "\n")

    embedding, t_emb = timed(lambda: _train_embedding(train, epochs, dim, window, seed))
    counts, t_counts = timed(lambda: _train_counts(train, window))
    w2v, t_w2v = timed(lambda: word2vec_vectors(train, dim, window, epochs, seed))
    rows = [(f"TinyLM embedding (d={dim}, n={window}, {epochs} ep)", embedding.word_vectors(), held_out(embedding, val), t_emb),
            (f"count model (n={window}, add-k {DEFAULT_ADD_K:g})", counts.word_vectors(), held_out(counts, val), t_counts),
            (f"gensim Word2Vec CBOW (d={dim}, window {window}, {epochs} ep)", w2v, None, t_w2v)]

    common = {name: set.intersection(*(benchmarks.covered_pairs(kv, name) for _, kv, _, _ in rows))
              for name in benchmarks.PAIR_SETS}
    print("| model | held-out perplexity | WordSim353 ρ | SimLex-999 ρ | analogies | train s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, kv, heldout, seconds in rows:
        result = benchmarks.run_all(kv, only_pairs=common)
        rho = {p["name"]: p["spearman"] for p in result["pairs"]}
        a = result["analogies"]
        ppl = f"{heldout.perplexity:.1f}" if heldout else "-"
        print(f"| {name} | {ppl} | {rho['WordSim353']:.3f} | {rho['SimLex-999']:.3f} | "
              f"{a['accuracy']:.3f} ({a['correct']}/{a['answered']}) | {seconds:.1f} |")
    print(f"\nPairs all three cover: WordSim353 {len(common['WordSim353'])}, SimLex-999 {len(common['SimLex-999'])}; "
          f"perplexity counts {held_out(embedding, val).predicted} held-out tokens whose context and target are known.")


def _train_embedding(words, epochs, dim, window, seed):
    model = TinyLanguageModel(n=window, embedding_dim=dim, seed=seed)
    model.train(words, epochs=epochs, lr=DEFAULTS.lr)
    return model


def _train_counts(words, window):
    model = CountModel(n=window)
    model.train(words)
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gutenberg", action="append", help="text(s) to compare on (default: austen-emma.txt)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--window", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for fileid in args.gutenberg or ["austen-emma.txt"]:
        compare(fileid, args.epochs, args.dim, args.window, args.seed)


if __name__ == "__main__":
    main()
