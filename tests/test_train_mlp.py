"""examples/train_mlp.py runs as a user runs it (shortened with --quick), prints its progress,
learns the spirals, and saves a model that loads back."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np

import gradkit

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train_mlp.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=120
    )


def test_the_quick_run_learns_the_spirals(tmp_path) -> None:
    saved = tmp_path / "mlp.npz"
    result = _run("--quick", "--save", str(saved))
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stdout}\n{result.stderr}"
    progress = re.findall(
        r"^epoch +(\d+)  loss (\S+)  train accuracy (\S+)  test accuracy (\S+)",
        result.stdout,
        re.MULTILINE,
    )
    assert len(progress) >= 5, result.stdout
    epochs = [int(p[0]) for p in progress]
    assert epochs == sorted(epochs) and epochs[-1] == 15
    losses = [float(p[1]) for p in progress]
    assert losses[-1] < losses[0] / 2
    final = re.search(r"^test accuracy: (\S+) after 15 epochs", result.stdout, re.MULTILINE)
    assert final and float(final.group(1)) >= 0.97, result.stdout

    # The saved parameters load into a fresh model, which classifies as well.
    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        import train_mlp
    finally:
        sys.path.remove(str(EXAMPLE.parent))
    model = train_mlp.MLP(128)
    model(np.zeros((1, 2), dtype=np.float32))  # the first layer learns its input size
    gradkit.serializers.load_npz(saved, model)
    x, t = train_mlp.make_spirals(500, np.random.default_rng(1))
    assert train_mlp.accuracy(model, x, t) >= 0.95


def test_a_run_below_the_target_fails() -> None:
    result = _run("--epochs", "1", "--points", "100", "--target", "1.01")
    assert result.returncode == 1
    assert "below the target accuracy 1.01" in result.stdout


def test_the_dataset_is_two_balanced_interleaved_spirals() -> None:
    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        import train_mlp
    finally:
        sys.path.remove(str(EXAMPLE.parent))
    x, t = train_mlp.make_spirals(300, np.random.default_rng(0), noise=0.0)
    assert x.shape == (600, 2) and x.dtype == np.float32 and t.dtype == np.int64
    assert (t == 0).sum() == 300 and (t == 1).sum() == 300
    # Class 1 is class 0 turned by half a turn: the same radii, opposite points.
    r0 = np.sort(np.hypot(*x[t == 0].T))
    r1 = np.sort(np.hypot(*x[t == 1].T))
    np.testing.assert_allclose(r0, r1, rtol=1e-6)
    assert r0.max() <= 1.0 + 1e-6
