"""The `wp` command: parse arguments, load vectors, ask `wp.queries`, print.

Stdout carries only results (so `wp similar king | head -1` is the top neighbour); notes, progress
bars (on a terminal only) and errors go to stderr. Every error is one line and a non-zero exit.
"""

import argparse
import json
import math
import os
import sys

import numpy as np

from tlm.cli import positive_int
from wp import benchmarks, queries, vectors
from wp.errors import WpError

EXIT_ERROR = 1


def _note(line):
    print(line, file=sys.stderr)


def _load(args):
    loaded = vectors.load(args.model or os.environ.get("WP_MODEL") or None)
    if loaded.note:
        _note(f"wp: {loaded.note}")
    return loaded


def print_ranked(pairs, as_json, score="cosine"):
    """(word, score) pairs as aligned lines of word and 4-decimal score, or as JSON (`score` names it)."""
    if as_json:
        print(json.dumps([{"word": w, score: round(float(c), 6)} for w, c in pairs]))
        return
    width = max((len(w) for w, _ in pairs), default=0)
    for word, cos in pairs:
        print(f"{word:<{width}}  {cos:.4f}")


def cmd_similar(args, kv):
    print_ranked(queries.similar(kv, args.words, n=args.n, restrict=args.restrict), args.json)


def cmd_similarity(args, kv):
    cos = queries.similarity(kv, args.a, args.b)
    print(json.dumps({"a": args.a, "b": args.b, "cosine": round(cos, 6)}) if args.json else f"{cos:.4f}")


def cmd_analogy(args, kv):
    answers = queries.analogy(kv, args.a, args.b, args.c, n=args.n, method=args.method, restrict=args.restrict)
    _note(f"wp: {args.a} is to {args.b} as {args.c} is to ? (the input words are excluded from the answers)")
    if args.json:
        print(json.dumps({"a": args.a, "b": args.b, "c": args.c, "method": args.method,
                          "answers": [{"word": w, "score": round(float(s), 6)} for w, s in answers]}))
    else:
        print_ranked(answers, False)


def cmd_odd_one_out(args, kv):
    odd = queries.odd_one_out(kv, args.words)
    print(json.dumps({"words": args.words, "odd_one_out": odd}) if args.json else odd)


def cmd_vector(args, kv):
    v = queries.vector(kv, args.word)
    if args.json:
        print(json.dumps({"word": args.word, "vector": [round(float(x), 6) for x in v]}))
    else:
        print(" ".join(f"{x:.6f}" for x in v))


def cmd_plot(args, kv):
    from wp.plots import word_map

    words = list(dict.fromkeys(args.words))  # keep order, drop repeats
    arrows = []
    if args.analogy:
        a, b, c = args.analogy
        d = queries.analogy(kv, a, b, c, n=1)[0][0]
        words += [w for w in (a, b, c, d) if w not in words]
        arrows = [(a, b), (c, d)]
        _note(f"wp: {a} -> {b} as {c} -> {d}")
    if len(words) < 2:
        raise WpError("plot needs at least 2 words (or --analogy A B C)")
    queries.check_words(kv, words)
    try:
        word_map(words, np.stack([kv[w] for w in words]), args.output, arrows=arrows,
                 title=f"{args.model_name}: {len(words)} words (PCA)")
    except (OSError, ValueError) as e:
        raise WpError(f"cannot write {args.output}: {e}") from None
    print(args.output)


