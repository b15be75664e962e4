"""The `tlm` command: parse arguments, call the library, print results.

Every subcommand is a small function taking the parsed arguments. Arguments are checked by
`edge.argtypes` as they are parsed; what the library refuses arrives as a `UserError` and leaves
as one line on stderr (`edge.runner`).
"""

import argparse
import contextlib
import shlex
import sys

import numpy as np

from edge import argtypes, console, files, runner, signals
from edge.argtypes import integer, number, positive_int
from edge.console import note
from edge.errors import UserError
from tlm import choice, corpus, persistence, training
from tlm.base import MAX_CONTEXT, LanguageModel
from tlm.counts import DEFAULT_ADD_K, MAX_ADD_K, MIN_ADD_K, CountModel
from tlm.evaluation import held_out, perplexity
from tlm.model import MAX_EMBEDDING_DIM, TinyLanguageModel
from tlm.tokenizer import TRANSFORMS, detokenize, tokenize
from tlm.vocabulary import UNK

SEED = integer(0, 2**63 - 1)
FRACTION = number(0, 1, low_open=True, high_open=True)
MAX_GENERATE = 1_000_000
MAX_LISTED = 100_000  # -n, -k, --top


def _source_help():
    lines = [f"  {name:6} {text}" for name, (_, text) in TRANSFORMS.items()]
    return ("tokenizer transforms (-t, repeatable, applied in order; default: split words, punctuation apart):\n"
            + "\n".join(lines))


def add_source_arguments(parser):
    """--filepath / --gutenberg (each repeatable) / -t, shared by the subcommands that read text."""
    parser.add_argument("--filepath", action="append", type=argtypes.path, metavar="PATH",
                        help="a UTF-8 text file (repeat for several)")
    parser.add_argument("--gutenberg", action="append", type=argtypes.text(200), metavar="FILEID",
                        help=f"an NLTK Gutenberg text, e.g. austen-emma.txt, or '{corpus.ALL_GUTENBERG}' for every "
                             f"text (repeatable; uses NLTK_DATA)")
    parser.add_argument("-t", "--tokenize", action="append", choices=list(TRANSFORMS), metavar="TRANSFORM",
                        help="a tokenizer transform: " + ", ".join(TRANSFORMS) + " (see below)")


def read_texts(args, transforms):
    """[(name, tokens)] of the chosen sources (the built-in text, with a note, when none is given)."""
    if not args.filepath and not args.gutenberg:
        note(f"No --filepath or --gutenberg given: using the built-in {corpus.DEFAULT_CORPUS_NAME} tongue twister.")
    texts = []
    for name, text in corpus.read_texts(args.filepath or (), args.gutenberg or ()):
        words = tokenize(text, transforms)
        if not words:
            raise UserError(f"{name} has no tokens left after the transforms ({', '.join(transforms) or 'none'})")
        texts.append((name, words))
    return texts


def _sources(args):
    """The files that reading the chosen texts opens: an output must not replace one."""
    return corpus.source_files(args.filepath or (), args.gutenberg or ())


def _perplexity(loss):
    """exp(loss) as people read it: two decimals, or three significant digits once it is huge."""
    value = perplexity(loss)
    return f"{value:.2f}" if value < 1e9 else f"{value:.3g}"


def split_val(texts, fraction):
    """(training token lists, held-out token lists or None): the last `fraction` of each text."""
    if not fraction:
        return [words for _, words in texts], None
    cuts = [int(len(words) * (1 - fraction)) for _, words in texts]
    return [w[:c] for (_, w), c in zip(texts, cuts)], [w[c:] for (_, w), c in zip(texts, cuts)]


class TrainProgress:
    """Turns training events into output: the epoch lines on stdout, a live bar on a terminal."""

    def __init__(self, bar_stream):
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
                line += f"  val_loss={event.val_loss:.4f}  ppl={_perplexity(event.val_loss)}"
            print(line)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# ---- train --------------------------------------------------------------------------------------

# Options of `train` that only one kind of model uses: giving one to the other kind is a mistake.
EMBEDDING_ONLY = ("epochs", "lr", "lr_schedule", "batch_size", "optimizer", "embedding_dim", "seed", "resume",
                  "reference", "loss", "samples")
COUNTS_ONLY = ("add_k",)


