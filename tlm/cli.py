"""The `tlm` command: parse arguments, call the library, print results (`tlm train` is
`tlm/train_command.py`).

Every subcommand is a small function taking the parsed arguments. Arguments are checked by
`edge.argtypes` as they are parsed; what the library refuses arrives as a `UserError` and leaves
as one line on stderr (`edge.runner`).
"""

import argparse

import numpy as np

from edge import argtypes, console, files, runner
from edge.argtypes import integer, number, positive_int
from edge.console import note
from edge.errors import UserError
from tlm import choice, evaluation, explain, persistence, train_command
from tlm.tokenizer import detokenize, tokenize, tokens_of
from tlm.train_command import FRACTION, SEED
from tlm.vocabulary import UNK

MAX_GENERATE = 1_000_000
MAX_LISTED = 100_000  # -n, -k, --top
MAX_LOGIT = 1e6  # beyond, a typed logit is a typo: e^z of even 1e3 needs the max shift


# ---- using a model ------------------------------------------------------------------------------

def _load(args):
    return persistence.load(args.model)


def _word_vectors(model, args, words=()):
    """The chosen word vectors (--vectors) and the query words in the model's own terms (a note
    shows each one the transforms change), after checking it has vectors and the words."""
    wv, tokens, notes = choice.chosen(model, args.model, getattr(args, "vectors", None), words)
    console.notes(notes)
    return wv, tokens


def _note_unknown(model, tokens):
    unknown = model.vocabulary.missing(tokens)
    if unknown and model.vocabulary.unk is not None:
        note(f"Not in the vocabulary, read as <unk>: {', '.join(unknown[:10])}")


def cmd_similar(args):
    from vectors import queries

    model = _load(args)
    wv, words = _word_vectors(model, args, args.words)
    ranked = queries.similar(wv, words, n=args.n, restrict=choice.shown(wv, args.model, args.min_count))
    console.print_answer(args.json, queries.ranked_json(ranked, wv=wv), queries.ranked_lines(ranked, wv))


def cmd_similarity(args):
    from vectors import queries

    model = _load(args)
    wv, (a, b) = _word_vectors(model, args, [args.a, args.b])
    cos = queries.similarity(wv, a, b)
    console.print_answer(args.json, {"a": a, "b": b, "cosine": round(cos, 6)}, [f"{cos:.4f}"])


def cmd_predict(args):
    from vectors import queries

    model = _load(args)
    tokens = tokens_of(args.context, model.config.transforms, "the context")
    _note_unknown(model, tokens)
    ranked = model.most_likely(tokens, args.k)
    console.print_answer(args.json, queries.ranked_json(ranked, "probability"), queries.ranked_lines(ranked))


def cmd_eval(args):
    from vectors import benchmarks

    model = _load(args)
    result = {}
    if args.filepath or args.gutenberg:
        texts = train_command.read_texts(args, args.tokenize or model.config.transforms)
        if evaluation.trained_on(model, [words for _, words in texts]):
            note(f"warning: {args.model} was trained on all of this text: the held-out words were seen in training "
                 f"(train with --val-fraction F, then evaluate with the same F)")
        result["held_out"] = evaluation.on_texts(model, texts, args.val_fraction)
    elif args.val_fraction:
        raise UserError("--val-fraction needs a text to evaluate on: --filepath or --gutenberg")
    with console.progress_bar("analogies") as update:
        result.update(benchmarks.run_all(choice.word_vectors(model, args.vectors), analogy_progress=update))
    lines = [evaluation.line(result["held_out"])] if "held_out" in result else []
    console.print_answer(args.json, result, lines + benchmarks.lines(result, f"the model's {len(model.vocab)} words"))


def cmd_export(args):
    from tlm import export

    export.check(args.format, args.output, inputs=[args.model])
    model = _load(args)
    print("\n".join(export.write(_word_vectors(model, args)[0], args.format, args.output)))


def cmd_plot(args):
    from tlm import plots
    from vectors.figures import image_format

    args.model = args.model or ["model.json"]
    fmt = image_format(args.output)
    files.check_output(args.output, inputs=args.model, what="--output")
    models = {path: persistence.load(path) for path in args.model}
    if args.loss:
        image = plots.loss_image(models, fmt)
    elif len(args.model) > 1:
        raise UserError("a word map shows one model; give several --model only with --loss")
    else:
        image, notes = plots.word_map_image(models[args.model[0]], args.model[0], args.words or (), args.top,
                                            args.vectors, fmt)
        console.notes(notes)
    with files.exclusive(args.output, "--output"):
        files.atomic_write(args.output, image)
    print(args.output)


