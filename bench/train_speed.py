"""How fast does TinyLM train? The lab's per-example loop, the batched fast path and PyTorch-CPU,
side by side in one run, on Emma (-t lower -t alpha, n=2, d=32, the last 10% held out).

Prints: the floor (this machine's measured GEMM GFLOP/s and exp ns/element -> the least time an
epoch can take), then for every engine seconds per epoch, words/s, held-out loss after each epoch,
the time to reach the per-example loop's best held-out loss, and the ratios.

    uv run python bench/train_speed.py            # about 5 minutes on 2 cores
    uv run python bench/train_speed.py --quick    # 3 reference epochs instead of 10
    uv run python bench/train_speed.py --journey  # only: the defaults with and without the journey
    uv run python bench/train_speed.py --threads  # `tlm train` on Emma: --threads 1, all, and the
                                                  # default, idle and beside one CPU burner per core

PyTorch comes from a virtual environment this script prepares in bench/.torch-venv
(`pip install torch==2.13.0`); where that fails it says so and goes on without it.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clock import TrainingClock  # noqa: E402

from tlm import corpus, journey, training  # noqa: E402
from tlm.examples import make_examples  # noqa: E402
from tlm.model import TinyLanguageModel  # noqa: E402
from tlm.tokenizer import tokenize  # noqa: E402

HERE = Path(__file__).resolve().parent
TORCH_VENV = HERE / ".torch-venv"
CHECKPOINTS_PER_EPOCH = 10


def measure_floor(V, d, examples, batch=256):
    """Seconds per epoch that full softmax cannot beat on this machine: 6dV flops and V exps per example."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2048, 2048), dtype=np.float32)
    a @ a
    t = time.perf_counter()
    for _ in range(5):
        a @ a
    gflops = 5 * 2 * 2048**3 / (time.perf_counter() - t) / 1e9
    x = rng.standard_normal((batch, V), dtype=np.float32)
    y = np.empty_like(x)
    np.exp(x, out=y)
    t = time.perf_counter()
    for _ in range(20):
        np.exp(x, out=y)
    exp_ns = (time.perf_counter() - t) / (20 * x.size) * 1e9
    floor = examples * (6 * d * V / (gflops * 1e9) + V * exp_ns * 1e-9)
    return gflops, exp_ns, floor


def run_tlm(name, train_words, val_words, epochs, lr, **settings):
    """Train a fresh model, with held-out checkpoints every 1/10 epoch; returns a result dict."""
    floor = measure_floor(len(set(train_words)), 32, len(train_words) - 2)[2]
    model = TinyLanguageModel(seed=0)
    model.build(train_words)
    val_contexts, val_targets = make_examples(model.encode(val_words), model.n)
    clock = TrainingClock()
    epochs_seen = []
    mark = {"next": 1 / CHECKPOINTS_PER_EPOCH}

    def val_loss():
        return model.mean_loss(val_contexts, val_targets)

    def on_event(event):
        if isinstance(event, training.Progress) and event.done / event.total >= mark["next"] and event.done < event.total:
            clock.checkpoint(val_loss)
            mark["next"] += 1 / CHECKPOINTS_PER_EPOCH
        elif isinstance(event, training.EpochEnd):
            # The epoch's own seconds, minus the checkpoints taken inside it.
            seconds = clock.elapsed() - (epochs_seen[-1]["end"] if epochs_seen else 0.0)
            epochs_seen.append({"epoch": event.epoch, "seconds": seconds, "end": clock.elapsed(),
                                "loss": event.loss, "val_loss": clock.checkpoint(val_loss)})
            mark["next"] = 1 / CHECKPOINTS_PER_EPOCH
            print(f"  {name:28} epoch {event.epoch:2}: {seconds:6.2f} s  val_loss={epochs_seen[-1]['val_loss']:.4f}",
                  file=sys.stderr, flush=True)

    report = model.train(train_words, epochs=epochs, lr=lr, resume=True, callback=on_event, **settings)
    examples = len(make_examples(model.encode(train_words), model.n)[1])
    return {"name": name, "epochs": epochs_seen, "clock": clock, "examples": examples,
            "batch_size": report.batch_size, "lr": lr, "floor": floor}


