"""The `tlm train` command: the plan the options ask for, the progress it prints, and the save,
with the finished epochs saved when it is stopped; and the text sources it reads (shared with
`tlm eval`). Part of the command (`tlm/cli.py` builds the parser and runs it); the library it
calls never prints.
"""

import argparse
import contextlib
import shlex
import sys

from edge import argtypes, files, resources, runner, signals
from edge.argtypes import integer, number
from edge.console import counted, note
from edge.errors import UserError
from tlm import corpus, journey, persistence, sampled, subsampling, training
from tlm.base import MAX_CONTEXT, LanguageModel
from tlm.counts import BYTES_PER_NGRAM, DEFAULT_ADD_K, MAX_ADD_K, MIN_ADD_K, CountModel
from tlm.evaluation import held_out, perplexity
from tlm.model import MAX_EMBEDDING_DIM, TinyLanguageModel
from tlm.optim import OPTIMIZERS
from tlm.tokenizer import TRANSFORMS, tokenize

SEED = integer(0, 2**63 - 1)
FRACTION = number(0, 1, low_open=True, high_open=True)


def source_help():
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


def sources(args):
    """The files that reading the chosen texts opens: an output must not replace one."""
    return corpus.source_files(args.filepath or (), args.gutenberg or ())


def perplexity_text(loss):
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
                line += f"  val_loss={event.val_loss:.4f}  ppl={perplexity_text(event.val_loss)}"
            print(line)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# ---- train --------------------------------------------------------------------------------------

# Options of `train` that only one kind of model uses: giving one to the other kind is a mistake.
EMBEDDING_ONLY = ("epochs", "lr", "lr_schedule", "batch_size", "optimizer", "embedding_dim", "seed", "resume",
                  "reference", "loss", "samples", "subsample", "snapshots", "snapshot_words", "threads")
COUNTS_ONLY = ("add_k",)
LOW_MEMORY = "try a smaller embedding dimension (--embedding-dim), batch size (--batch-size) or vocabulary (--min-count)"


def _check_options(args):
    """Options that do not apply to the kind of model: one line before anything is read (the plan's
    settings that cannot go together are `_plan`'s, as a resumed plan brings its own)."""
    unused = EMBEDDING_ONLY if args.kind == CountModel.kind else COUNTS_ONLY
    given = [name for name in unused if getattr(args, name) not in (None, False)]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UserError(f"a {args.kind} model does not use {options}; drop it, or choose the other --kind")
    if args.samples is not None and args.loss != "sampled" and not args.resume:
        raise UserError("--samples is the number of candidates of --loss sampled; add --loss sampled or drop it")
    if args.resume and (args.snapshots, args.snapshot_words) != (None, None):
        raise UserError("--snapshots and --snapshot-words set up a new model's journey; --resume continues the one it has")


def cmd_train(args):
    _check_options(args)
    files.check_output(args.output, inputs=sources(args), what="--output")
    with files.exclusive(args.output, "--output"):
        if args.kind == CountModel.kind:
            return _train_counts(args)
        model = _resumed_model(args) if args.resume else TinyLanguageModel(
            n=args.context_window or 2, embedding_dim=args.embedding_dim or 32, transforms=args.tokenize or [],
            seed=args.seed or 0, min_count=args.min_count or 1)
        _check_plan(args, model)
        texts = read_texts(args, model.config.transforms)
        train_texts, val_texts = split_val(texts, args.val_fraction)
        if not args.resume:
            _build(model, [w for words in train_texts for w in words])
            snapshots = journey.DEFAULT_SNAPSHOTS if args.snapshots is None else args.snapshots
            model.journey = journey.Journey(snapshots, args.snapshot_words or journey.DEFAULT_WORDS) if snapshots else None
        examples = training.examples_of(model, train_texts)
        val = _held_out_examples(model, val_texts, args.val_fraction)
        _plan(model, args, examples)
        with signals.StopRequests() as stop:
            print(_training_line(texts, train_texts, model, examples))
            return _fit_and_save(args, model, examples, val, stop)


def _build(model, words):
    """The vocabulary and initial parameters, once they are known to fit in memory."""
    V, d = len(set(words)), model.config.embedding_dim
    resources.require(4 * (2 * V * d + V) + 8 * V * d, f"a model of {V:,} words x {d} dimensions", LOW_MEMORY)
    model.build(words)


