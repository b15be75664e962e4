"""The `wp` command: parse arguments, load vectors, ask `vectors.queries`, print.

Stdout carries only results (so `wp similar king | head -1` is the top neighbour); notes, progress
bars (on a terminal only) and errors go to stderr. The one-shot queries import numpy and this
toolkit only: gensim and scipy are loaded by `eval` and `shell` alone.
"""

import argparse
import os
import sys

from edge import argtypes, console, files, runner
from edge.argtypes import integer
from edge.console import note
from edge.errors import UserError
from tlm import choice
from vectors import queries
from wp import directions, models

MAX_LISTED = 100_000  # -n
RESTRICT = integer(1, 2**31 - 1)
MODEL_HELP = (f"gensim-data name or vector file (default: $WP_MODEL or {models.DEFAULT_MODEL}, falling back to the "
              f"offline {models.OFFLINE_MODEL})")


def _model_name(args):
    """--model, else $WP_MODEL, else None (the default model)."""
    return args.model or os.environ.get("WP_MODEL") or None


def _load(args, name=None, vectors=None):
    """The model `name`, else the one --model or $WP_MODEL names, else the default (saying so if it
    falls back), with a tlm model's `vectors`; a tlm file brings its model too (its counts and transforms)."""
    loaded = models.load(name or _model_name(args), allow_pickle=args.allow_pickle, with_model=True,
                         vectors=vectors)
    if loaded.note:
        note(f"wp: {loaded.note}")
    return loaded


def _words(loaded, words):
    """The query words in the model's own terms (`models.Loaded.query_words`), a note for each one
    a tlm model's transforms change."""
    tokens, notes = loaded.query_words(words)
    console.notes(f"wp: {line}" for line in notes)
    return tokens


def cmd_similar(args, loaded):
    words = _words(loaded, args.words)
    restrict = choice.shown(loaded.vectors, loaded.name, args.min_count, args.restrict)
    ranked = queries.similar(loaded.vectors, words, n=args.n, restrict=restrict)
    console.print_answer(args.json, queries.ranked_json(ranked, wv=loaded.vectors),
                         queries.ranked_lines(ranked, loaded.vectors))


def cmd_similarity(args, loaded):
    a, b = _words(loaded, [args.a, args.b])
    cos = queries.similarity(loaded.vectors, a, b)
    console.print_answer(args.json, {"a": a, "b": b, "cosine": round(cos, 6)}, [f"{cos:.4f}"])


def cmd_analogy(args, loaded):
    args.a, args.b, args.c = _words(loaded, [args.a, args.b, args.c])
    answers = queries.analogy(loaded.vectors, args.a, args.b, args.c, n=args.n, method=args.method,
                              restrict=args.restrict)
    note(f"wp: {args.a} is to {args.b} as {args.c} is to ? (the input words are excluded from the answers)")
    console.print_answer(args.json, {"a": args.a, "b": args.b, "c": args.c, "method": args.method,
                                     "answers": queries.ranked_json(answers, "score")}, queries.ranked_lines(answers))


def cmd_odd_one_out(args, loaded):
    words = _words(loaded, args.words)
    odd = queries.odd_one_out(loaded.vectors, words)
    console.print_answer(args.json, {"words": words, "odd_one_out": odd}, [odd])


def cmd_vector(args, loaded):
    args.word, = _words(loaded, [args.word])
    v = queries.vector(loaded.vectors, args.word)
    console.print_answer(args.json, {"word": args.word, "vector": [round(x, 6) for x in v]},
                         [" ".join(f"{x:.6f}" for x in v)])


def cmd_plot(args):
    from vectors import maps
    from vectors.figures import image_format

    fmt = image_format(args.output)
    model = _model_name(args)
    files.check_output(args.output, inputs=[model] if model else [], what="--output")  # before any loading
    loaded = _load(args, vectors=args.vectors)
    words, arrows = maps.with_analogy(loaded.vectors, _words(loaded, args.words),
                                      args.analogy and _words(loaded, args.analogy))
    if arrows:
        (a, b), (c, d) = arrows
        note(f"wp: {a} -> {b} as {c} -> {d}")
    image = maps.word_map(words, loaded.vectors.vectors[loaded.vectors.rows(words)], fmt, arrows=arrows,
                          title=f"{loaded.name}: {len(words)} words")
    files.atomic_write(args.output, image)
    print(args.output)


