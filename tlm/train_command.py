"""The `tlm train` command: its options, the progress it prints, and the save, with the finished
epochs saved when it is stopped; and the text sources it reads (shared with `tlm eval`). Part of
the command (`tlm/cli.py` builds the parser and runs it); what a run starts from is `tlm.plans`',
which never prints.
"""

import argparse
import contextlib
import shlex
import signal

from edge import argtypes, console, files, runner, signals
from edge.argtypes import integer, number
from edge.console import counted, note
from edge.errors import UserError
from tlm import corpus, journey, persistence, plans, sampled, subsampling, training
from tlm.base import MAX_CONTEXT, LanguageModel
from tlm.counts import DEFAULT_ADD_K, MAX_ADD_K, MIN_ADD_K, CountModel
from tlm.evaluation import perplexity_text
from tlm.model import MAX_EMBEDDING_DIM, TinyLanguageModel
from tlm.optim import OPTIMIZERS
from tlm.tokenizer import TRANSFORMS

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
    return corpus.tokenized(args.filepath or (), args.gutenberg or (), transforms)


class TrainProgress:
    """Turns training events into output: the epoch lines on stdout, each epoch's live bar on a terminal."""

    def __init__(self):
        self.bar = contextlib.ExitStack()
        self.update = None

    def __call__(self, event):
        if isinstance(event, training.Progress):
            if self.update is None:
                bar = console.progress_bar(f"Epoch {event.epoch}/{event.epochs}", unit=" words")
                self.update = self.bar.enter_context(bar)
            self.update(event.done, event.total, loss=f"{event.loss:.4f}")
        elif isinstance(event, training.EpochEnd):
            self.close()
            line = f"Epoch {event.epoch}/{event.epochs}  loss={event.loss:.4f}"
            if event.val_loss is not None:
                line += f"  val_loss={event.val_loss:.4f}  ppl={perplexity_text(event.val_loss)}"
            print(line)

    def close(self):
        self.bar.close()
        self.update = None


# ---- train --------------------------------------------------------------------------------------

# Options of `train` that only one kind of model uses: giving one to the other kind is a mistake.
EMBEDDING_ONLY = ("epochs", "lr", "lr_schedule", "batch_size", "optimizer", "embedding_dim", "seed", "resume",
                  "reference", "loss", "samples", "subsample", "snapshots", "snapshot_words", "threads")
COUNTS_ONLY = ("add_k",)


def _check_options(args):
    """Options that do not apply to the kind of model: one line before anything is read (the plan's
    settings that cannot go together are `plans.check`'s, as a resumed plan brings its own)."""
    unused = EMBEDDING_ONLY if args.kind == CountModel.kind else COUNTS_ONLY
    given = [name for name in unused if getattr(args, name) not in (None, False)]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UserError(f"a {args.kind} model does not use {options}; drop it, or choose the other --kind")
    if args.resume and (args.snapshots, args.snapshot_words) != (None, None):
        raise UserError("--snapshots and --snapshot-words set up a new model's journey; --resume continues the one it has")


def _settings(args):
    """The model's and the plan's settings given on the command line (None: not given)."""
    config = {"n": args.context_window, "embedding_dim": args.embedding_dim, "transforms": args.tokenize,
              "min_count": args.min_count, "seed": args.seed}
    plan = {"lr": args.lr, "optimizer": args.optimizer, "schedule": args.lr_schedule, "batch_size": args.batch_size,
            "engine": "reference" if args.reference else None, "loss": args.loss, "samples": args.samples,
            "subsample": args.subsample}
    return config, plan


def cmd_train(args):
    _check_options(args)
    files.check_output(args.output, inputs=corpus.source_files(args.filepath or (), args.gutenberg or ()),
                       what="--output")
    with files.exclusive(args.output, "--output"):
        if args.kind == CountModel.kind:
            return _train_counts(args)
        config, settings = _settings(args)
        resumed = args.output if args.resume else None  # the file a resumed run continues
        model = plans.model(config, resume=resumed)
        plans.check(settings, model.training if args.resume else None)
        texts = read_texts(args, model.config.transforms)
        train_texts, val_texts = corpus.split_held_out(texts, args.val_fraction)
        if not args.resume:
            plans.build(model, [w for words in train_texts for w in words], args.snapshots, args.snapshot_words)
        examples = training.examples_of(model, train_texts)
        val, why = plans.held_out(model, val_texts, args.val_fraction)
        console.notes([why, plans.start(model, examples, settings, args.epochs, resumed=resumed)])
        with signals.StopRequests() as stop:
            print(plans.summary(texts, train_texts, model, examples))
            return _fit_and_save(args, model, examples, val, stop)


def _fit_and_save(args, model, examples, val, stop):
    """Train `model` by its plan and save it; a stop request ends training after the batch it comes
    in, and the finished epochs are saved."""
    plans.require_memory(model, examples)
    start = model.training.epochs_done
    with contextlib.closing(TrainProgress()) as progress:
        try:
            training.fit(model, examples, val, callback=progress, should_stop=stop, threads=args.threads)
        except training.TrainingInterrupted as e:
            progress.close()
            return _save_interrupted(model, args, e.epochs_done - start, stop)
        except training.DivergedError as e:  # the model is back at its last complete epoch
            _save_diverged(model, args, model.training.epochs_done - start, e)
    console.notes([plans.skipped(examples)])
    return _save(model, args.output, stop)


def _save_diverged(model, args, epochs_done, error):
    """Raise the divergence `error` again, having saved the epochs this run completed, if any, unless they
    already hold weights or losses past what a model file may (a file that would not load must not
    replace the old one)."""
    if not epochs_done:
        raise error
    text = persistence.to_json(model)
    try:
        persistence.from_json(text.encode("utf-8"), args.output)
    except persistence.ModelFileError:
        raise error from None
    files.atomic_write(args.output, text)
    raise training.DivergedError(f"{error}; saved the {counted(epochs_done, 'complete epoch')} before it to "
                                 f"{args.output}") from None


def _save(model, output, stop):
    """Save the finished model; a Ctrl-C during the save (recorded by `stop`) waits for it."""
    persistence.save(model, output)
    print(f"Model saved to {output}")
    if stop.received:
        note("Interrupted while saving: the save was completed first")
        return signals.EXIT_STATUS[stop.received]
    return runner.EXIT_OK


def _save_interrupted(model, args, epochs_done, stop):
    """After a stop request: save the epochs this run completed (if any); the exit status says which signal."""
    status = signals.EXIT_STATUS[stop.received or signal.SIGINT]  # none recorded: a KeyboardInterrupt in the loop
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
    train_texts, val_texts = corpus.split_held_out(read_texts(args, model.config.transforms), args.val_fraction)
    line, why = plans.count(model, train_texts, val_texts, args.val_fraction)
    console.notes([why])
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
