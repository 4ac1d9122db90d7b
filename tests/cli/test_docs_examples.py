"""The shell examples of the documentation run and print what the pages show.

A ```console block of the pages below holds commands (lines starting with ``$ ``), each
followed by its output. Every command runs with bash from ``examples/custom_ops``, with stdout
and stderr together, and its output must hold the lines shown, in that order (other lines may
come between them). Times may differ; ``...`` stands for anything, a line of its own for any
number of lines. The pages show the output of a machine without a GPU.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gradkit
from tests.cli.conftest import EXAMPLES

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ("checking-your-function.md", "cli.md", "pytest-plugin.md", "ci.md")
_TIME = re.compile(r"\b\d+\.\d+( ?m?s)\b")


def console_examples() -> list[tuple[str, str, list[str]]]:
    """``(where, command, expected lines)`` of every command of the pages."""
    examples = []
    for page in PAGES:
        lines = (DOCS / page).read_text().splitlines()
        inside = False
        for number, line in enumerate(lines, 1):
            if line.startswith("```"):
                inside = line == "```console"
            elif inside and line.startswith("$ "):
                examples.append((f"{page}:{number}", line[2:], []))
            elif inside:
                examples[-1][2].append(line)
    return examples


def pattern(line: str) -> str:
    """The fnmatch pattern of a shown line: literal, but for times and ``...``."""
    escaped = "".join(f"[{c}]" if c in "[]?*" else c for c in line)
    return _TIME.sub(r"*\1", escaped).replace("...", "*")


def test_the_pages_have_examples() -> None:
    where = {w.split(":")[0] for w, _, _ in console_examples()}
    assert where == set(PAGES)
    assert pattern("in 0.21 s: [x] ...") == "in * s: [[]x[]] *"


@pytest.mark.skipif(gradkit.gpu_available(), reason="the pages show a machine without a GPU")
@pytest.mark.parametrize(
    ("where", "command", "expected"),
    console_examples(),
    ids=[where for where, _, _ in console_examples()],
)
def test_console_example(where: str, command: str, expected: list[str]) -> None:
    env = dict(os.environ, COLUMNS="80", PYTHONPATH=str(EXAMPLES))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("GITHUB_STEP_SUMMARY", None)
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=EXAMPLES,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    shown = [pattern(line) for line in expected if line.strip() != "..."]
    matcher = pytest.LineMatcher(done.stdout.splitlines())
    try:
        matcher.fnmatch_lines(shown)
    except pytest.fail.Exception:
        pytest.fail(f"{where}: `{command}` printed:\n{done.stdout}", pytrace=False)
