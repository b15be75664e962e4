"""The docs cannot drift: every ```console block of README.md and docs/*.md is run and its output compared.

The convention: a line starting with `$ ` is a command as the user types it, run with bash in a scratch
folder holding a copy of chuck.txt (one folder per document, its blocks in order, so a later block can
use a file an earlier one wrote); `uv run X` runs X from this project's environment. The lines after a
command, up to the next `$ ` line or the block's end, are its expected output, stdout and stderr
together, compared as doctest does with ELLIPSIS and NORMALIZE_WHITESPACE (`...` stands for anything).
A command line ending in `\\` continues on the next line, and one starting a here-document (`<<'EOF'`)
runs up to its end. A block right after the line `<!-- not run: REASON -->` is skipped. What this
leaves out: ```bash and other blocks, which are not run.

A document is `slow` when it trains on a Gutenberg text, asks `wp` (which loads the 400k-word GloVe) or
runs more than a few commands.
"""

import doctest
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CHUCK, ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = re.compile(r"<!--\s*not run:\s*\S.*-->")
HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
QUICK_COMMANDS = 3  # each starts Python (about half a second): a document with more is slow
SLOW = re.compile(r"--gutenberg|(^|[|;&]\s*)(uv run )?wp\b")
COMMAND_TIMEOUT_S = 900
CHECKER = doctest.OutputChecker()
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# `uv run [--group G ...] X ...` runs X from this environment, whose bin folder comes first on PATH:
# a script, not a shell function, so that `timeout ... uv run ...` and pipes work as they do with uv.
UV = """#!/bin/bash
if [ "$1" != run ]; then echo "docs runner: only 'uv run' is supported, not 'uv $1'" >&2; exit 2; fi
shift
while [ "${1#-}" != "$1" ]; do
  case "$1" in --group|--with|--extra|--python) shift 2 ;; *) shift ;; esac
done
exec "$@"
"""


@dataclass
class Command:
    line: int  # where the command starts in its document, 1-based
    text: str
    expected: str


def commands(markdown):
    """The commands of a document's console blocks, in order, without those of blocks marked not run."""
    lines = markdown.splitlines()
    found, i, previous = [], 0, ""
    while i < len(lines):
        if lines[i].strip() != "```console":
            if lines[i].strip():
                previous = lines[i].strip()
            i += 1
            continue
        skip = NOT_RUN.fullmatch(previous) is not None
        i += 1
        block_start = i
        while i < len(lines) and lines[i].strip() != "```":
            i += 1
        if not skip:
            found.extend(_block_commands(lines[block_start:i], first_line=block_start + 1))
        previous, i = "", i + 1
    return found


def _block_commands(lines, first_line):
    found, j = [], 0
    while j < len(lines) and not lines[j].startswith("$ "):
        if lines[j].strip():
            raise ValueError(f"line {first_line + j}: a console block's output comes after a `$ ` command")
        j += 1
    while j < len(lines):
        start, text = j, lines[j][2:]
        while text.endswith("\\") and j + 1 < len(lines):
            j += 1
            text = text + "\n" + lines[j]
        heredoc = HEREDOC.search(text)
        if heredoc:
            while j + 1 < len(lines) and lines[j].strip() != heredoc.group(1):
                j += 1
                text = text + "\n" + lines[j]
        j += 1
        output = []
        while j < len(lines) and not lines[j].startswith("$ "):
            output.append(lines[j])
            j += 1
        found.append(Command(first_line + start, text, "\n".join(output).strip()))
    return found


def environment(scratch):
    """The environment a reader's shell would have, with this project's commands first on PATH."""
    bin_dir = scratch / ".docs-bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "uv").write_text(UV)
    (bin_dir / "uv").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("WP_MODEL", "PYTEST_CURRENT_TEST")}
    env["PATH"] = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave as on a terminal
    return env


