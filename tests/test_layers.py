"""The architecture holds: imports run one way (import-linter's contracts in pyproject.toml), the two
commands never load each other, and the one-shot `wp` queries load neither gensim nor scipy."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

BIN = os.path.dirname(sys.executable)


def python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.slow  # each test here starts a Python process
def test_import_contracts_are_kept():
    result = subprocess.run([os.path.join(BIN, "lint-imports"), "--no-cache"], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("command, other", [("wp.cli", "tlm.cli"), ("tlm.cli", "wp.cli")])
def test_a_command_does_not_load_the_other(command, other):
    result = python(f"import {command}, sys; assert {other!r} not in sys.modules, 'loaded'; "
                    f"assert 'tlm.training' not in sys.modules or {command!r} == 'tlm.cli', 'training'")
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_one_shot_queries_import_neither_gensim_nor_scipy(tmp_path):
    from gensim.test.utils import datapath

    code = ("import sys; from wp.cli import main; "
            f"main(['--model', {datapath('test_glove.txt')!r}, 'similar', 'he']); "
            "main(['--model', " + repr(datapath("test_glove.txt")) + ", 'analogy', 'he', 'his', 'she', '--method', 'mul']); "
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'gensim', 'scipy', 'matplotlib', 'tqdm'}); "
            "assert not heavy, heavy")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**os.environ, "WP_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
