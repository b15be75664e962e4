"""The same model, ten times the text: TinyLM on NLTK's whole Gutenberg selection, with the full
softmax and with sampled softmax, beside gensim's Word2Vec (CBOW and skip-gram) trained on the same
tokens, side by side in one run (--gutenberg all -t lower -t alpha --min-count 3, n=2, d=32, the
last 5% of each text held out).

Prints three tables:

- speed: for each tlm engine, the floor measured just before it (this machine's GEMM GFLOP/s and
  exp ns/element -> the least time a full-softmax epoch can take), seconds per epoch and the ratio
  to that floor, held-out loss (always the exact full softmax) after each epoch, the training time
  to reach the held-out loss the full softmax reaches after one epoch, and peak memory (each engine
  runs in its own process, whose peak RSS is read when it ends);
- quality: Spearman on WordSim353 and SimLex-999 (pairs every model has) and agreement with GloVe
  50d (Spearman of cosines over all pairs of the 2,000 most frequent shared words), for tlm's rows
  of E, Word2Vec CBOW and skip-gram (same d, window, min_count, epochs), with nearest neighbours;
- file: the Gutenberg-all model's size and load time as a version-2 file, and as version 1 would be.

    uv run python bench/scale.py                    # everything: about 20 minutes on 2 cores
    uv run python bench/scale.py --samples 1024 --samples 256 --samples 4096   # the run in docs/benchmarks.md
    uv run python bench/scale.py --part speed       # or quality, file (repeatable)
    uv run python bench/scale.py --quick            # 3 texts, 2 epochs: a few minutes

The models go to --workdir (default bench/.scale/); a later --part quality or file reuses them.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clock import TrainingClock  # noqa: E402
from train_speed import measure_floor  # noqa: E402

from tlm import corpus, persistence, sampled, training  # noqa: E402
from tlm.model import TinyLanguageModel  # noqa: E402
from tlm.vocabulary import UNK  # noqa: E402

HERE = Path(__file__).resolve().parent
TRANSFORMS = ["lower", "alpha"]
N, DIM, MIN_COUNT, VAL_FRACTION, SEED = 2, 32, 3, 0.05, 0
QUICK_TEXTS = ["austen-persuasion.txt", "carroll-alice.txt", "chesterton-thursday.txt"]
SENTENCE = 10_000  # gensim's Word2Vec reads at most 10,000 tokens per sentence
CHECKPOINTS = {"full": 1, "sampled": 10}  # held-out evaluations per epoch (excluded from the clock)
NEIGHBOUR_WORDS = ["king", "water", "love", "ship", "god", "she", "said", "night"]


def load_texts(quick):
    """(training token lists, held-out token lists): the last 5% of each text held out."""
    texts = corpus.tokenized((), QUICK_TEXTS if quick else [corpus.ALL_GUTENBERG], TRANSFORMS)
    return corpus.split_held_out(texts, VAL_FRACTION)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# ---- engines, each in its own process -----------------------------------------------------------

def run_tlm(loss, epochs, quick, workdir, samples=None, lr=training.DEFAULTS.lr, stop_after=None):
    """Train one tlm model with held-out checkpoints (a plan of `epochs`, stopped after `stop_after`
    if given); save it; return the result dict."""
    train, val = load_texts(quick)
    model = TinyLanguageModel(n=N, embedding_dim=DIM, transforms=TRANSFORMS, seed=SEED, min_count=MIN_COUNT)
    model.build([w for words in train for w in words])
    examples = training.examples_of(model, train)
    held = training.examples_of(model, val, required=False)
    training.new_plan(model, examples, epochs=epochs, lr=lr, loss=loss, samples=samples)
    load_average = os.getloadavg()[0]  # other jobs on this machine slow every engine: say how busy it was
    gflops, exp_ns, floor = measure_floor(len(model.vocab), DIM, len(examples))
    clock, ends = TrainingClock(), []
    every = max(1, len(examples) // CHECKPOINTS[loss])
    mark = {"next": every}

    def val_loss():
        return model.mean_loss(held.contexts, held.targets)

    def on_event(event):
        if isinstance(event, training.Progress) and event.done >= mark["next"] and event.done < event.total:
            clock.checkpoint(val_loss)
            mark["next"] += every
        elif isinstance(event, training.EpochEnd):
            seconds = clock.elapsed() - (ends[-1]["end"] if ends else 0.0)
            ends.append({"seconds": seconds, "end": clock.elapsed(), "loss": event.loss,
                         "val_loss": clock.checkpoint(val_loss)})
            mark["next"] = every
            print(f"  {loss:8} epoch {event.epoch}: {seconds:6.1f} s  loss={event.loss:.4f}  "
                  f"val_loss={ends[-1]['val_loss']:.4f}", file=sys.stderr, flush=True)

    try:
        training.fit(model, examples, callback=on_event,
                     should_stop=lambda: stop_after is not None and model.training.epochs_done >= stop_after)
    except training.TrainingInterrupted:  # the model holds its complete epochs: what was asked
        pass
    persistence.save(model, model_path(workdir, loss, model.training.samples))
    return {"engine": loss, "examples": len(examples), "val_examples": len(held), "V": len(model.vocab),
            "parameters": model.parameter_count(), "texts": len(train), "tokens": sum(map(len, train)),
            "batch_size": model.training.batch_size, "samples": model.training.samples, "lr": lr,
            "gflops": gflops, "exp_ns": exp_ns, "floor": floor, "epochs": ends, "points": clock.points,
            "rss_mb": peak_rss_mb(), "load": load_average}


def model_path(workdir, loss, samples):
    return workdir / (f"tlm-sampled-{samples}.json" if loss == "sampled" else "tlm-full.json")


def run_word2vec(sg, epochs, quick, workdir):
    """gensim's Word2Vec on the same training tokens, sentences of at most 10,000 tokens per text."""
    from gensim.models import Word2Vec

    train, _ = load_texts(quick)
    sentences = [words[i:i + SENTENCE] for words in train for i in range(0, len(words), SENTENCE)]
    start = time.perf_counter()
    model = Word2Vec(sentences, vector_size=DIM, window=N, min_count=MIN_COUNT, epochs=epochs, sg=sg, workers=2,
                     seed=SEED)
    seconds = time.perf_counter() - start
    name = "skipgram" if sg else "cbow"
    model.wv.save_word2vec_format(str(workdir / f"w2v-{name}.txt"))
    return {"engine": name, "seconds": seconds, "rss_mb": peak_rss_mb()}


