"""Fixtures of the CLI tests: the example op library as the current directory, and the
``gradkit`` command run in this process (fast) or as a subprocess (as users run it)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gradkit.cli import main

#: The example library: custom_ops, and custom_ops_buggy with a planted bug.
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "custom_ops"


@dataclass(frozen=True)
class Run:
    """What a ``gradkit`` command returned and printed."""

    code: int
    out: str
    err: str

    def out_lines(self, *patterns: str) -> None:
        """Assert that stdout has lines matching ``patterns`` (fnmatch), in this order."""
        pytest.LineMatcher(self.out.splitlines()).fnmatch_lines(list(patterns))

    def err_lines(self, *patterns: str) -> None:
        """Assert that stderr has lines matching ``patterns`` (fnmatch), in this order."""
        pytest.LineMatcher(self.err.splitlines()).fnmatch_lines(list(patterns))


@pytest.fixture
def examples(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from examples/custom_ops, as its authors would (the CLI puts the current directory
    on sys.path; the fixture restores sys.path afterwards)."""
    monkeypatch.chdir(EXAMPLES)
    monkeypatch.setattr(sys, "path", list(sys.path))
    return EXAMPLES


@pytest.fixture
def gradkit_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """``gradkit ARGS...`` in this process: ``gradkit_cli("check", "custom_ops")``."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture
def gradkit_process() -> Callable[..., Run]:
    """``python -m gradkit ARGS...`` in a subprocess, from examples/custom_ops."""

    def run(*args: str, cwd: Path = EXAMPLES) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "gradkit", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run