def _fit_and_save(args, model, examples, val, stop):
    """Train `model` by its plan and save it; a stop request ends training after the batch it comes
    in, and the finished epochs are saved."""
    state = model.training
    resources.require(training.memory_needed(len(model.vocab), model.config.embedding_dim, state.batch_size,
                                             len(examples), model.n, state.optimizer),
                      f"training a {model.describe()} with batch size {state.batch_size}", LOW_MEMORY)
    start = state.epochs_done
    with contextlib.closing(TrainProgress(sys.stderr)) as progress:
        try:
            training.fit(model, examples, val, callback=progress, should_stop=stop, threads=args.threads)
        except training.TrainingInterrupted as e:
            progress.close()
            return _save_interrupted(model, args, e.epochs_done - start, stop)
    if examples.skipped_tokens:
        words = examples.skipped_words
        shown = ", ".join(words[:10]) + (", ..." if len(words) > 10 else "")
        note(f"Skipped {examples.skipped_tokens} tokens ({len(words)} words) not in the model's vocabulary: {shown}")
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
        held = f"--val-fraction {fraction:g} holds out {counted(sum(map(len, val_texts)), 'token')}"
        if val.skipped_tokens:
            unknown = f"{val.skipped_tokens:,} of them {'is a word' if val.skipped_tokens == 1 else 'are words'}"
            note(f"{held}; {unknown} the training part does not have, and no context of {model.n} and its next "
                 f"token is free of them: no held-out loss")
        else:
            note(f"{held}, too few for a context of {model.n} and its next token: no held-out loss")
        return None
    return val


def _training_line(texts, train_texts, model, examples):
    """The first line of training output: texts, tokens, vocabulary, parameters (as word2vec and nanoGPT)."""
    names = texts[0][0] if len(texts) == 1 else f"{len(texts)} texts ({texts[0][0]}, ...)"
    tokens = sum(len(words) for words in train_texts)
    state = model.training
    return (f"Training on {names}: {counted(tokens, 'token')}, {counted(len(model.vocab), 'word')}{_folded(model)}, "
            f"{model.parameter_count():,} parameters (n={model.n}, d={model.config.embedding_dim}), "
            f"batch {state.batch_size}, {counted(state.epochs - state.epochs_done, 'epoch')}{_objective(model, examples)}")


def _objective(model, examples):
    """What a large text trains with: sampled softmax, and how many examples thinning keeps an epoch."""
    state = model.training
    parts = [f"sampled softmax ({state.samples:,} candidates a batch)"] if state.loss == "sampled" else []
    if state.subsample:
        kept = training.examples_per_epoch(model, examples)
        parts.append(f"{kept:,} of {len(examples):,} examples an epoch (--subsample {state.subsample:g})")
    return "; " + ", ".join(parts) if parts else ""


def _folded(model):
    folded = model.vocabulary.folded
    return f" incl. <unk> for {len(folded):,} rare words" if folded else ""


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


def _plan_settings(args):
    """The plan settings given on the command line (None: not given), by `TrainingState`'s names."""
    return {"lr": args.lr, "optimizer": args.optimizer, "schedule": args.lr_schedule, "batch_size": args.batch_size,
            "engine": "reference" if args.reference else None, "loss": args.loss, "samples": args.samples,
            "subsample": args.subsample}


def _chosen(settings, previous):
    """The settings of a new plan: those given, else (resuming) the previous plan's."""
    return {name: getattr(previous, name) if given is None and previous else given for name, given in settings.items()}


def _check_plan(args, model):
    """Settings that cannot go together, as given or brought by the plan resumed."""
    chosen = _chosen(_plan_settings(args), model.training if args.resume else None)
    if chosen["engine"] != "reference":
        return
    if chosen["optimizer"] not in (None, "sgd") or chosen["batch_size"] not in (None, 1):
        raise UserError("the reference loop is plain per-example SGD: use it with the sgd optimizer and batch size 1")
    if chosen["loss"] == "sampled":
        raise UserError("the reference loop trains the full softmax, not the sampled loss")
    if chosen["subsample"]:
        raise UserError("the reference loop is the lab's: every example, every epoch; drop --subsample")


def _plan(model, args, examples):
    """Start the plan the arguments ask for, or (--resume without --epochs) finish the saved one; says which."""
    old, settings = model.training, _plan_settings(args)
    if args.resume and args.epochs is None and not old.finished:
        return _finish_plan(args, old, settings, examples)
    previous = old if args.resume else None
    chosen = _chosen(settings, previous)
    epochs = args.epochs or training.DEFAULTS.epochs
    training.new_plan(model, examples, epochs=epochs, **{k: v for k, v in chosen.items() if v is not None})
    if previous:
        state = model.training
        before = ("its previous plan was finished" if previous.finished else
                  f"replacing its unfinished plan at epoch {previous.epochs_done} of {previous.epochs}")
        decay = "decaying linearly to 0 over them" if state.schedule == "linear" else "constant"
        note(f"Resuming {args.output} with a new plan: {counted(epochs, 'more epoch')}, {state.optimizer} at lr "
             f"{state.lr:g} {decay}, {state.loss} softmax ({before}; {counted(previous.epochs_trained, 'epoch')} "
             f"trained so far)")