def _check_options_apply(args):
    unused = EMBEDDING_ONLY if args.kind == CountModel.kind else COUNTS_ONLY
    given = [name for name in unused if getattr(args, name) not in (None, False)]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UserError(f"a {args.kind} model does not use {options}; drop it, or choose the other --kind")
    if args.samples is not None and args.loss != "sampled" and not args.resume:
        raise UserError("--samples is the number of candidates of --loss sampled; add --loss sampled or drop it")


def cmd_train(args):
    _check_options_apply(args)
    if args.kind == CountModel.kind:
        return _train_counts(args)
    training.check_settings(args.epochs or 1, args.lr or training.DEFAULT_LR, args.batch_size,
                            args.optimizer or training.DEFAULT_OPTIMIZER,
                            args.lr_schedule or training.DEFAULT_SCHEDULE, "reference" if args.reference else "fast",
                            args.loss or "full")
    files.check_output(args.output, inputs=_sources(args), what="--output")
    with files.exclusive(args.output, "--output"):
        try:  # a Ctrl-C here stops at once (a read may block): nothing is lost yet
            model = _resumed_model(args) if args.resume else TinyLanguageModel(
                n=args.context_window or 2, embedding_dim=args.embedding_dim or 32, transforms=args.tokenize or [],
                seed=args.seed or 0, min_count=args.min_count or 1)
            texts = read_texts(args, model.config.transforms)
        except (KeyboardInterrupt, signals.Terminated) as e:
            note(f"Interrupted before training started: nothing saved, {args.output} left as it was")
            return runner.EXIT_TERMINATED if isinstance(e, signals.Terminated) else runner.EXIT_INTERRUPTED
        with signals.StopRequests() as stop:
            return _fit_and_save(args, model, texts, stop)


def _fit_and_save(args, model, texts, stop):
    """Train `model` on `texts` by its plan and save it; a stop request ends training after the
    batch it comes in, and the finished epochs are saved."""
    train_texts, val_texts = split_val(texts, args.val_fraction)
    if not args.resume:
        model.build([w for words in train_texts for w in words])
    examples = training.examples_of(model, train_texts)
    val = _held_out_examples(model, val_texts, args.val_fraction)
    _plan(model, args, examples)
    print(_training_line(texts, train_texts, model))
    start = model.training.epochs_done
    progress = TrainProgress(sys.stderr)
    try:
        report = training.fit(model, examples, val, callback=progress, should_stop=stop)
    except training.TrainingInterrupted as e:
        progress.close()
        return _save_interrupted(model, args, e.epochs_done - start, stop)
    finally:
        progress.close()
    if report.skipped_tokens:
        shown = ", ".join(report.skipped_words[:10]) + (", ..." if len(report.skipped_words) > 10 else "")
        note(f"Skipped {report.skipped_tokens} tokens ({len(report.skipped_words)} words) not in the "
             f"model's vocabulary: {shown}")
    return _save(model, args.output, stop)


def _save(model, output, stop):
    """Save the finished model; a Ctrl-C during the save (recorded by `stop`) waits for it."""
    persistence.save(model, output)
    print(f"Model saved to {output}")
    if stop.received:
        note("Interrupted while saving: the save was completed first")
        return signals.EXIT_STATUS[stop.received]
    return runner.EXIT_OK


def _held_out_examples(model, val_texts, fraction):
    """The held-out examples, or None with a note when --val-fraction leaves too few tokens for one."""
    if not val_texts:
        return None
    val = training.examples_of(model, val_texts, required=False)
    if len(val) == 0:
        held = f"--val-fraction {fraction:g} holds out {_count(sum(map(len, val_texts)), 'token')}"
        if val.skipped_tokens:
            unknown = f"{val.skipped_tokens:,} of them {'is a word' if val.skipped_tokens == 1 else 'are words'}"
            note(f"{held}; {unknown} the training part does not have, and no context of {model.n} and its next "
                 f"token is free of them: no held-out loss")
        else:
            note(f"{held}, too few for a context of {model.n} and its next token: no held-out loss")
        return None
    return val


def _training_line(texts, train_texts, model):
    """The first line of training output: texts, tokens, vocabulary, parameters (as word2vec and nanoGPT)."""
    names = texts[0][0] if len(texts) == 1 else f"{len(texts)} texts ({texts[0][0]}, ...)"
    tokens = sum(len(words) for words in train_texts)
    folded = f" incl. <unk> for {len(model.vocabulary.folded):,} rare words" if model.vocabulary.folded else ""
    state = model.training
    return (f"Training on {names}: {_count(tokens, 'token')}, {_count(len(model.vocab), 'word')}{folded}, "
            f"{model.parameter_count():,} parameters (n={model.n}, d={model.config.embedding_dim}), "
            f"batch {state.batch_size}, {_count(state.epochs - state.epochs_done, 'epoch')}")


