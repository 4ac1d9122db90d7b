"""The examples in examples/ run as a user runs them, and report what they promise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_seed_linear_gradients_match_central_differences() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "seed_linear.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stdout}\n{result.stderr}"
    match = re.search(r"^max abs error: (\S+) \(tolerance (\S+)\)$", result.stdout, re.MULTILINE)
    assert match, f"no error bound in the output:\n{result.stdout}"
    error, tolerance = float(match.group(1)), float(match.group(2))
    assert tolerance == 1e-6
    assert error <= tolerance
    # Both versions of the layer, and the second-order gradient, were checked.
    for what in (
        "Function, first order",
        "FunctionNode, first order",
        "FunctionNode, second order",
    ):
        assert f"  {what}: " in result.stdout
    assert result.stdout.rstrip().endswith("OK")