def _finish_plan(args, old, settings, examples):
    """--resume without --epochs: the saved plan goes on exactly as it was, on the same text."""
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
    model = CountModel(n=args.context_window or 2, add_k=args.add_k or DEFAULT_ADD_K, transforms=args.tokenize or [],
                       min_count=args.min_count or 1)
    texts = read_texts(args, model.config.transforms)
    train_texts, val_texts = split_val(texts, args.val_fraction)
    tokens = sum(map(len, train_texts))
    resources.require(BYTES_PER_NGRAM * (model.n + 1) * tokens, f"counting {tokens:,} tokens with n={model.n}",
                      "try a smaller context window (--context-window) or a shorter text")
    model.train(train_texts)
    line = (f"Counted {counted(tokens, 'token')}: {counted(len(model.vocab), 'word')}{_folded(model)}, "
            f"{sum(map(len, model.tables[1:])):,} distinct contexts of 1 to {model.n} tokens")
    if _held_out_examples(model, val_texts, args.val_fraction):
        result = held_out(model, val_texts)
        model.history["val_loss"].append(result.loss)
        line += f"  val_loss={result.loss:.4f}  ppl={perplexity_text(result.loss)}"
    print(line)
    with signals.StopRequests() as stop:  # counting is quick to redo; a save is not cut in half
        return _save(model, args.output, stop)


def add_parser(command):
    """The `train` subcommand and its options (`command` adds a subcommand, as `tlm.cli` does)."""
    plan = training.DEFAULTS
    p = command("train", cmd_train, "train a model on a text", model=False, epilog=source_help(),
                formatter_class=argparse.RawDescriptionHelpFormatter,
                description="Train on files, Gutenberg texts, or (with neither) the built-in chuck.txt.")
    add_source_arguments(p)
    p.add_argument("--epochs", type=integer(1, training.MAX_EPOCHS),
                   help=f"passes over the text (default: {plan.epochs}; with --resume: finish the saved "
                        f"plan, or K more epochs as a new plan)")
    p.add_argument("--lr", type=number(0, training.MAX_LR, low_open=True), help=f"learning rate (default: {plan.lr})")
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
    p.add_argument("--optimizer", choices=list(OPTIMIZERS), help=f"update rule (default: {plan.optimizer})")
    p.add_argument("--lr-schedule", choices=training.SCHEDULES,
                   help=f"linear decay to zero over the plan, or constant (default: {plan.schedule})")
    p.add_argument("--loss", choices=training.LOSSES,
                   help=f"training objective: full softmax, or sampled softmax for large vocabularies (default: full up "
                        f"to {training.MAX_FULL_SOFTMAX_WORDS:,} words, sampled above); "
                        "the model and its evaluation are always the full softmax")
    p.add_argument("--samples", type=integer(1, 2**31 - 1), metavar="K",
                   help=f"--loss sampled: candidate words drawn per batch (default: {sampled.DEFAULT_SAMPLES}, at most the "
                        "vocabulary)")
    p.add_argument("--subsample", type=number(0, 1, high_open=True), metavar="T",
                   help="thin frequent next words: an example whose target is a share f of the text is kept for an "
                        "epoch with probability sqrt(T/f) + T/f, and training adds log of it to the logit (default: "
                        f"{subsampling.DEFAULT_THRESHOLD:g} with the sampled loss above {training.MAX_FULL_SOFTMAX_WORDS:,} words, "
                        "else 0: every example)")
    p.add_argument("--threads", type=integer(1, 1024), metavar="N",
                   help="BLAS threads (default: chosen by measuring steps as training runs, 1 or all)")
    p.add_argument("--reference", action="store_true",
                   help="use the lab's per-example loop (model._step) instead of the fast batched path; slow")
    p.add_argument("--kind", choices=list(LanguageModel.kinds), default=TinyLanguageModel.kind,
                   help="embedding = the TinyLM; counts = n-gram counts with add-k smoothing (default: embedding)")
    p.add_argument("--add-k", type=number(MIN_ADD_K, MAX_ADD_K), metavar="K",
                   help=f"count model's smoothing constant (default: {DEFAULT_ADD_K})")
    p.add_argument("--snapshots", type=integer(0, journey.MAX_SNAPSHOTS), metavar="N",
                   help=f"snapshots of the vectors kept during training, for `tlm journey` (default: "
                        f"{journey.DEFAULT_SNAPSHOTS}; 0: none)")
    p.add_argument("--snapshot-words", type=integer(2, journey.MAX_WORDS), metavar="K",
                   help=f"the snapshots keep the K most frequent words (default: {journey.DEFAULT_WORDS})")