def engine_main(args):
    """The child process: run one engine and print its result as the last line of JSON."""
    workdir = Path(args.workdir)
    if args.engine in ("full", "sampled"):
        full = args.engine == "full"
        result = run_tlm(args.engine, args.epochs, args.quick, workdir, samples=args.samples[0],
                         lr=training.DEFAULTS.lr if full else args.lr, stop_after=args.full_epochs if full else None)
    else:
        result = run_word2vec(args.engine == "skipgram", args.epochs, args.quick, workdir)
    print(json.dumps(result))


def spawn(engine, args, samples=None):
    """Run an engine in a fresh process (its own peak RSS); returns its result dict."""
    argv = [sys.executable, __file__, "--engine", engine, "--epochs", str(args.epochs), "--workdir", str(args.workdir),
            f"--full-epochs={args.full_epochs}", f"--samples={samples or args.samples[0]}", f"--lr={args.lr}"]
    argv += ["--quick"] * args.quick
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(args.blas_threads)}
    proc = subprocess.run(argv, stdout=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"the {engine} engine failed (exit {proc.returncode})")
    return json.loads(proc.stdout.splitlines()[-1])


# ---- the parts ----------------------------------------------------------------------------------

def speed(args):
    runs = [spawn("full", args)] + [spawn("sampled", args, samples) for samples in args.samples]
    (args.workdir / "speed.json").write_text(json.dumps(runs))
    full = runs[0]
    target = full["epochs"][0]["val_loss"]
    full_time = full["epochs"][0]["end"]
    print(f"\n{full['texts']} texts, {full['tokens']:,} training tokens ({full['examples']:,} examples, "
          f"{full['val_examples']:,} held out), V={full['V']:,} incl. <unk>, {full['parameters']:,} parameters, "
          f"n={N}, d={DIM}\n")
    print(f"target: the full softmax's held-out loss after one epoch = {target:.4f} ({full_time:.1f} s of training)\n")
    print("| engine | batch | floor GFLOP/s, exp ns | floor s/epoch | s/epoch | x floor | held-out loss per epoch "
          f"| time to {target:.4f} | speed-up (raw, floor-adjusted) | peak RSS | load |")
    print("|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|")
    for run in runs:
        per_epoch = float(np.median([e["seconds"] for e in run["epochs"]]))
        reached = next((t for t, loss in run["points"] if loss <= target + 1e-9), None)
        name = "full softmax" if run["engine"] == "full" else f"sampled, S={run['samples']}, lr={run['lr']:g}"
        speedup = "-"
        if reached:
            raw = full_time / reached
            adjusted = (full_time / full["floor"]) / (reached / run["floor"])
            speedup = f"{raw:.1f}x, {adjusted:.1f}x"
        losses = " ".join(f"{e['val_loss']:.3f}" for e in run["epochs"])
        print(f"| {name} | {run['batch_size']} | {run['gflops']:.0f}, {run['exp_ns']:.2f} | {run['floor']:.1f} | "
              f"{per_epoch:.1f} | {per_epoch / run['floor']:.2f} | {losses} | "
              f"{f'{reached:.1f} s' if reached else 'not reached'} | {speedup} | {run['rss_mb']:,.0f} MB | {run['load']:.1f} |")
    print("\nThe floor counts 6dV flops and V exps per example at the GEMM and exp speeds measured just before "
          "each engine; sampled softmax does far less work per example, so its 'x floor' is below 1. The "
          "floor-adjusted speed-up divides each engine's time by its own floor (the machine's speed drifts); "
          "load is the 1-minute load average as the engine started (2 cores).")