def cmd_eval(args, loaded):
    from vectors import benchmarks

    with console.progress_bar("analogies") as update:
        result = benchmarks.run_all(loaded.vectors, args.restrict or None, update)
    restricted = f"top {args.restrict:,} words" if args.restrict else "all words"
    console.print_answer(args.json, result, benchmarks.lines(result, restricted))


def cmd_shell(args, loaded):
    import numpy as np

    from edge.shell import interact

    kv = loaded.vectors.to_keyed_vectors()
    return interact(f"wp shell on {loaded.name} ({len(kv):,} words x {kv.vector_size} dims)",
                    {"model": (kv, "gensim KeyedVectors"), "np": (np, "numpy")},
                    "model.most_similar('king'), model.similarity('cat', 'dog'), model['king'][:5]")


def cmd_gensim_data(args):
    from wp import gensim_data

    for path in gensim_data.install(models.gensim_data_dir()):
        print(f"wrote {path}")
    print(f"gensim.downloader.load({gensim_data.NAME!r}) now works offline; delete what was written to undo it")


def cmd_repl(args, loaded):
    interactive = sys.stdin.isatty()
    if interactive:
        note("wp repl: 'king', 'king - man + woman' (neighbours), 'cat ~ dog' (cosine); Ctrl-D ends.")
    while True:
        try:
            line = input("wp> " if interactive else "")
        except EOFError:
            break
        except KeyboardInterrupt:
            note("")
            continue
        if not line.strip():
            continue
        try:
            print("\n".join(queries.expression_lines(loaded.vectors, line, n=args.n,
                                                     read=lambda words: _words(loaded, words))))
        except UserError as e:
            note(f"wp: {e}")


def cmd_serve(args):
    from wp.server import catalog, running
    from wp.server.app import create_app

    def app(allowed_hosts):  # the models load once the port is known to be free
        loaded = [_load(args, name) for name in catalog.chosen(args.model, args.serve_models)]
        return create_app(loaded, allowed_hosts=allowed_hosts, vectors=args.vectors)  # a vector file beside is left as it is

    def ready(url, reachable):
        print(f"Serving on {url}", *(f"Reachable from other machines at {u}" for u in reachable), sep="\n")

    running.run(args.host, args.port, app, ready, lambda line: note(f"wp: warning: {line}"),
                browser=not args.no_browser)


def _model_options(parser, after_command, repeatable=False):
    """--model and --allow-pickle, accepted before the subcommand and (`after_command`) after it;
    a `repeatable` --model (serve's) collects its values in `serve_models`."""
    unset = argparse.SUPPRESS if after_command else None  # after it, an absent option keeps the value before
    if repeatable:
        parser.add_argument("--model", dest="serve_models", action="append", default=[], type=argtypes.path,
                            metavar="NAME|PATH", help=f"{MODEL_HELP}; give it twice to compare two models side by side")
    else:
        parser.add_argument("--model", default=unset, type=argtypes.path, metavar="NAME|PATH", help=MODEL_HELP)
    parser.add_argument("--allow-pickle", default=unset if after_command else False, action="store_true",
                        help="allow gensim .kv files, which are Python pickles and can run code: only for files "
                             "you trust")
    parser.add_argument("--vectors", default=unset, choices=choice.VECTORS, help=f"a tlm model's {choice.VECTORS_HELP}")


def _with_model(func):
    """A subcommand func(args, loaded) as func(args), loading the model first."""
    return lambda args: func(args, _load(args, vectors=args.vectors))


