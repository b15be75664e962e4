"""How long does a one-shot `wp` query take? Wall time of whole commands, side by side in one run:
`python -c "import numpy"` (the floor any numpy program pays), warm `wp similarity cat dog`,
`wp similar king` and `wp analogy man king woman` on the offline GloVe 6B 50d (400,000 words),
and `python -c "import gensim"` (what every query paid before the numpy query core).

    uv run python bench/wp_latency.py            # 15 rounds, about a minute
    uv run python bench/wp_latency.py --rounds 5

Commands run in turn within each round, so a slow moment of the machine hits all of them alike;
the table shows medians and each command's ratio to the numpy import.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(argv, env):
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {result.stderr.strip()}")
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    wp = str(BIN / "wp")
    commands = {
        'python -c "import numpy"': [sys.executable, "-c", "import numpy"],
        "wp similarity cat dog": [wp, "similarity", "cat", "dog"],
        "wp similar king": [wp, "similar", "king"],
        "wp analogy man king woman": [wp, "analogy", "man", "king", "woman"],
        'python -c "import gensim"': [sys.executable, "-c", "import gensim"],
    }
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "WP_CACHE_DIR": cache, "WP_MODEL": "glove-wiki-gigaword-50"}
        timed(commands["wp similar king"], env)  # first use converts GloVe into the cache: not measured
        times = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                times[name].append(timed(command, env))
    floor = statistics.median(times['python -c "import numpy"'])
    print(f"{args.rounds} rounds, warm cache, GloVe 6B 50d (400,000 words)\n")
    print("| command | median s | min s | x import numpy |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| `{name}` | {median:.3f} | {min(values):.3f} | {median / floor:.2f} |")


if __name__ == "__main__":
    main()