def journey_cost(train_words, epochs=3, repeats=2):
    """Seconds of the default fast path with and without the journey (the defaults: 16 snapshots of
    500 words), in alternating order, and the seconds spent inside the recorder itself, timed around
    its calls."""
    spent = [0.0]

    def timed(method):
        def call(*args, **kwargs):
            t = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - t
        return call

    for name in ("__init__", "step", "epoch_end"):
        setattr(journey.Recorder, name, timed(getattr(journey.Recorder, name)))
    times = {"with": [], "without": []}
    for repeat in range(repeats):
        for mode in list(times)[::1 if repeat % 2 else -1]:  # alternated: the first run of all is slower
            model = TinyLanguageModel(seed=0)
            model.build(train_words)
            if mode == "without":
                model.journey = None
            spent[0] = 0.0
            t = time.perf_counter()
            model.train(train_words, epochs=epochs, resume=True)
            times[mode].append(time.perf_counter() - t)
            if mode == "with":
                recorder = spent[0]
                print(f"  with the journey: {times[mode][-1]:.2f} s, {recorder:.3f} s of it in the recorder "
                      f"({len(model.journey.snapshots)} snapshots)", file=sys.stderr, flush=True)
            else:
                print(f"  without:          {times[mode][-1]:.2f} s", file=sys.stderr, flush=True)
    with_s, without_s = min(times["with"]), min(times["without"])
    print(f"journey cost, {epochs} epochs of the defaults ({repeats} runs each, best): with {with_s:.2f} s, "
          f"without {without_s:.2f} s ({(with_s / without_s - 1) * 100:+.1f}%); inside the recorder "
          f"{recorder:.3f} s = {recorder / with_s * 100:.2f}% of training")


def torch_python():
    """The Python of a virtual environment with torch, made on first use; None if torch cannot be had."""
    python = TORCH_VENV / "bin" / "python"
    check = [str(python), "-c", "import torch"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print("  preparing bench/.torch-venv (pip install torch==2.13.0) ...", file=sys.stderr, flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(TORCH_VENV)], check=True, capture_output=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "torch==2.13.0", "numpy"], check=True,
                       capture_output=True, timeout=1200)
    except (subprocess.SubprocessError, OSError) as e:
        print(f"  PyTorch unavailable ({type(e).__name__}); going on without it", file=sys.stderr)
        return None
    return python