def cmd_journey(args):
    from tlm import replay

    model = _load(args)
    _, tokens = _word_vectors(model, args, [w for w in [args.word, *(args.pair or ()), *(args.words or ())] if w])
    recorded = replay.require(model, args.model)
    replay.rows_of(recorded, tokens)  # every word asked was recorded: said before any work
    tokens = iter(tokens)  # the words in the model's terms, in the order asked
    word, pair = args.word and next(tokens), args.pair and [next(tokens), next(tokens)]
    words = list(dict.fromkeys(list(tokens) or recorded.words[:30]))
    if args.gif:
        files.check_output(args.gif, inputs=[args.model], what="--gif")
        if not args.gif.lower().endswith(".gif"):
            raise UserError(f"cannot write --gif {args.gif}: the name must end in .gif")
    vectors = args.vectors or choice.DEFAULT_VECTORS
    result = {"model": args.model, **replay.report(recorded, vectors, word, pair, args.n)}
    if args.gif:
        from tlm.plots import journey_gif

        image = journey_gif(words, *replay.frames(recorded, vectors, words))
        with files.exclusive(args.gif, "--gif"):
            files.atomic_write(args.gif, image)
    lines = replay.lines(result, args.model, word, pair) + ([args.gif] if args.gif else [])
    console.print_answer(args.json, result, lines)


def cmd_generate(args):
    model = _load(args)
    rng = np.random.default_rng(args.seed)
    if args.prompt is not None:
        _note_unknown(model, tokenize(args.prompt, model.config.transforms))
    tokens = model.generate(args.length, prompt=args.prompt, temperature=args.temperature, top_k=args.top_k, rng=rng)
    print(detokenize(tokens, model.config.transforms))
    if args.interact:
        from edge.shell import interact

        words = [w for w in model.vocab if w != UNK]  # the hint shows real words
        hint = (f"model._forward({words[:model.n]!r}), model.similarity({words[0]!r}, {words[-1]!r}), "
                f"model.most_similar({words[0]!r}), model.E.shape" if model.has_embeddings
                else f"model.predict({[words[0]]!r}), model.tables[1]")
        about = f"the loaded {type(model).__name__} ({len(model.vocab)} words)"
        return interact(f"tlm shell on {args.model}", {"model": (model, about), "np": (np, "numpy")}, hint)


# ---- inside a prediction -------------------------------------------------------------------------

def cmd_softmax(args):
    from tlm import softmax_table

    table = softmax_table.of_logits(args.logits, args.words, args.temperature)
    console.print_answer(args.json, table.to_json(),
                         softmax_table.lines(table, given=args.logits if args.temperature != 1 else None))


def cmd_explain(args):
    result = explain.explain(_load(args), args.context, args.target, lr=args.lr, k=args.k, name=args.model)
    console.notes(f"Note: {line}" for line in result.notes)
    console.print_answer(args.json, explain.to_json(result), explain.lines(result, full=args.full))


# ---- the parser ---------------------------------------------------------------------------------

class _Commands:
    """Adds subcommands to the parser: each with its function, help, and (mostly) a --model."""

    def __init__(self, parser):
        self.sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=argtypes.Parser)

    def __call__(self, name, func, help, model=True, json=False, **kwargs):
        p = self.sub.add_parser(name, help=help, description=kwargs.pop("description", help), **kwargs)
        if model:
            p.add_argument("--model", default="model.json", type=argtypes.path, help="model file (default: model.json)")
        if json:
            p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
        return p


def build_parser():
    parser = argtypes.Parser(prog="tlm", description="TinyLM: train a tiny next-word language model from scratch "
                                                     "with numpy.")
    command = _Commands(parser)
    train_command.add_parser(command)
    _add_generate(command)
    _add_inspecting(command)
    _add_lesson(command)
    _add_journey(command)
    return parser


def _add_journey(command):
    p = command("journey", cmd_journey, "replay training: how the word vectors settled, snapshot by snapshot", json=True)
    p.add_argument("--word", type=argtypes.word, help="that word's nearest recorded words at each snapshot")
    p.add_argument("--pair", nargs=2, type=argtypes.word, metavar=("A", "B"),
                   help="the cosine of two words at each snapshot, beside random pairs")
    p.add_argument("-n", type=integer(1, MAX_LISTED), default=5, help="neighbours shown with --word (default: 5)")
    p.add_argument("--gif", type=argtypes.path, metavar="PATH", help="write the aligned map as an animated GIF")
    p.add_argument("--words", nargs="+", type=argtypes.word, metavar="WORD",
                   help="the words of the GIF (default: the 30 most frequent)")
    _vectors_option(p)


def _add_generate(command):
    p = command("generate", cmd_generate, "sample text from a model")
    p.add_argument("--length", type=integer(0, MAX_GENERATE), default=50, help="tokens to generate (default: 50)")
    p.add_argument("--prompt", type=argtypes.text(), help='text to start from, e.g. "how much"')
    p.add_argument("--temperature", type=number(0, 1000, low_open=True), default=1.0,
                   help="<1 safer, >1 wilder (default: 1.0)")
    p.add_argument("--top-k", type=positive_int, metavar="K", help="sample only among the K most likely tokens")
    p.add_argument("--seed", type=SEED, help="random seed for sampling (default: fresh each run)")
    p.add_argument("--interact", action="store_true", help="then open a Python shell with `model` and `np`")