def _count(n, noun):
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _resumed_model(args):
    model = persistence.load(args.output)
    if not model.trainable:
        raise UserError(f"--resume continues a model trained by gradient descent; {args.output} is a {model.kind} model")
    config = model.config
    for flag, given, stored in (("--context-window", args.context_window, config.n),
                                ("--embedding-dim", args.embedding_dim, config.embedding_dim),
                                ("-t", args.tokenize, config.transforms),
                                ("--min-count", args.min_count, config.min_count),
                                ("--seed", args.seed, config.seed)):
        if given is not None and given != stored:
            shown = (" ".join(stored) or "none") if isinstance(stored, list) else stored
            raise UserError(f"--resume continues {args.output}, which has {flag} {shown}; drop {flag} or start afresh")
    return model


def _plan(model, args, examples):
    """Start the plan the arguments ask for, or (--resume without --epochs) finish the saved one; says which."""
    old = model.training
    settings = {"lr": args.lr, "optimizer": args.optimizer, "schedule": args.lr_schedule,
                "batch_size": args.batch_size, "engine": "reference" if args.reference else None,
                "loss": args.loss, "samples": args.samples}
    if args.resume and args.epochs is None and not old.finished:
        for name, given in settings.items():
            if given is not None and given != getattr(old, name):
                raise UserError(f"--resume finishes the plan of {args.output}, which has {name} {getattr(old, name)}; "
                                f"drop the option to finish it exactly, or give --epochs K for a new plan of K epochs")
        if old.text and old.text != examples.fingerprint():
            raise UserError(f"--resume finishes the plan of {args.output} exactly, but this text differs from the one "
                            f"it started on; give the same sources, transforms and --val-fraction, or --epochs K "
                            f"for a new plan of K epochs on this text")
        note(f"Resuming {args.output}: finishing its plan, epochs {old.epochs_done + 1}-{old.epochs} of {old.epochs} "
             f"(lr {old.lr:g}, {old.schedule} schedule at step {old.step})")
        return
    previous = old if args.resume else None
    chosen = {name: given if given is not None else (getattr(previous, name) if previous else None)
              for name, given in settings.items()}
    epochs = args.epochs or training.DEFAULT_EPOCHS
    training.new_plan(model, examples, epochs=epochs, lr=chosen["lr"] or training.DEFAULT_LR,
                      schedule=chosen["schedule"] or training.DEFAULT_SCHEDULE,
                      optimizer=chosen["optimizer"] or training.DEFAULT_OPTIMIZER,
                      batch_size=chosen["batch_size"], engine=chosen["engine"] or "fast", loss=chosen["loss"] or "full",
                      samples=chosen["samples"])
    if previous:
        state = model.training
        before = ("its previous plan was finished" if previous.finished else
                  f"replacing its unfinished plan at epoch {previous.epochs_done} of {previous.epochs}")
        decay = "decaying linearly to 0 over them" if state.schedule == "linear" else "constant"
        note(f"Resuming {args.output} with a new plan: {_count(epochs, 'more epoch')}, {state.optimizer} at lr "
             f"{state.lr:g} {decay}, {state.loss} softmax ({before}; {_count(previous.epochs_trained, 'epoch')} "
             f"trained so far)")


def _save_interrupted(model, args, epochs_done, stop):
    """After a stop request: save the epochs this run completed (if any); the exit status says which signal."""
    status = signals.EXIT_STATUS.get(stop.received, runner.EXIT_INTERRUPTED)
    if epochs_done == 0:
        note(f"Interrupted before the first epoch ended: nothing saved, {args.output} left as it was")
        return status
    persistence.save(model, args.output)
    state = model.training
    note(f"Interrupted: saved the model after {epochs_done} complete epoch(s) to {args.output} (epoch "
         f"{state.epochs_done} of {state.epochs}); `{_resume_command(args)}` finishes the plan")
    return status


