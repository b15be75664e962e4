"""The README's screenshot of `wp serve`: GloVe 6B 50d beside a tlm model trained on chuck.txt.

Trains the chuck.txt model into a temporary folder, starts `wp serve` with both models on a free
port of 127.0.0.1, drives headless Chromium (Debian's, or TINYLM_CHROMIUM) through a session (a
word both models know, an analogy, a similarity, an odd one out, a next-word prediction and a
sample), saves the whole page as a PNG of 256 colours and stops the server.

    uv run python scripts/screenshot.py [--output docs/wp-serve.png]
"""

import argparse
import io
import os
import select
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image  # installed with matplotlib
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("TINYLM_CHROMIUM", "/usr/bin/chromium")
START_S = 120
WAIT_MS = 60_000
STATE = "?word=would&n=10&a=man&b=king&c=woman&s1=wood&s2=chuck&odd=how+much+wood+would"


def command(name):
    return str(Path(sys.executable).parent / name)


def serve(*models):
    """`wp serve` on `models` in a subprocess: (process, its URL)."""
    argv = [command("wp"), "serve", "--port", "0", "--no-browser"]
    for model in models:
        argv += ["--model", str(model)]
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if not select.select([process.stdout], [], [], START_S)[0]:
        process.kill()
        sys.exit(f"wp serve did not start within {START_S} s")
    return process, process.stdout.readline().split()[-1]


def drive(url, output):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox"] if os.geteuid() == 0 else [])
        page = browser.new_page(viewport={"width": 1240, "height": 900})
        page.set_default_timeout(WAIT_MS)
        page.goto(url + STATE)
        page.wait_for_selector("body[data-ready=yes]", state="attached")
        page.wait_for_function("document.getElementById('analogy-columns').dataset.shown === 'man king woman add'")
        page.wait_for_function("document.getElementById('explore-columns').dataset.shown === 'would'")
        card = "#tlm-1"
        page.fill(f"{card} .context", "how much")
        page.click(f"{card} .predict button")
        page.wait_for_selector(f"{card} .predict-chart .barlayer .point")
        for name, value in {"prompt": "how much", "length": "24", "temperature": "0.8", "seed": "1"}.items():
            page.fill(f"{card} .{name}", value)
        page.click(f"{card} .generate button")
        page.wait_for_selector(f"{card} .sample.shown")
        page.wait_for_selector("#odd-result .answer")
        page.wait_for_selector("#similarity-result .cosine")
        page.mouse.move(0, 0)  # no hover label left on a map
        image = page.screenshot(full_page=True)
        browser.close()
    # 256 colours are plenty for a page of text and charts, and make the file a third of the size.
    Image.open(io.BytesIO(image)).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(output, optimize=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "wp-serve.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        chuck = Path(folder) / "chuck.json"
        subprocess.run([command("tlm"), "train", "--filepath", str(ROOT / "chuck.txt"), "--output", str(chuck)],
                       check=True, stdout=subprocess.DEVNULL)
        process, url = serve("glove-wiki-gigaword-50", chuck)
        try:
            drive(url, args.output)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    print(f"{args.output} ({args.output.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
