"""End to end on the standard op library, as its CI runs it, on a small subset of the ops."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from tests.cli.conftest import Run

ROOT = Path(__file__).resolve().parents[2]


def test_a_subset_of_gradkit_ops_passes_with_two_workers(
    gradkit_process: Callable[..., Run], tmp_path: Path
) -> None:
    xml = tmp_path / "gradkit-check.xml"
    run = gradkit_process(
        "check",
        "gradkit_ops",
        "--devices",
        "cpu,strict",
        "-k",
        "tanh or matmul",
        "--jobs",
        "2",
        "--junit-xml",
        str(xml),
        cwd=ROOT,
    )
    assert run.code == 0, run.out[-3000:] + run.err[-3000:]
    run.err_lines("gradkit check: * cases of * ops (seed 0, 2 worker processes)", "tanh  *ok  *")
    run.out_lines("* cases of * ops in * s: * passed, 0 failed, 0 nondifferentiable, * skipped")
    root = ET.parse(xml).getroot()
    assert int(root.get("tests")) > 100
    assert (root.get("failures"), root.get("errors")) == ("0", "0")
    assert "gradkit_ops.math.hyperbolic.tanh" in {suite.get("name") for suite in root}


def test_a_closed_pipe_is_not_a_crash() -> None:
    done = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m gradkit list gradkit_ops --ids | head -n 1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr == ""
