"""What a training run starts from, resolved and checked before any epoch runs: the model (new, or
resumed with the settings it was made with), its plan (new, or the saved one finished exactly),
the held-out examples, and whether the memory it needs is there; and the lines that say so.

Settings arrive as `TrainingState`'s and `ModelConfig`'s names, None where not given. Notes for
the user are returned, not printed. Leaves out the epoch loop (`tlm.training`), reading texts
(`tlm.corpus`) and the command line.
"""

from edge import resources
from edge.console import counted
from edge.errors import UserError
from tlm import journey, persistence, training
from tlm.counts import BYTES_PER_NGRAM
from tlm.evaluation import held_out as held_out_loss
from tlm.evaluation import perplexity_text
from tlm.model import TinyLanguageModel

LOW_MEMORY = ("try a smaller embedding dimension (--embedding-dim), batch size (--batch-size) or vocabulary "
              "(--min-count)")
# The model settings a resumed model must keep, by the option that sets each.
KEPT = {"n": "--context-window", "embedding_dim": "--embedding-dim", "transforms": "-t", "min_count": "--min-count",
        "seed": "--seed"}


def model(config, resume=None):
    """A new TinyLM with the `config` settings given, the others defaults; or (`resume`, a model
    file) the model saved there, refused unless it trains by gradient descent and has every setting given."""
    given = {name: value for name, value in config.items() if value is not None}
    if resume is None:
        return TinyLanguageModel(**given)
    saved = persistence.load(resume)
    if not saved.trainable:
        raise UserError(f"--resume continues a model trained by gradient descent; {resume} is a {saved.kind} model")
    for name, value in given.items():
        stored = getattr(saved.config, name)
        if value != stored:
            shown = (" ".join(stored) or "none") if isinstance(stored, list) else stored
            raise UserError(f"--resume continues {resume}, which has {KEPT[name]} {shown}; drop {KEPT[name]} or start "
                            f"afresh")
    return saved


def _chosen(settings, previous):
    """The settings of a new plan: those given, else (resuming) the previous plan's; its number of
    candidates only where the new plan trains sampled softmax too (--loss full on a sampled model)."""
    chosen = {name: getattr(previous, name) if given is None and previous else given for name, given in settings.items()}
    if settings["samples"] is None and chosen["loss"] != "sampled":
        chosen["samples"] = None
    return chosen


def check(settings, previous=None):
    """Refuse plan settings that cannot go together, as given or brought by the `previous` plan resumed."""
    chosen = _chosen(settings, previous)
    if chosen["engine"] != "reference":
        return
    if chosen["optimizer"] not in (None, "sgd") or chosen["batch_size"] not in (None, 1):
        raise UserError("the reference loop is plain per-example SGD: use it with the sgd optimizer and batch size 1")
    if chosen["loss"] == "sampled":
        raise UserError("the reference loop trains the full softmax, not the sampled loss")
    if chosen["subsample"]:
        raise UserError("the reference loop is the lab's: every example, every epoch; drop --subsample")


def build(model, words, snapshots=None, snapshot_words=None):
    """The new model's vocabulary and initial parameters, once they are known to fit in memory, and
    its journey (`snapshots` None: the default number; 0: none)."""
    V, d = len(set(words)), model.config.embedding_dim
    resources.require(4 * (2 * V * d + V) + 8 * V * d, f"a model of {V:,} words x {d} dimensions", LOW_MEMORY)
    model.build(words)
    snapshots = journey.DEFAULT_SNAPSHOTS if snapshots is None else snapshots
    model.journey = journey.Journey(snapshots, snapshot_words or journey.DEFAULT_WORDS) if snapshots else None


def held_out(model, val_texts, fraction):
    """(the held-out examples, None) or, when --val-fraction leaves too few tokens for one, (None,
    the note that says so); (None, None) without a held-out part."""
    if not val_texts:
        return None, None
    val = training.examples_of(model, val_texts, required=False)
    if len(val):
        return val, None
    held = f"--val-fraction {fraction:g} holds out {counted(sum(map(len, val_texts)), 'token')}"
    if val.skipped_tokens:
        unknown = f"{val.skipped_tokens:,} of them {'is a word' if val.skipped_tokens == 1 else 'are words'}"
        return None, (f"{held}; {unknown} the training part does not have, and no context of {model.n} and its "
                      f"next token is free of them: no held-out loss")
    return None, f"{held}, too few for a context of {model.n} and its next token: no held-out loss"


