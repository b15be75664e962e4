"""The `tlm` command: parse arguments, call the library, print results.

Every subcommand is a small function taking the parsed arguments; errors the user can fix arrive as
`TlmError` or `KeyError` and leave as one line on stderr with a non-zero exit code.
"""

import argparse
import json
import math
import os
import sys

import numpy as np

from tlm import corpus, persistence, training
from tlm.counts import DEFAULT_ADD_K, CountModel
from tlm.errors import TlmError
from tlm.evaluation import held_out
from tlm.model import DEFAULT_LR, TinyLanguageModel
from tlm.tokenizer import TRANSFORMS, detokenize, tokenize
from wp.errors import WpError

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def _source_help():
    lines = [f"  {name:6} {text}" for name, (_, text) in TRANSFORMS.items()]
    return "tokenizer transforms (-t, repeatable, applied in order; default: split words, punctuation apart):\n" + "\n".join(lines)


def add_source_arguments(parser):
    """--filepath / --gutenberg / -t, shared by the subcommands that read text."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--filepath", metavar="PATH", help="a UTF-8 text file")
    source.add_argument("--gutenberg", metavar="FILEID",
                        help="an NLTK Gutenberg text, e.g. austen-emma.txt (uses NLTK_DATA)")
    parser.add_argument("-t", "--tokenize", action="append", choices=list(TRANSFORMS), metavar="TRANSFORM",
                        help="a tokenizer transform: " + ", ".join(TRANSFORMS) + " (see below)")


def read_tokens(args, transforms, notes):
    """The token list of the chosen source; `notes` receives lines meant for stderr."""
    if args.filepath:
        text, name = corpus.read_file(args.filepath), args.filepath
    elif args.gutenberg:
        text, name = corpus.read_gutenberg(args.gutenberg), args.gutenberg
    else:
        text, name = corpus.read_default(), corpus.DEFAULT_CORPUS_NAME
        notes(f"No --filepath or --gutenberg given: using the built-in {name} tongue twister.")
    words = tokenize(text, transforms)
    if not words:
        raise TlmError(f"{name} has no tokens left after the transforms ({', '.join(transforms) or 'none'})")
    return words


class TrainProgress:
    """Turns training events into output: the epoch lines on stdout, a live bar on a terminal."""

    def __init__(self, out, bar_stream):
        self.out = out
        self.bar_stream = bar_stream if bar_stream.isatty() else None
        self.bar = None

    def __call__(self, event):
        if isinstance(event, training.Progress) and self.bar_stream:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=event.total, file=self.bar_stream, unit=" words", unit_scale=True,
                                leave=False, desc=f"Epoch {event.epoch}/{event.epochs}")
            self.bar.update(event.done - self.bar.n)
            self.bar.set_postfix(loss=f"{event.loss:.4f}", refresh=False)
        elif isinstance(event, training.EpochEnd):
            self.close()
            line = f"Epoch {event.epoch}/{event.epochs}  loss={event.loss:.4f}"
            if event.val_loss is not None:
                line += f"  val_loss={event.val_loss:.4f}  ppl={math.exp(event.val_loss):.2f}"
            print(line, file=self.out, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _resumed_model(args):
    model = persistence.load(args.output)
    if model.kind != "embedding":
        raise TlmError(f"--resume continues an embedding model; {args.output} is a {model.kind} model")
    for flag, given, stored in (("--context-window", args.context_window, model.n),
                                ("--embedding-dim", args.embedding_dim, model.config.embedding_dim),
                                ("-t", args.tokenize, model.config.transforms)):
        if given is not None and given != stored:
            raise TlmError(f"--resume continues {args.output}, which has {flag} {stored}; drop {flag} or start afresh")
    return model


def cmd_train(args):
    training.check_settings(args.epochs, args.lr, args.batch_size, args.optimizer, args.lr_schedule, args.reference)
    if args.val_fraction is not None and not 0 < args.val_fraction < 1:
        raise TlmError(f"--val-fraction must be between 0 and 1, got {args.val_fraction}")
    folder = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(folder):  # fail before training, not after
        raise TlmError(f"cannot write {args.output}: folder {folder} does not exist")
    if args.kind == "counts":
        return _train_counts(args)
    if args.resume:
        model = _resumed_model(args)
    else:
        model = TinyLanguageModel(n=args.context_window or 2, embedding_dim=args.embedding_dim or 32,
                                  transforms=args.tokenize or [], seed=args.seed)
    words, val_words = _split_val(read_tokens(args, model.config.transforms, _note), args.val_fraction)
    progress = TrainProgress(sys.stdout, sys.stderr)
    try:
        report = model.train(words, epochs=args.epochs, lr=args.lr, resume=args.resume, val_words=val_words,
                             callback=progress, batch_size=args.batch_size, optimizer=args.optimizer,
                             schedule=args.lr_schedule, reference=args.reference)
    except training.TrainingInterrupted as e:
        progress.close()
        if e.epochs_done:
            persistence.save(model, args.output)
            _note(f"Interrupted: saved the model after {e.epochs_done} complete epoch(s) to {args.output}")
        else:
            _note(f"Interrupted before the first epoch ended: nothing saved, {args.output} left as it was")
        return EXIT_INTERRUPTED
    finally:
        progress.close()
    if report.skipped_tokens:
        shown = ", ".join(report.skipped_words[:10]) + (", ..." if len(report.skipped_words) > 10 else "")
        _note(f"Skipped {report.skipped_tokens} tokens ({len(report.skipped_words)} words) not in the "
              f"model's vocabulary: {shown}")
    persistence.save(model, args.output)
    print(f"Model saved to {args.output}")
    return 0


def _split_val(words, fraction):
    """(training words, held-out tail or None) for --val-fraction."""
    cut = int(len(words) * (1 - fraction)) if fraction else len(words)
    return words[:cut], words[cut:] or None


def _train_counts(args):
    if args.resume:
        raise TlmError("--resume is for embedding models; a count model is counted in one pass")
    model = CountModel(n=args.context_window or 2, add_k=args.add_k, transforms=args.tokenize or [])
    words, val_words = _split_val(read_tokens(args, model.config.transforms, _note), args.val_fraction)
    model.train(words)
    line = (f"Counted {len(words)} tokens: {len(model.vocab)} words, "
            f"{sum(map(len, model.tables[1:]))} distinct contexts of 1 to {model.n} tokens")
    if val_words:
        result = held_out(model, val_words)
        model.history["val_loss"].append(result.loss)
        line += f"  val_loss={result.loss:.4f}  ppl={result.perplexity:.2f}"
    print(line)
    persistence.save(model, args.output)
    print(f"Model saved to {args.output}")
    return 0


def _vectors(args):
    model = persistence.load(args.model)
    if model.kind != "embedding":
        raise TlmError(f"{args.model} is a {model.kind} model: it has no learned word vectors (train with --kind embedding)")
    return model, model.keyed_vectors(output=args.output_vectors)


def cmd_similar(args):
    from wp import queries
    from wp.cli import print_ranked

    _, kv = _vectors(args)
    print_ranked(queries.similar(kv, args.words, n=args.n), args.json)
    return 0


def cmd_similarity(args):
    from wp import queries

    _, kv = _vectors(args)
    cos = queries.similarity(kv, args.a, args.b)
    print(json.dumps({"a": args.a, "b": args.b, "cosine": round(cos, 6)}) if args.json else f"{cos:.4f}")
    return 0


def cmd_predict(args):
    from wp.cli import print_ranked

    model = persistence.load(args.model)
    tokens = tokenize(args.context, model.config.transforms)
    probs = model.predict(tokens)
    top = np.argsort(-probs, kind="stable")[:args.k]
    print_ranked([(model.vocab[i], float(probs[i])) for i in top], args.json, score="probability")
    return 0


def cmd_eval(args):
    from wp import benchmarks
    from wp.cli import print_evaluation, progress_bar

    model = persistence.load(args.model)
    result = {}
    if args.filepath or args.gutenberg:
        words = read_tokens(args, args.tokenize or model.config.transforms, _note)
        if args.val_fraction:
            words = _split_val(words, args.val_fraction)[1] or []
        heldout = held_out(model, words)
        result["held_out"] = {"loss": heldout.loss, "perplexity": heldout.perplexity, "predicted": heldout.predicted,
                              "tokens": heldout.tokens, "unknown_tokens": heldout.unknown_tokens,
                              "unknown_words": len(heldout.unknown_words)}
    kv = model.keyed_vectors()
    update, close = progress_bar("analogies")
    try:
        result.update(benchmarks.run_all(kv, analogy_progress=update))
    finally:
        close()
    if args.json:
        print(json.dumps(result))
        return 0
    if "held_out" in result:
        h = result["held_out"]
        print(f"Held-out    cross-entropy {h['loss']:.4f} nats/token  perplexity {h['perplexity']:.2f}  "
              f"({h['predicted']} tokens predicted; {h['unknown_tokens']} of {h['tokens']} tokens unknown, "
              f"{h['unknown_words']} distinct words)")
    print_evaluation(result, f"the model's {len(model.vocab)} words")
    return 0


def cmd_export(args):
    model, kv = _vectors(args)
    if args.format == "word2vec":
        lines = [f"{len(kv)} {kv.vector_size}"] + [
            f"{w} " + " ".join(repr(float(x)) for x in kv[w]) for w in kv.index_to_key]
        persistence.atomic_write_text(args.output, "\n".join(lines) + "\n")
        print(args.output)
    else:
        stem = args.output[:-4] if args.output.endswith(".tsv") else args.output
        vectors_path, metadata_path = f"{stem}.tsv", f"{stem}.metadata.tsv"
        persistence.atomic_write_text(vectors_path, "".join(
            "\t".join(repr(float(x)) for x in kv[w]) + "\n" for w in kv.index_to_key))
        persistence.atomic_write_text(metadata_path, "".join(f"{w}\n" for w in kv.index_to_key))
        print(vectors_path)
        print(metadata_path)
    return 0


def cmd_plot(args):
    models = [persistence.load(m) for m in args.model]
    try:
        if args.loss:
            from tlm.plots import loss_curves

            for path, model in zip(args.model, models):
                if not model.history["loss"]:
                    raise TlmError(f"{path} has no training curve (a {model.kind} model is counted, not trained)")
            loss_curves({m: model.history for m, model in zip(args.model, models)}, args.output)
        else:
            from wp.plots import word_map

            if len(models) > 1:
                raise TlmError("a word map shows one model; give several --model only with --loss")
            model = models[0]
            if model.kind != "embedding":
                raise TlmError(f"{args.model[0]} is a {model.kind} model: it has no learned word vectors to map")
            if args.words:
                words = list(dict.fromkeys(args.words))
                for w in words:
                    model.index(w)
            else:
                words = [model.vocab[i] for i in np.argsort(-model.frequencies(), kind="stable")[:args.top]]
            if len(words) < 2:
                raise TlmError("a word map needs at least 2 words")
            word_map(words, np.stack([model.vector(w) for w in words]), args.output,
                     title=f"{args.model[0]}: {len(words)} words (PCA of E)")
    except (OSError, ValueError) as e:
        raise TlmError(f"cannot write {args.output}: {e}") from None
    print(args.output)
    return 0


def cmd_generate(args):
    model = persistence.load(args.model)
    rng = np.random.default_rng(args.seed)
    tokens = model.generate(args.length, prompt=args.prompt, temperature=args.temperature, top_k=args.top_k, rng=rng)
    print(detokenize(tokens, model.config.transforms))
    if args.interact:
        from tlm.shell import interact

        v = model.vocab
        hint = (f"model.similarity('{v[0]}', '{v[-1]}'), model.most_similar('{v[0]}'), model.E.shape"
                if model.kind == "embedding" else f"model.predict(['{v[0]}']), model.tables[1]")
        interact({"model": model, "np": np},
                 f"tlm shell on {args.model}\n"
                 f"  model  the loaded {type(model).__name__} ({len(v)} words)\n"
                 f"  np     numpy\n"
                 f"Try: {hint}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="tlm", description="TinyLM: train a tiny next-word language model from scratch with numpy.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("train", help="train a model on a text", epilog=_source_help(),
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Train on a file, a Gutenberg text, or (with neither) the built-in chuck.txt.")
    add_source_arguments(p)
    p.add_argument("--epochs", type=int, default=5, help="passes over the text (default: 5)")
    p.add_argument("--lr", type=float, default=DEFAULT_LR, help=f"learning rate (default: {DEFAULT_LR})")
    p.add_argument("--context-window", type=positive_int, metavar="N", help="previous tokens used to predict the next (default: 2)")
    p.add_argument("--embedding-dim", type=positive_int, metavar="D", help="length of each word vector (default: 32)")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same model (default: 0)")
    p.add_argument("--output", default="model.json", help="model file to write (default: model.json)")
    p.add_argument("--resume", action="store_true", help="continue training the model in --output")
    p.add_argument("--val-fraction", type=float, metavar="F",
                   help="hold out the last F of the text and report val_loss and perplexity each epoch")
    p.add_argument("--batch-size", type=int, metavar="B",
                   help=f"examples per update (default: auto, 1 for tiny texts up to {training.MAX_AUTO_BATCH})")
    p.add_argument("--optimizer", choices=list(training.OPTIMIZERS), default=training.DEFAULT_OPTIMIZER,
                   help=f"update rule (default: {training.DEFAULT_OPTIMIZER})")
    p.add_argument("--lr-schedule", choices=training.SCHEDULES, default=training.DEFAULT_SCHEDULE,
                   help=f"constant, or linear decay to zero over the run (default: {training.DEFAULT_SCHEDULE})")
    p.add_argument("--reference", action="store_true",
                   help="use the lab's per-example loop (model._step) instead of the fast batched path; slow")
    p.add_argument("--kind", choices=["embedding", "counts"], default="embedding",
                   help="embedding = the TinyLM; counts = n-gram counts with add-k smoothing (default: embedding)")
    p.add_argument("--add-k", type=float, default=DEFAULT_ADD_K, metavar="K",
                   help=f"count model's smoothing constant (default: {DEFAULT_ADD_K})")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("generate", help="sample text from a model")
    p.add_argument("--model", default="model.json", help="model file (default: model.json)")
    p.add_argument("--length", type=int, default=50, help="tokens to generate (default: 50)")
    p.add_argument("--prompt", help='text to start from, e.g. "how much"')
    p.add_argument("--temperature", type=float, default=1.0, help="<1 safer, >1 wilder (default: 1.0)")
    p.add_argument("--top-k", type=int, metavar="K", help="sample only among the K most likely tokens")
    p.add_argument("--seed", type=int, help="random seed for sampling (default: fresh each run)")
    p.add_argument("--interact", action="store_true", help="then open a Python shell with `model` and `np`")
    p.set_defaults(func=cmd_generate)

    def vector_command(name, func, help):
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--model", default="model.json", help="model file (default: model.json)")
        p.add_argument("--output-vectors", action="store_true", help="use the columns of W instead of the rows of E")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
        return p

    p = vector_command("similar", cmd_similar, "nearest neighbours among the learned word vectors")
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("-n", type=positive_int, default=10, help="how many (default: 10)")
    p = vector_command("similarity", cmd_similarity, "cosine similarity of two learned word vectors")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")

    p = sub.add_parser("predict", help="the most likely next tokens after a context")
    p.add_argument("--model", default="model.json", help="model file (default: model.json)")
    p.add_argument("context", metavar="CONTEXT", help='e.g. "how much"')
    p.add_argument("-k", type=positive_int, default=10, help="how many (default: 10)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("eval", help="held-out perplexity on a text, word-similarity and analogy benchmarks",
                       epilog=_source_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="model.json", help="model file (default: model.json)")
    add_source_arguments(p)
    p.add_argument("--val-fraction", type=float, metavar="F",
                   help="evaluate on the last F of the text only (what train --val-fraction F held out)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("export", help="write the word vectors for other tools")
    p.add_argument("--model", default="model.json", help="model file (default: model.json)")
    p.add_argument("--format", choices=["word2vec", "tsv"], required=True,
                   help="word2vec text (gensim, wp --model) or the Embedding Projector's vectors + metadata TSVs")
    p.add_argument("--output", required=True, help="file to write (tsv: F.tsv and F.metadata.tsv)")
    p.add_argument("--output-vectors", action="store_true", help="export the columns of W instead of the rows of E")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("plot", help="2-D map of word vectors, or the loss curves (--loss)")
    p.add_argument("--model", action="append", help="model file (default: model.json; repeat with --loss)")
    p.add_argument("--words", nargs="+", metavar="WORD", help="the words to map (default: the most frequent)")
    p.add_argument("--top", type=positive_int, default=60, help="how many frequent words to map (default: 60)")
    p.add_argument("--loss", action="store_true", help="plot the per-epoch train and held-out losses instead")
    p.add_argument("--output", default="map.png", help="image file: .png, .svg or .pdf (default: map.png)")
    p.set_defaults(func=cmd_plot)
    return parser


def positive_int(text):
    """argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _note(line):
    print(line, file=sys.stderr)


def main(argv=None):
    """Entry point of `tlm`; returns the exit code (callable from tests)."""
    args = build_parser().parse_args(argv)
    if args.command == "plot" and not args.model:
        args.model = ["model.json"]
    try:
        return args.func(args)
    except (TlmError, WpError) as e:
        _note(f"tlm: error: {e}")
    except KeyError as e:
        _note(f"tlm: error: {e.args[0]}")
    except KeyboardInterrupt:
        _note("tlm: interrupted")
        return EXIT_INTERRUPTED
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