def run_document(path, folder, cache):
    """Run `path`'s commands in `folder` (given a copy of chuck.txt); return a message per mismatch."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "chuck.txt").write_bytes(CHUCK.read_bytes())
    env = {**environment(folder), "WP_CACHE_DIR": str(cache)}
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    failures = []
    for command in commands(path.read_text(encoding="utf-8")):
        try:
            done = subprocess.run(["bash", "-c", command.text], cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=COMMAND_TIMEOUT_S)
            got, status = done.stdout.decode("utf-8", "replace"), f"exit {done.returncode}"
        except subprocess.TimeoutExpired as e:
            got, status = (e.stdout or b"").decode("utf-8", "replace"), f"killed after {COMMAND_TIMEOUT_S} s"
        want = command.expected + "\n" if command.expected else ""
        if not CHECKER.check_output(want, got.strip() + "\n" if got.strip() else "", OPTIONS):
            failures.append(f"{name}:{command.line}: $ {command.text}\n"
                            f"--- expected\n{command.expected}\n--- got ({status})\n{got.rstrip()}\n")
    return failures


def _case(path):
    run = commands(path.read_text(encoding="utf-8"))
    slow = len(run) > QUICK_COMMANDS or any(SLOW.search(c.text) for c in run)
    return pytest.param(path, id=str(path.relative_to(ROOT)), marks=[pytest.mark.slow] if slow else [])


@pytest.fixture(scope="module")
def wp_cache(tmp_path_factory):
    """One wp cache for every document: GloVe is converted once."""
    return tmp_path_factory.mktemp("wp-cache")


@pytest.mark.parametrize("path", [_case(p) for p in DOCUMENTS])
def test_console_blocks_print_what_they_show(path, tmp_path, wp_cache):
    failures = run_document(path, tmp_path / "scratch", wp_cache)
    assert not failures, (f"{len(failures)} command(s) print something else than the docs show; if the new output "
                          "is right, paste it into the document, with `...` for what varies:\n\n" + "\n".join(failures))


# The runner itself.

def _doc(tmp_path, text):
    path = tmp_path / "doc.md"
    path.write_text(text)
    return path


def test_a_wrong_output_is_reported_with_command_expected_and_got(tmp_path):
    path = _doc(tmp_path, "Intro.\n\n```console\n$ echo hello\nhello\n$ echo world\nmoon\n```\n")
    failures = run_document(path, tmp_path / "scratch", tmp_path / "cache")
    assert failures == ["doc.md:6: $ echo world\n--- expected\nmoon\n--- got (exit 0)\nworld\n"]


def test_a_missing_output_and_an_unexpected_one_are_mismatches(tmp_path):
    path = _doc(tmp_path, "```console\n$ true\nsomething\n$ echo surprise\n```\n")
    assert len(run_document(path, tmp_path / "scratch", tmp_path / "cache")) == 2


def test_blocks_share_a_folder_with_chuck_and_uv_run_uses_this_environment(tmp_path):
    path = _doc(tmp_path, "```console\n$ echo x > made.txt\n```\n\ntext\n\n```console\n"
                          "$ cat made.txt && wc -w < chuck.txt\nx\n32\n"
                          "$ uv run --group test python -c 'import sys; print(sys.prefix)'\n"
                          f"{sys.prefix}\n"
                          "$ echo a; echo b >&2\na\nb\n```\n")
    assert run_document(path, tmp_path / "scratch", tmp_path / "cache") == []


def test_ellipsis_and_whitespace_are_as_in_doctest(tmp_path):
    path = _doc(tmp_path, "```console\n$ printf 'loss=2.3216 took 3.1 s\\n  next   line\\n'\nloss=2.3216 took ... s\nnext line\n```\n")
    assert run_document(path, tmp_path / "scratch", tmp_path / "cache") == []


def test_a_block_marked_not_run_and_other_blocks_are_skipped(tmp_path):
    path = _doc(tmp_path, "<!-- not run: a server -->\n```console\n$ false\nnever\n```\n\n"
                          "```bash\n$ false\n```\n\n```console\n$ echo ran \\\n  twice\nran twice\n"
                          "$ wc -l <<'EOF'\n$ inside the here-document\nEOF\n1\n```\n")
    assert [c.text for c in commands(path.read_text())] == ["echo ran \\\n  twice", "wc -l <<'EOF'\n$ inside the here-document\nEOF"]
    assert run_document(path, tmp_path / "scratch", tmp_path / "cache") == []


def test_architecture_names_every_module_on_disk_and_only_those():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:edge|vectors|tlm|wp)/[\w/]*\.py)`", text))
    on_disk = {p.relative_to(ROOT).as_posix() for package in ("edge", "vectors", "tlm", "wp")
               for p in (ROOT / package).rglob("*.py") if p.name != "__init__.py"}
    assert named == on_disk, f"on disk, not in docs/architecture.md: {sorted(on_disk - named)}; " \
                             f"in docs/architecture.md, not on disk: {sorted(named - on_disk)}"