def start(model, examples, settings, epochs=None, resumed=None):
    """Start the plan the settings ask for on `examples`, or (a model `resumed` from that file,
    without `epochs`) finish its saved plan exactly; returns the note that says which, or None."""
    old = model.training
    if resumed and epochs is None and not old.finished:
        return _finish(model, settings, examples, resumed)
    previous = old if resumed else None
    epochs = epochs or training.DEFAULTS.epochs
    training.new_plan(model, examples, epochs=epochs,
                      **{k: v for k, v in _chosen(settings, previous).items() if v is not None})
    if not previous:
        return None
    state = model.training
    before = ("its previous plan was finished" if previous.finished else
              f"replacing its unfinished plan at epoch {previous.epochs_done} of {previous.epochs}")
    decay = "decaying linearly to 0 over them" if state.schedule == "linear" else "constant"
    return (f"Resuming {resumed} with a new plan: {counted(epochs, 'more epoch')}, {state.optimizer} at lr "
            f"{state.lr:g} {decay}, {state.loss} softmax ({before}; {counted(previous.epochs_trained, 'epoch')} "
            f"trained so far)")


def _finish(model, settings, examples, path):
    """The saved plan goes on exactly as it was, on the same text."""
    old = model.training
    kept = {"samples": len(model.vocab), "batch_size": len(examples)}  # larger values were trained as these
    for name, given in settings.items():
        if given is not None and min(given, kept.get(name, given)) != getattr(old, name):
            raise UserError(f"--resume finishes the plan of {path}, which has {name} {getattr(old, name)}; "
                            f"drop the option to finish it exactly, or give --epochs K for a new plan of K epochs")
    if old.text and old.text != examples.fingerprint():
        raise UserError(f"--resume finishes the plan of {path} exactly, but this text differs from the one "
                        f"it started on; give the same sources, transforms and --val-fraction, or --epochs K "
                        f"for a new plan of K epochs on this text")
    return (f"Resuming {path}: finishing its plan, epochs {old.epochs_done + 1}-{old.epochs} of {old.epochs} "
            f"(lr {old.lr:g}, {old.schedule} schedule at step {old.step})")


def require_memory(model, examples):
    """Refuse a plan whose training would take more memory than there is."""
    state = model.training
    resources.require(training.memory_needed(len(model.vocab), model.config.embedding_dim, state.batch_size,
                                             len(examples), model.n, state.optimizer),
                      f"training a {model.describe()} with batch size {state.batch_size}", LOW_MEMORY)


def summary(texts, train_texts, model, examples):
    """The first line of training output: texts, tokens, vocabulary, parameters (as word2vec and
    nanoGPT), and what a large text trains with."""
    names = texts[0][0] if len(texts) == 1 else f"{len(texts)} texts ({texts[0][0]}, ...)"
    tokens = sum(len(words) for words in train_texts)
    state = model.training
    return (f"Training on {names}: {counted(tokens, 'token')}, {counted(len(model.vocab), 'word')}{_folded(model)}, "
            f"{model.parameter_count():,} parameters (n={model.n}, d={model.config.embedding_dim}), "
            f"batch {state.batch_size}, {counted(state.epochs - state.epochs_done, 'epoch')}"
            f"{_objective(model, examples)}")


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


def skipped(examples):
    """The note naming the tokens training left out (outside a vocabulary without <unk>), or None."""
    if not examples.skipped_tokens:
        return None
    words = examples.skipped_words
    shown = ", ".join(words[:10]) + (", ..." if len(words) > 10 else "")
    return f"Skipped {examples.skipped_tokens} tokens ({len(words)} words) not in the model's vocabulary: {shown}"


def count(model, train_texts, val_texts, fraction):
    """Count `train_texts` into a `CountModel` once the tables are known to fit in memory, with the
    held-out loss of `val_texts`; returns the line that says what was counted and a note (or None)
    saying why there is no held-out loss."""
    tokens = sum(map(len, train_texts))
    resources.require(BYTES_PER_NGRAM * (model.n + 1) * tokens, f"counting {tokens:,} tokens with n={model.n}",
                      "try a smaller context window (--context-window) or a shorter text")
    model.train(train_texts)
    line = (f"Counted {counted(tokens, 'token')}: {counted(len(model.vocab), 'word')}{_folded(model)}, "
            f"{sum(map(len, model.tables[1:])):,} distinct contexts of 1 to {model.n} tokens")
    val, why = held_out(model, val_texts, fraction)
    if val:
        result = held_out_loss(model, val_texts)
        model.history["val_loss"].append(result.loss)
        line += f"  val_loss={result.loss:.4f}  ppl={perplexity_text(result.loss)}"
    return line, why