def _resume_command(args):
    """The command that finishes this run's plan: the same texts, transforms and held-out part."""
    parts = ["tlm train"]
    parts += [f"--filepath {shlex.quote(path)}" for path in args.filepath or ()]
    parts += [f"--gutenberg {shlex.quote(fileid)}" for fileid in args.gutenberg or ()]
    parts += [f"-t {name}" for name in args.tokenize or ()]
    parts += [f"--val-fraction {args.val_fraction:g}"] if args.val_fraction else []
    return " ".join(parts + [f"--output {shlex.quote(args.output)}", "--resume"])


def _train_counts(args):
    files.check_output(args.output, inputs=_sources(args), what="--output")
    with files.exclusive(args.output, "--output"):
        model = CountModel(n=args.context_window or 2, add_k=args.add_k or DEFAULT_ADD_K, transforms=args.tokenize or [],
                           min_count=args.min_count or 1)
        texts = read_texts(args, model.config.transforms)
        train_texts, val_texts = split_val(texts, args.val_fraction)
        model.train(train_texts)
        folded = f" incl. <unk> for {len(model.vocabulary.folded):,} rare words" if model.vocabulary.folded else ""
        line = (f"Counted {_count(sum(map(len, train_texts)), 'token')}: {_count(len(model.vocab), 'word')}{folded}, "
                f"{sum(map(len, model.tables[1:])):,} distinct contexts of 1 to {model.n} tokens")
        if _held_out_examples(model, val_texts, args.val_fraction):
            result = held_out(model, val_texts)
            model.history["val_loss"].append(result.loss)
            line += f"  val_loss={result.loss:.4f}  ppl={_perplexity(result.loss)}"
        print(line)
        with signals.StopRequests() as stop:  # counting is quick to redo; a save is not cut in half
            return _save(model, args.output, stop)


# ---- using a model ------------------------------------------------------------------------------

def _load(args):
    return persistence.load(args.model)


def _word_vectors(model, args, words=()):
    """The chosen word vectors (--vectors) and the query words in the model's own terms (a note
    shows each one the transforms change), after checking it has vectors and the words."""
    if not model.has_embeddings:
        raise UserError(f"{args.model} is a {model.kind} model: it has no learned word vectors "
                        f"(train with --kind embedding)")
    tokens, notes = choice.query_words(model, words)
    for line in notes:
        note(line)
    return choice.word_vectors(model, getattr(args, "vectors", None)), tokens


def _note_unknown(model, tokens):
    unknown = model.vocabulary.missing(tokens)
    if unknown and model.vocabulary.unk is not None:
        note(f"Not in the vocabulary, read as <unk>: {', '.join(unknown[:10])}")


def cmd_similar(args):
    from vectors import queries

    model = _load(args)
    wv, words = _word_vectors(model, args, args.words)
    ranked = queries.similar(wv, words, n=args.n, restrict=choice.shown(wv, args.model, args.min_count))
    console.print_ranked(ranked, args.json, frequency=queries.frequency(wv, [w for w, _ in ranked]))


def cmd_similarity(args):
    from vectors import queries

    model = _load(args)
    wv, (a, b) = _word_vectors(model, args, [args.a, args.b])
    cos = queries.similarity(wv, a, b)
    if args.json:
        console.print_json({"a": a, "b": b, "cosine": round(cos, 6)})
    else:
        print(f"{cos:.4f}")


def cmd_predict(args):
    model = _load(args)
    tokens = tokenize(args.context, model.config.transforms)
    if not tokens:
        raise UserError(f"the context {args.context!r} has no tokens left after the model's transforms "
                        f"({', '.join(model.config.transforms) or 'none'})")
    _note_unknown(model, tokens)
    console.print_ranked(model.most_likely(tokens, args.k), args.json, score="probability")


def cmd_eval(args):
    from vectors import benchmarks

    model = _load(args)
    result = {}
    if args.filepath or args.gutenberg:
        texts = read_texts(args, args.tokenize or model.config.transforms)
        _, val_texts = split_val(texts, args.val_fraction)
        if model.trainable and choice.trained_on(model, [words for _, words in texts]):
            note(f"warning: {args.model} was trained on all of this text: the held-out words were seen in training "
                 f"(train with --val-fraction F, then evaluate with the same F)")
        heldout = held_out(model, val_texts or [words for _, words in texts])
        result["held_out"] = {"loss": heldout.loss, "perplexity": heldout.perplexity, "predicted": heldout.predicted,
                              "tokens": heldout.tokens, "unknown_tokens": heldout.unknown_tokens,
                              "unknown_words": len(heldout.unknown_words)}
    elif args.val_fraction:
        raise UserError("--val-fraction needs a text to evaluate on: --filepath or --gutenberg")
    update, close = console.progress_bar("analogies")
    try:
        result.update(benchmarks.run_all(choice.word_vectors(model, args.vectors), analogy_progress=update))
    finally:
        close()
    if args.json:
        console.print_json(result)
        return
    if "held_out" in result:
        h = result["held_out"]
        print(f"Held-out    cross-entropy {h['loss']:.4f} nats/token  perplexity {_perplexity(h['loss'])}  "
              f"({h['predicted']} tokens predicted; {h['unknown_tokens']} of {h['tokens']} tokens unknown, "
              f"{h['unknown_words']} distinct words)")
    console.print_evaluation(result, f"the model's {len(model.vocab)} words")