def _add_inspecting(command):
    for name, func, help in (("similar", cmd_similar, "nearest neighbours among the learned word vectors"),
                             ("similarity", cmd_similarity, "cosine similarity of two learned word vectors")):
        p = command(name, func, help, json=True)
        _vectors_option(p)
        if name == "similar":
            p.add_argument("words", nargs="+", type=argtypes.word, metavar="WORD")
            p.add_argument("-n", type=integer(1, MAX_LISTED), default=10, help="how many (default: 10)")
            p.add_argument("--min-count", type=integer(1, 2**31 - 1), metavar="K",
                           help=f"hide neighbours seen fewer than K times in training (default: "
                                f"{choice.DEFAULT_MIN_COUNT}; 1 shows all)")
        else:
            p.add_argument("a", type=argtypes.word, metavar="A")
            p.add_argument("b", type=argtypes.word, metavar="B")

    p = command("predict", cmd_predict, "the most likely next tokens after a context", json=True)
    p.add_argument("context", type=argtypes.text(), metavar="CONTEXT", help='e.g. "how much"')
    p.add_argument("-k", type=integer(1, MAX_LISTED), default=10, help="how many (default: 10)")

    p = command("eval", cmd_eval, "held-out perplexity on a text, word-similarity and analogy benchmarks", json=True,
                epilog=train_command.source_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    train_command.add_source_arguments(p)
    p.add_argument("--val-fraction", type=FRACTION, metavar="F",
                   help="evaluate on the last F of each text only (what train --val-fraction F held out)")
    _vectors_option(p)

    p = command("export", cmd_export, "write the word vectors for other tools")
    p.add_argument("--format", choices=["word2vec", "tsv"], required=True,
                   help="word2vec text (gensim, wp --model) or the Embedding Projector's vectors + metadata TSVs")
    p.add_argument("--output", required=True, type=argtypes.path, help="file to write (tsv: F.tsv and F.metadata.tsv)")
    _vectors_option(p)

    p = command("plot", cmd_plot, "2-D map of word vectors (PCA of unit vectors), or the loss curves (--loss)",
                model=False)
    p.add_argument("--model", action="append", type=argtypes.path,
                   help="model file (default: model.json; repeat with --loss)")
    p.add_argument("--words", nargs="+", type=argtypes.word, metavar="WORD",
                   help="the words to map (default: the most frequent)")
    p.add_argument("--top", type=integer(1, MAX_LISTED), default=60, help="how many frequent words to map (default: 60)")
    p.add_argument("--loss", action="store_true", help="plot the per-epoch train and held-out losses instead")
    _vectors_option(p)
    p.add_argument("--output", default="map.png", type=argtypes.path,
                   help="image file: .png, .svg or .pdf (default: map.png)")


def _add_lesson(command):
    """`softmax` and `explain`: the lab's mechanism with real numbers."""
    p = command("softmax", cmd_softmax, "the lab's softmax table (z, e^z, σ) of logits you type", model=False,
                json=True, description="The lab's softmax table: each logit z, e^z (worked to four significant "
                "figures, as the lab does) and σ(z) = e^z / Σ e^z, and the sum row.")
    p.add_argument("logits", nargs="+", type=number(-MAX_LOGIT, MAX_LOGIT), metavar="LOGIT", help="logits, e.g. 3 -2 -1 3 -2")
    p.add_argument("--words", nargs="+", type=argtypes.word, metavar="WORD", help="a word per logit (default: 1, 2, ...)")
    p.add_argument("--temperature", type=number(0, 1000, low_open=True), default=1.0, metavar="T",
                   help="divide the logits by T first: <1 sharper, >1 flatter (default: 1)")

    p = command("explain", cmd_explain, "one prediction and one training step, stage by stage, with the model's numbers",
                json=True)
    p.add_argument("--context", required=True, type=argtypes.text(), help='the context, e.g. "how much"')
    p.add_argument("--target", type=argtypes.word, help="the true next word: adds the loss, the gradient and one step")
    p.add_argument("--lr", type=number(0, explain.MAX_LR, low_open=True), default=explain.DEFAULT_LR,
                   help=f"learning rate of the step (default: {explain.DEFAULT_LR:g}, as tlm train)")
    p.add_argument("-k", type=integer(1, MAX_LISTED), default=explain.DEFAULT_K,
                   help=f"words in the tables (default: {explain.DEFAULT_K}, and the target)")
    p.add_argument("--full", action="store_true", help="every number of each row of E (default: the first 6)")


def _vectors_option(parser):
    parser.add_argument("--vectors", choices=choice.VECTORS, help=choice.VECTORS_HELP)


def main(argv=None):
    """Entry point of `tlm`; returns the exit status (callable from tests)."""
    return runner.run("tlm", build_parser, argv)