def run_torch(train_words, val_words, epochs, lr, batch_size):
    python = torch_python()
    if python is None:
        return None
    floor = measure_floor(len(set(train_words)), 32, len(train_words) - 2)[2]
    model = TinyLanguageModel()
    model.build(train_words)
    contexts, targets = make_examples(model.encode(train_words), model.n)
    val_contexts, val_targets = make_examples(model.encode(val_words), model.n)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "examples.npz")
        # int64: PyTorch's cross-entropy takes only long targets.
        np.savez(path, contexts=contexts.astype(np.int64), targets=targets.astype(np.int64),
                 val_contexts=val_contexts.astype(np.int64), val_targets=val_targets.astype(np.int64),
                 V=len(model.vocab), d=model.config.embedding_dim)
        proc = subprocess.run([str(python), str(HERE / "torch_train.py"), path, str(batch_size), str(lr), str(epochs),
                               str(CHECKPOINTS_PER_EPOCH), "0"], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  PyTorch run failed: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    clock = TrainingClock()
    clock.points = [tuple(p) for p in rows[-1]["points"]]
    for row in rows:
        print(f"  {'pytorch-cpu':28} epoch {row['epoch']:2}: {row['seconds']:6.2f} s  val_loss={row['val_loss']:.4f}",
              file=sys.stderr, flush=True)
    return {"name": f"pytorch-cpu B={batch_size}", "epochs": rows, "clock": clock, "examples": len(targets),
            "batch_size": batch_size, "lr": lr, "floor": floor}


def burners(count):
    """`count` processes that keep a core busy each, as other users' work would."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def threads_study(gutenberg, epochs):
    """Wall seconds of `tlm train` with each fixed thread count and the default, idle and busy."""
    cores = os.cpu_count()
    settings = [[f"--threads={n}"] for n in sorted({1, cores})] + [[]]
    tlm = Path(sys.executable).parent / "tlm"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for condition in ("idle", "busy"):
            burning = burners(cores) if condition == "busy" else []
            try:
                load = os.getloadavg()[0]
                for setting in settings:
                    start = time.perf_counter()
                    subprocess.run([str(tlm), "train", "--gutenberg", gutenberg, "-t", "lower", "-t", "alpha",
                                    "--epochs", str(epochs), "--output", os.path.join(tmp, "m.json"), *setting],
                                   check=True, capture_output=True)
                    rows.append((condition, " ".join(setting) or "default (chosen)", time.perf_counter() - start, load))
                    print(f"  {condition}: {rows[-1][1]}: {rows[-1][2]:.1f} s", file=sys.stderr, flush=True)
            finally:
                for burner in burning:
                    burner.kill()
                    burner.wait()
    print(f"tlm train --gutenberg {gutenberg} -t lower -t alpha --epochs {epochs}, wall seconds, {cores} cores; "
          f"busy = {cores} CPU burners beside it")
    print("| machine | threads | seconds | vs the best fixed | load before |\n|---|---|---:|---:|---:|")
    for condition, setting, seconds, load in rows:
        best = min(s for c, t, s, _ in rows if c == condition and t.startswith("--threads"))
        print(f"| {condition} | {setting} | {seconds:.1f} | {seconds / best:.2f}x | {load:.1f} |")


def engine_runs(args, train_words, val_words):
    """The per-example loop first (its best held-out loss is the target), then the fast engine's
    settings, tlm's defaults and (unless --no-torch) PyTorch."""
    runs = [run_tlm(f"per-example loop lr={args.ref_lr}", train_words, val_words, args.ref_epochs, args.ref_lr,
                    reference=True, schedule="constant")]
    fast = [(64, 0.1, "sgd"), (256, 0.2, "sgd"), (1024, 0.05, "sgd"), (256, 0.01, "adam")]
    for B, lr, opt in fast:
        runs.append(run_tlm(f"fast {opt} B={B} lr={lr}", train_words, val_words, args.fast_epochs, lr,
                            batch_size=B, optimizer=opt))
    runs.append(run_tlm("fast, tlm defaults (10 ep)", train_words, val_words, 10, 0.1))
    if not args.no_torch:
        result = run_torch(train_words, val_words, args.fast_epochs, 0.2, 256)
        if result:
            runs.append(result)
    return runs


def print_table(runs, ref_epochs):
    """The runs as a Markdown table, timed to the per-example loop's best held-out loss."""
    target = runs[0]["clock"].best()
    ref_time = runs[0]["clock"].time_to(target)
    print(f"target: the per-example loop's best held-out loss in {ref_epochs} epochs = {target:.4f} "
          f"(reached after {ref_time:.1f} s of training)\n")
    print(f"| engine | batch | s/epoch | words/s | floor s | x floor | held-out loss per epoch | time to {target:.4f} | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for run in runs:
        per_epoch = float(np.median([e["seconds"] for e in run["epochs"]]))
        losses = " ".join(f"{e['val_loss']:.3f}" for e in run["epochs"])
        reached = run["clock"].time_to(target)
        reached_s = f"{reached:.1f} s" if reached is not None else "not reached"
        speedup = f"{ref_time / reached:.1f}x" if reached else "-"
        print(f"| {run['name']} | {run['batch_size']} | {per_epoch:.2f} | {run['examples'] / per_epoch:,.0f} | "
              f"{run['floor']:.2f} | {per_epoch / run['floor']:.2f} | {losses} | {reached_s} | {speedup} |")
    torch_run = next((r for r in runs if r["name"].startswith("pytorch")), None)
    best_fast = runs[2]
    if torch_run:
        t_np, t_torch = best_fast["clock"].time_to(target), torch_run["clock"].time_to(target)
        if t_np and t_torch:
            print(f"\n{best_fast['name']} vs {torch_run['name']}: {t_torch / t_np:.2f}x less time to the target loss")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gutenberg", default="austen-emma.txt")
    parser.add_argument("--ref-epochs", type=int, default=10)
    parser.add_argument("--ref-lr", type=float, default=0.03,
                        help="per-example loop's learning rate (0.03 was its best of 0.3/0.1/0.03 on Emma)")
    parser.add_argument("--fast-epochs", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="3 reference epochs")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--journey", action="store_true", help="only the cost of recording the journey")
    parser.add_argument("--threads", action="store_true", help="only the BLAS thread study (idle and busy)")
    parser.add_argument("--threads-epochs", type=int, default=3, help="epochs per run of the thread study")
    args = parser.parse_args(argv)
    if args.threads:
        return threads_study(args.gutenberg, args.threads_epochs)
    if args.quick:
        args.ref_epochs = 3

    words = tokenize(corpus.read_gutenberg(args.gutenberg), ["lower", "alpha"])
    cut = int(len(words) * 0.9)
    train_words, val_words = words[:cut], words[cut:]
    if args.journey:
        return journey_cost(train_words)
    V = len(set(train_words))
    gflops, exp_ns, floor = measure_floor(V, 32, cut - 2)
    print(f"{args.gutenberg}: {len(train_words)} training tokens, {len(val_words)} held out, V={V}, d=32, n=2")
    print(f"floor: GEMM {gflops:.0f} GFLOP/s, exp {exp_ns:.2f} ns/element -> {floor:.2f} s/epoch "
          f"(6dV flops + V exps per example); measured again just before each engine runs, since this "
          f"machine's speed drifts, and 'x floor' divides by that adjacent measurement\n", flush=True)

    print_table(engine_runs(args, train_words, val_words), args.ref_epochs)


if __name__ == "__main__":
    main()