def quality(args):
    from vectors import benchmarks
    from vectors.word_vectors import WordVectors
    from wp import models as wp_models

    tlm_models = {"full": model_path(args.workdir, "full", None),
                  "sampled": model_path(args.workdir, "sampled", args.samples[0])}
    for name, path in tlm_models.items():
        if not path.exists():
            spawn(name, args, args.samples[0])
    w2v = [spawn("cbow", args), spawn("skipgram", args)]
    train, _ = load_texts(args.quick)
    frequent = [w for w, _ in Counter(w for words in train for w in words).most_common()]
    rows = []
    for name, path in tlm_models.items():
        lm = persistence.load(path)
        kind = "full softmax" if name == "full" else f"sampled softmax S={lm.training.samples}"
        label = f"tlm rows of E, {kind} ({lm.training.epochs_done} of {lm.training.epochs} ep)"
        rows.append((label, lm.word_vectors(), None))
    for result in w2v:
        words, vectors = wp_models.read_text_vectors(args.workdir / f"w2v-{result['engine']}.txt", has_header=True)
        label = f"Word2Vec {'CBOW' if result['engine'] == 'cbow' else 'skip-gram'} ({args.epochs} ep)"
        rows.append((label, WordVectors(words, vectors), result["seconds"]))
    glove = wp_models.load(wp_models.OFFLINE_MODEL).vectors
    common = {name: set.intersection(*(benchmarks.covered_pairs(wv, name) for _, wv, _ in rows))
              for name in benchmarks.PAIR_SETS}
    shared = [w for w in frequent if w != UNK and w in glove.index and all(w in wv.index for _, wv, _ in rows)]
    print(f"\n| vectors | WordSim353 ρ ({len(common['WordSim353'])} pairs) | SimLex-999 ρ "
          f"({len(common['SimLex-999'])} pairs) | agreement with GloVe 50d | train s |")
    print("|---|---:|---:|---:|---:|")
    for label, wv, seconds in rows + [("GloVe 50d (reference: 6B tokens)", glove, None)]:
        rho = {name: benchmarks.word_pairs(wv, name, only=common[name]).spearman for name in benchmarks.PAIR_SETS}
        agree = benchmarks.agreement(wv, glove, shared)
        print(f"| {label} | {rho['WordSim353']:.3f} | {rho['SimLex-999']:.3f} | {agree.spearman:.3f} | "
              f"{f'{seconds:.0f}' if seconds else '-'} |")
    print(f"\nAgreement: Spearman of cosines over all pairs of the {min(len(shared), benchmarks.AGREEMENT_WORDS):,} "
          f"most frequent training words every model and GloVe have.\n")
    for label, wv, _ in rows[:3]:
        print(f"Nearest neighbours, {label}:")
        for word in NEIGHBOUR_WORDS:
            if word in wv.index:
                print(f"  {word}: " + ", ".join(w for w, _ in wv.most_similar([word], topn=6)))


