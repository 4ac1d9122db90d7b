"""gradkit.testing stays light: no pytest ever, hypothesis only in strategies."""

from __future__ import annotations

import subprocess
import sys


def modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {m.split(".")[0] for m in out.stdout.split()}


def test_running_cases_imports_neither_pytest_nor_hypothesis() -> None:
    loaded = modules_after(
        "import numpy as np, gradkit\n"
        "from gradkit.testing import OpSpec, Selection, discover, generate_cases, run_cases\n"
        "def double(x):\n"
        "    return x * 2.0\n"
        "double.spec = OpSpec(dtypes='float64', devices='cpu,strict')\n"
        "results = list(run_cases(generate_cases(discover(double).targets)))\n"
        "assert all(r.ok for r in results), [r.render() for r in results]\n"
    )
    assert "gradkit" in loaded
    assert "pytest" not in loaded and "hypothesis" not in loaded and "cupy" not in loaded


def test_strategies_import_hypothesis_but_not_pytest() -> None:
    loaded = modules_after("import gradkit.testing.strategies")
    assert "hypothesis" in loaded and "pytest" not in loaded