def cmd_export(args):
    from tlm import export

    outputs = export.tsv_paths(args.output) if args.format == "tsv" else [args.output]
    for output in outputs:
        files.check_output(output, inputs=[args.model], what="--output")
    if len({files.target_of(output) for output in outputs}) < len(outputs):
        raise UserError(f"cannot write {' and '.join(outputs)}: they are the same file (a symbolic link?)")
    model = _load(args)
    with contextlib.ExitStack() as locks:
        for output in outputs:
            locks.enter_context(files.exclusive(output, "--output"))
        written = export.write(_word_vectors(model, args)[0], args.format, args.output)
    for path in written:
        print(path)


def cmd_plot(args):
    from edge.figures import image_format

    args.model = args.model or ["model.json"]
    fmt = image_format(args.output)
    files.check_output(args.output, inputs=args.model, what="--output")
    models = [persistence.load(m) for m in args.model]
    image = _loss_image(args, models, fmt) if args.loss else _map_image(args, models, fmt)
    with files.exclusive(args.output, "--output"):
        files.atomic_write(args.output, image)
    print(args.output)


def _loss_image(args, models, fmt):
    from tlm.plots import loss_curves

    for path, model in zip(args.model, models):
        if not model.history["loss"]:
            raise UserError(f"{path} has no training curve: no epoch of it is recorded"
                            + (f" (a {model.kind} model is counted, not trained)" if not model.trainable else ""))
    return loss_curves({m: model.history for m, model in zip(args.model, models)}, fmt)


def _map_image(args, models, fmt):
    from vectors.maps import word_map

    if len(models) > 1:
        raise UserError("a word map shows one model; give several --model only with --loss")
    model = models[0]
    words = list(dict.fromkeys(args.words)) if args.words else [
        model.vocab[i] for i in np.argsort(-model.frequencies(), kind="stable")[:args.top]]
    wv, words = _word_vectors(model, argparse.Namespace(model=args.model[0], vectors=args.vectors), words)
    words = list(dict.fromkeys(words))
    if len(words) < 2:
        raise UserError("a word map needs at least 2 words")
    return word_map(words, wv.vectors[wv.rows(words)], fmt,
                    title=f"{args.model[0]}: {len(words)} words, {args.vectors or choice.DEFAULT_VECTORS}")


def cmd_generate(args):
    model = _load(args)
    rng = np.random.default_rng(args.seed)
    if args.prompt is not None:
        _note_unknown(model, tokenize(args.prompt, model.config.transforms))
    tokens = model.generate(args.length, prompt=args.prompt, temperature=args.temperature, top_k=args.top_k, rng=rng)
    print(detokenize(tokens, model.config.transforms))
    if args.interact:
        from edge.shell import interact

        v = model.vocab
        words = [w for w in v if w != UNK]  # the hint shows real words
        context = words[:model.n]
        hint = (f"model._forward({context!r}), model.similarity({words[0]!r}, {words[-1]!r}), "
                f"model.most_similar({words[0]!r}), model.E.shape" if model.has_embeddings
                else f"model.predict({[words[0]]!r}), model.tables[1]")
        sys.stdout.flush()
        return interact({"model": model, "np": np},
                        f"tlm shell on {args.model}\n"
                        f"  model  the loaded {type(model).__name__} ({len(v)} words)\n"
                        f"  np     numpy\n"
                        f"Try: {hint}")


# ---- the parser ---------------------------------------------------------------------------------

