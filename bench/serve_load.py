"""Load on `wp serve`: a bounded burst of mixed queries from concurrent clients, to 127.0.0.1 only.

Starts `wp serve --model MODEL --port 0 --no-browser` (default: the offline 400k-word GloVe 6B 50d),
waits for its "Serving on" line, sends a few warm-up requests, then exactly --requests requests from
--clients threads, each on its own keep-alive connection, and stops the server. The queries are a
seeded mix of what the page asks (neighbours, maps, analogies, similarity, odd-one-out, completion)
about frequent words, plus misspelt words, which must come back 404 with close spellings. Prints
latency percentiles (p50, p95, max) overall and per kind of query, requests per second, errors
(any other status, or no answer within the timeout), and the load average before the run (the
figures depend on what else the machine is doing), and the server's peak memory.

    uv run python bench/serve_load.py [--requests 2000] [--clients 1 8 32] [--model NAME|PATH] [--seed 0]
"""

import argparse
import http.client
import itertools
import os
import random
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import numpy as np

from wp import models

ROOT = Path(__file__).resolve().parent.parent
START_S = 120  # loading and converting the model on first use
TIMEOUT_S = 10  # one request
WORD_POOL = 20_000  # questions are about the most frequent words
# kind -> (share of the requests, expected status)
MIX = {"similar": (0.25, 200), "map": (0.10, 200), "analogy": (0.12, 200), "analogy-mul": (0.05, 200),
       "similarity": (0.15, 200), "odd-one-out": (0.10, 200), "complete": (0.18, 200), "misspelt": (0.05, 404)}


def query(kind, rng, words):
    """The path and query string of one request of `kind` about random frequent words."""
    pick = lambda k=1: rng.sample(words, k)  # noqa: E731
    if kind == "similar":
        return "/api/similar?" + urlencode({"word": pick()[0], "n": 10})
    if kind == "map":
        return "/api/map?" + urlencode({"word": pick()[0], "n": 10})
    if kind in ("analogy", "analogy-mul"):
        a, b, c = pick(3)
        return "/api/analogy?" + urlencode({"a": a, "b": b, "c": c, "method": "mul" if kind == "analogy-mul" else "add"})
    if kind == "similarity":
        a, b = pick(2)
        return "/api/similarity?" + urlencode({"a": a, "b": b})
    if kind == "odd-one-out":
        return "/api/odd-one-out?" + urlencode({"word": pick(4)}, doseq=True)
    if kind == "complete":
        word = pick()[0]
        return "/api/complete?" + urlencode({"prefix": word[:rng.randint(1, min(4, len(word)))], "limit": 12})
    word = pick()[0]
    cut = rng.randrange(len(word))
    return "/api/similar?" + urlencode({"word": word[:cut] + "q" + word[cut:] + "x"})  # misspelt


def plan(count, seed, words):
    """`count` (kind, path, expected status) drawn from MIX with a seeded generator."""
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=[share for share, _ in MIX.values()], k=count)
    return [(kind, query(kind, rng, words), MIX[kind][1]) for kind in kinds]


def start_server(model):
    """`wp serve` in a subprocess: (process, host, port) once it has printed its address."""
    wp = Path(sys.executable).parent / "wp"
    process = subprocess.Popen([str(wp), "--model", model, "serve", "--port", "0", "--no-browser"], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    if not select.select([process.stdout], [], [], START_S)[0]:
        process.kill()
        sys.exit(f"wp serve did not start within {START_S} s")
    line = process.stdout.readline()
    if not line.startswith("Serving on "):
        process.kill()
        sys.exit(f"wp serve did not start: {line!r}")
    address = urlsplit(line.split()[-1])
    return process, address.hostname, address.port


def burst(host, port, requests, clients):
    """Send `requests` from `clients` threads; returns [(kind, seconds, status or None)] and the wall time."""
    results = [None] * len(requests)
    order = itertools.count()
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
        while True:
            with lock:
                i = next(order)
            if i >= len(requests):
                break
            kind, path, _ = requests[i]
            start = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = None
                connection.close()  # reconnects on the next request
            results[i] = (kind, time.perf_counter() - start, status)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - start


def report(model, words, requests, results, wall, clients, load):
    ms = np.array([seconds for _, seconds, _ in results]) * 1000
    errors = sum(status != expected for (_, _, expected), (_, _, status) in zip(requests, results))
    print(f"wp serve on {model} ({words:,} words), {len(results):,} requests from {clients} clients to 127.0.0.1, "
          f"{os.cpu_count()} CPUs, load average {load:.2f} before")
    print(f"latency ms: p50 {np.percentile(ms, 50):.1f}  p95 {np.percentile(ms, 95):.1f}  max {ms.max():.1f}   "
          f"requests/s {len(results) / wall:,.0f}   errors {errors}")
    print(f"{'query':<12} {'share':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for kind in MIX:
        of_kind = np.array([s for k, s, _ in results if k == kind]) * 1000
        if len(of_kind):
            print(f"{kind:<12} {len(of_kind) / len(results):>6.1%} {np.percentile(of_kind, 50):>7.1f} "
                  f"{np.percentile(of_kind, 95):>7.1f} {of_kind.max():>7.1f}")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=models.OFFLINE_MODEL, help=f"what to serve (default: {models.OFFLINE_MODEL})")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32], help="one run for each (default: 1 8 32)")
    parser.add_argument("--warmup", type=int, default=100, help="requests sent first and not counted")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    vocabulary = models.load(args.model).vectors.words  # memory-mapped from wp's cache: cheap
    words = [w for w in vocabulary[:WORD_POOL] if w.isalpha()]
    process, host, port = start_server(args.model)
    failed = 0
    try:
        for clients in args.clients:
            load = os.getloadavg()[0]  # other work on the machine: the figures depend on it
            burst(host, port, plan(args.warmup, args.seed + 1, words), clients)
            requests = plan(args.requests, args.seed, words)
            results, wall = burst(host, port, requests, clients)
            failed += report(args.model, len(vocabulary), requests, results, wall, clients, load)
            print(f"server's peak resident memory so far: {peak_memory_mb(process.pid):,.0f} MB\n")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
    return 1 if failed else 0


def peak_memory_mb(pid):
    """The process's peak resident set (VmHWM, Linux), in MB."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


if __name__ == "__main__":
    sys.exit(main())