def build_parser():
    parser = argtypes.Parser(prog="wp", description="Word play: explore pretrained word embeddings.")
    _model_options(parser, after_command=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=argtypes.Parser)

    def command(name, func, help, json_option=True, loads_model=True, models_repeat=False):
        p = sub.add_parser(name, help=help, description=help)
        _model_options(p, after_command=True, repeatable=models_repeat)
        if json_option:
            p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=_with_model(func) if loads_model else func)
        return p

    p = command("similar", cmd_similar, "nearest neighbours of a word (or of the mean of several) by cosine")
    p.add_argument("words", nargs="+", type=argtypes.word, metavar="WORD")
    p.add_argument("-n", type=integer(1, MAX_LISTED), default=10, help="how many (default: 10)")
    p.add_argument("--restrict", type=RESTRICT, metavar="N", help="search only the N most frequent words")
    p.add_argument("--min-count", type=integer(1, 2**31 - 1), metavar="K",
                   help=f"a tlm model: hide neighbours seen fewer than K times in training (default: "
                        f"{choice.DEFAULT_MIN_COUNT}; 1 shows all)")

    p = command("similarity", cmd_similarity, "cosine similarity of two words")
    p.add_argument("a", type=argtypes.word, metavar="A")
    p.add_argument("b", type=argtypes.word, metavar="B")

    p = command("analogy", cmd_analogy, "A is to B as C is to ? (B - A + C)")
    for name in "abc":
        p.add_argument(name, type=argtypes.word, metavar=name.upper())
    p.add_argument("-n", type=integer(1, MAX_LISTED), default=5, help="how many answers (default: 5)")
    p.add_argument("--method", choices=queries.ANALOGY_METHODS, default="add",
                   help="add = 3CosAdd, mul = 3CosMul (default: add)")
    p.add_argument("--restrict", type=RESTRICT, metavar="N", help="answer only among the N most frequent words")

    p = command("odd-one-out", cmd_odd_one_out, "the word that does not fit with the others")
    p.add_argument("words", nargs="+", type=argtypes.word, metavar="WORD")

    p = command("vector", cmd_vector, "print a word's vector")
    p.add_argument("word", type=argtypes.word, metavar="WORD")

    p = command("plot", cmd_plot, "2-D map of words, PCA of their unit vectors (PNG, SVG or PDF)", json_option=False,
                loads_model=False)
    p.add_argument("words", nargs="*", type=argtypes.word, metavar="WORD")
    p.add_argument("--output", default="words.png", type=argtypes.path, help="image file (default: words.png)")
    p.add_argument("--analogy", nargs=3, type=argtypes.word, metavar=("A", "B", "C"),
                   help="also draw A->B and C->answer")

    p = command("eval", cmd_eval, "WordSim353, SimLex-999 and Google analogies (gensim's test data)")
    p.add_argument("--restrict", type=integer(0, 2**31 - 1), default=100_000, metavar="N",
                   help="use the N most frequent words (default: 100000; 0 = all)")

    directions.add_commands(command, read=_words)
    _add_tools(command)
    return parser


def _add_tools(command):
    """The commands that are not one question: the shells, gensim-data and serve."""
    command("shell", cmd_shell, "Python shell with `model` (gensim KeyedVectors) and `np`", json_option=False)
    p = command("repl", cmd_repl, "query prompt: king | king - man + woman | cat ~ dog", json_option=False)
    p.add_argument("-n", type=integer(1, MAX_LISTED), default=10, help="neighbours per query (default: 10)")

    command("gensim-data", cmd_gensim_data, f"make the installed {models.OFFLINE_MODEL} loadable offline by "
            f"gensim.downloader.load (writes into $GENSIM_DATA_DIR or ~/gensim-data)", json_option=False,
            loads_model=False)
    p = command("serve", cmd_serve, "explore the model (or two, side by side) on a web page in the browser",
                json_option=False, loads_model=False, models_repeat=True)
    p.add_argument("--host", default="127.0.0.1", type=argtypes.text(max_length=255),
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", default=8000, type=integer(0, 65535), help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")


def main(argv=None):
    """Entry point of `wp`; returns the exit status (callable from tests)."""
    return runner.run("wp", build_parser, argv)