def build_parser():
    parser = argtypes.Parser(prog="tlm", description="TinyLM: train a tiny next-word language model from scratch "
                                                     "with numpy.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=argtypes.Parser)

    def command(name, func, help, model=True, json=False, **kwargs):
        p = sub.add_parser(name, help=help, description=kwargs.pop("description", help), **kwargs)
        if model:
            p.add_argument("--model", default="model.json", type=argtypes.path, help="model file (default: model.json)")
        if json:
            p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
        return p

    p = command("train", cmd_train, "train a model on a text", model=False, epilog=_source_help(),
                formatter_class=argparse.RawDescriptionHelpFormatter,
                description="Train on files, Gutenberg texts, or (with neither) the built-in chuck.txt.")
    add_source_arguments(p)
    p.add_argument("--epochs", type=integer(1, training.MAX_EPOCHS),
                   help=f"passes over the text (default: {training.DEFAULT_EPOCHS}; with --resume: finish the saved "
                        f"plan, or K more epochs as a new plan)")
    p.add_argument("--lr", type=number(0, 1000, low_open=True), help=f"learning rate (default: {training.DEFAULT_LR})")
    p.add_argument("--context-window", type=integer(1, MAX_CONTEXT), metavar="N",
                   help="previous tokens used to predict the next (default: 2)")
    p.add_argument("--embedding-dim", type=integer(1, MAX_EMBEDDING_DIM), metavar="D",
                   help="length of each word vector (default: 32)")
    p.add_argument("--seed", type=SEED, help="random seed: the same seed gives the same model (default: 0)")
    p.add_argument("--min-count", type=integer(1, 2**31 - 1), metavar="K",
                   help="fold tokens seen fewer than K times into one <unk> token (default: 1, keep all)")
    p.add_argument("--output", default="model.json", type=argtypes.path, help="model file to write (default: model.json)")
    p.add_argument("--resume", action="store_true",
                   help="continue training the model in --output (without --epochs: finish its plan exactly)")
    p.add_argument("--val-fraction", type=FRACTION, metavar="F",
                   help="hold out the last F of each text and report val_loss and perplexity each epoch")
    p.add_argument("--batch-size", type=integer(1, 2**31 - 1), metavar="B",
                   help=f"examples per update (default: auto, 1 for tiny texts up to {training.MAX_AUTO_BATCH})")
    p.add_argument("--optimizer", choices=["sgd", "adam"], help=f"update rule (default: {training.DEFAULT_OPTIMIZER})")
    p.add_argument("--lr-schedule", choices=training.SCHEDULES,
                   help=f"linear decay to zero over the plan, or constant (default: {training.DEFAULT_SCHEDULE})")
    p.add_argument("--loss", choices=training.LOSSES,
                   help="training objective: full softmax, or sampled softmax for large vocabularies (default: full); "
                        "the model and its evaluation are always the full softmax")
    p.add_argument("--samples", type=integer(1, 2**31 - 1), metavar="K",
                   help="--loss sampled: candidate words drawn per batch (default: 1024, at most the vocabulary)")
    p.add_argument("--reference", action="store_true",
                   help="use the lab's per-example loop (model._step) instead of the fast batched path; slow")
    p.add_argument("--kind", choices=list(LanguageModel.kinds), default=TinyLanguageModel.kind,
                   help="embedding = the TinyLM; counts = n-gram counts with add-k smoothing (default: embedding)")
    p.add_argument("--add-k", type=number(MIN_ADD_K, MAX_ADD_K), metavar="K",
                   help=f"count model's smoothing constant (default: {DEFAULT_ADD_K})")

    p = command("generate", cmd_generate, "sample text from a model")
    p.add_argument("--length", type=integer(0, MAX_GENERATE), default=50, help="tokens to generate (default: 50)")
    p.add_argument("--prompt", type=argtypes.text(), help='text to start from, e.g. "how much"')
    p.add_argument("--temperature", type=number(0, 1000, low_open=True), default=1.0,
                   help="<1 safer, >1 wilder (default: 1.0)")
    p.add_argument("--top-k", type=positive_int, metavar="K", help="sample only among the K most likely tokens")
    p.add_argument("--seed", type=SEED, help="random seed for sampling (default: fresh each run)")
    p.add_argument("--interact", action="store_true", help="then open a Python shell with `model` and `np`")

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
                epilog=_source_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_arguments(p)
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
    return parser


def _vectors_option(parser):
    parser.add_argument("--vectors", choices=choice.VECTORS, help=choice.VECTORS_HELP)


def main(argv=None):
    """Entry point of `tlm`; returns the exit status (callable from tests)."""
    return runner.run("tlm", build_parser, argv)