def file_sizes(args):
    path = model_path(args.workdir, "full", None)
    if not path.exists():
        spawn("full", args)
    model = persistence.load(path)
    v2_seconds = median_seconds(lambda: persistence.load(path))
    doc = {"format": persistence.FORMAT, "version": 1, "kind": "embedding",
           "config": {"n": model.n, "embedding_dim": model.config.embedding_dim,
                      "transforms": model.config.transforms, "seed": model.config.seed, "lr": model.training.lr,
                      "batch_size": model.training.batch_size, "optimizer": model.training.optimizer,
                      "schedule": model.training.schedule, "epochs_trained": model.training.epochs_trained},
           "vocab": model.vocab, "word_counts": model.word_counts.tolist(),
           "E": model.E.tolist(), "W": model.W.tolist(), "b": model.b.tolist(), "history": model.history}
    with tempfile.TemporaryDirectory() as tmp:
        v1 = Path(tmp) / "v1.json"
        v1.write_text(json.dumps(doc))
        v1_bytes = v1.stat().st_size
        v1_seconds = median_seconds(lambda: persistence.load(v1))
    v2_bytes = path.stat().st_size
    print(f"\n| {'the 3 quick texts' if args.quick else 'Gutenberg-all'} model (V={len(model.vocab):,}, "
          f"d={model.config.embedding_dim}) | size | load |")
    print("|---|---:|---:|")
    print(f"| version 2 (base64 float32) | {v2_bytes / 1e6:.1f} MB | {v2_seconds:.2f} s |")
    print(f"| version 1 (nested lists) | {v1_bytes / 1e6:.1f} MB | {v1_seconds:.2f} s |")
    print(f"\nversion 2 is {v1_bytes / v2_bytes:.1f}x smaller and loads {v1_seconds / v2_seconds:.1f}x faster")


def median_seconds(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", action="append", choices=["speed", "quality", "file"],
                        help="what to measure (repeatable; default: all three)")
    parser.add_argument("--epochs", type=int, default=training.DEFAULTS.epochs, help="epochs of every model's plan")
    parser.add_argument("--full-epochs", type=int, default=2,
                        help="the full softmax's plan is stopped after this many epochs (the target is its first)")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="OPENBLAS_NUM_THREADS of every engine and its floor (docs/benchmarks.md: on a shared machine two "
                             "threads spin against other jobs)")
    parser.add_argument("--samples", type=int, action="append",
                        help=f"sampled softmax's candidates per batch (repeatable: one run each; the first is "
                             f"compared for quality; default: tlm's {sampled.DEFAULT_SAMPLES})")
    parser.add_argument("--lr", type=float, default=training.DEFAULTS.lr,
                        help=f"sampled softmax's learning rate (default: tlm's {training.DEFAULTS.lr})")
    parser.add_argument("--quick", action="store_true", help=f"{len(QUICK_TEXTS)} texts, 2 epochs")
    parser.add_argument("--workdir", type=Path, default=HERE / ".scale", help="where the models go")
    parser.add_argument("--engine", choices=["full", "sampled", "cbow", "skipgram"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.samples = args.samples or [sampled.DEFAULT_SAMPLES]
    if args.quick and "--epochs" not in (argv or sys.argv):
        args.epochs = 2
    os.environ.setdefault("NLTK_DATA", str(HERE.parent.parent / "shared" / "nltk_data"))
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.engine:
        return engine_main(args)
    for part in args.part or ["speed", "quality", "file"]:
        {"speed": speed, "quality": quality, "file": file_sizes}[part](args)


if __name__ == "__main__":
    main()