def progress_bar(total_desc):
    """A progress callback drawing a tqdm bar on stderr when it is a terminal; else None."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(desc=total_desc, file=sys.stderr, leave=False, unit=" q")

    def update(done, total):
        bar.total = total
        bar.update(done - bar.n)

    return update, bar.close


def _score(x):
    return "n/a" if math.isnan(x) else f"{x:.4f}"


def print_evaluation(result, restrict_text):
    """The result of `benchmarks.run_all` as a table."""
    for p in result["pairs"]:
        print(f"{p['name']:<11} Spearman {_score(p['spearman'])}  ({p['covered']}/{p['total']} pairs, OOV {p['oov_share']:.1%})")
    a = result["analogies"]
    print(f"Google analogies ({restrict_text}): accuracy {_score(a['accuracy'])}  ({a['correct']}/{a['answered']} answered, "
          f"{a['skipped']} skipped for OOV words = {a['oov_share']:.1%})")
    for s in a["sections"]:
        print(f"  {s['name']:<28} {s['correct'] / s['answered']:.4f}  ({s['correct']}/{s['answered']})")


def cmd_eval(args, kv):
    if args.restrict < 0:
        raise WpError(f"--restrict must be 0 (all words) or more, got {args.restrict}")
    update, close = progress_bar("analogies")
    try:
        result = benchmarks.run_all(kv, args.restrict or None, update)
    finally:
        close()
    if args.json:
        print(json.dumps(result))
    else:
        print_evaluation(result, f"top {args.restrict:,} words" if args.restrict else "all words")


def cmd_shell(args, kv):
    from tlm.shell import interact

    interact({"model": kv, "np": np},
             f"wp shell on {args.model_name} ({len(kv):,} words x {kv.vector_size} dims)\n"
             f"  model  gensim KeyedVectors\n  np     numpy\n"
             f"Try: model.most_similar('king'), model.similarity('cat', 'dog'), model['king'][:5]")


def cmd_repl(args, kv):
    interactive = sys.stdin.isatty()
    if interactive:
        _note("wp repl: 'king', 'king - man + woman' (neighbours), 'cat ~ dog' (cosine); Ctrl-D ends.")
    while True:
        try:
            line = input("wp> " if interactive else "")
        except EOFError:
            break
        except KeyboardInterrupt:
            print(file=sys.stderr)
            continue
        if not line.strip():
            continue
        try:
            kind, result = queries.evaluate_expression(kv, line, n=args.n)
        except WpError as e:
            _note(f"wp: {e}")
            continue
        if kind == "similarity":
            print(f"{result:.4f}")
        else:
            print_ranked(result, False)
        sys.stdout.flush()


def _add_model_option(parser, default):
    parser.add_argument("--model", default=default, metavar="NAME|PATH",
                        help=f"gensim-data name or vector file (default: $WP_MODEL or {vectors.DEFAULT_MODEL}, "
                             f"falling back to the offline {vectors.OFFLINE_MODEL})")


def build_parser():
    parser = argparse.ArgumentParser(prog="wp", description="Word play: explore pretrained word embeddings.")
    _add_model_option(parser, None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, help, json_option=True):
        p = sub.add_parser(name, help=help, description=help)
        _add_model_option(p, argparse.SUPPRESS)  # --model also after the subcommand
        if json_option:
            p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
        return p

    p = command("similar", cmd_similar, "nearest neighbours of a word (or of the mean of several) by cosine")
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("-n", type=positive_int, default=10, help="how many (default: 10)")
    p.add_argument("--restrict", type=positive_int, metavar="N", help="search only the N most frequent words")

    p = command("similarity", cmd_similarity, "cosine similarity of two words")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")

    p = command("analogy", cmd_analogy, "A is to B as C is to ? (B - A + C)")
    for name in "abc":
        p.add_argument(name, metavar=name.upper())
    p.add_argument("-n", type=positive_int, default=5, help="how many answers (default: 5)")
    p.add_argument("--method", choices=["add", "mul"], default="add", help="add = 3CosAdd, mul = 3CosMul (default: add)")
    p.add_argument("--restrict", type=positive_int, metavar="N", help="answer only among the N most frequent words")

    p = command("odd-one-out", cmd_odd_one_out, "the word that does not fit with the others")
    p.add_argument("words", nargs="+", metavar="WORD")

    p = command("vector", cmd_vector, "print a word's vector")
    p.add_argument("word", metavar="WORD")

    p = command("plot", cmd_plot, "2-D PCA map of words (PNG, SVG or PDF)", json_option=False)
    p.add_argument("words", nargs="*", metavar="WORD")
    p.add_argument("--output", default="words.png", help="image file (default: words.png)")
    p.add_argument("--analogy", nargs=3, metavar=("A", "B", "C"), help="also draw A->B and C->answer")

    p = command("eval", cmd_eval, "WordSim353, SimLex-999 and Google analogies (gensim's test data)")
    p.add_argument("--restrict", type=int, default=100_000, metavar="N",
                   help="use the N most frequent words (default: 100000; 0 = all)")

    command("shell", cmd_shell, "Python shell with `model` (KeyedVectors) and `np`", json_option=False)
    p = command("repl", cmd_repl, "query prompt: king | king - man + woman | cat ~ dog", json_option=False)
    p.add_argument("-n", type=positive_int, default=10, help="neighbours per query (default: 10)")
    return parser


def main(argv=None):
    """Entry point of `wp`; returns the exit code (callable from tests)."""
    args = build_parser().parse_args(argv)
    try:
        loaded = _load(args)
        args.model_name = loaded.name
        args.func(args, loaded.vectors)
    except WpError as e:
        _note(f"wp: error: {e}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        _note("wp: interrupted")
        return 130
    except BrokenPipeError:  # `wp similar king | head -1` closed the pipe early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit-time flush stays quiet
    return 0


if __name__ == "__main__":
    sys.exit(main())
