"""scripts/gpu-check on a machine without a GPU: its argument handling and its plan."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu-check"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def gpu_check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_dry_run_prints_the_plan(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "gradkit-0.1.0-py3-none-any.whl").touch()
    out = tmp_path / "out"
    done = gpu_check("--dry-run", "--wheels", str(wheels), "--out", str(out), "--jobs", "4")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "gpu-check plan (dry run: nothing is run)"
    assert f"  wheels:   {wheels} (gradkit wheel: gradkit-0.1.0-py3-none-any.whl)" in lines
    assert "  budget:   300s (tests 100s, op library the rest)" in lines
    install = next(line for line in lines if line.startswith("2. "))
    assert f"--no-index --find-links {wheels} {wheels}/gradkit-0.1.0-py3-none-any.whl" in install
    pytest_step = next(line for line in lines if line.startswith("4. "))
    assert "-m pytest -m gpu --gradkit-require-gpu" in pytest_step
    check_step = next(line for line in lines if line.startswith("5. "))
    assert "gradkit check gradkit_ops --devices cpu,gpu --require-gpu --jobs 4" in check_step
    assert lines[-1] == f"6. summary -> {out}/gpu-check.json"
    assert not out.exists()  # a dry run writes nothing


def test_output_folder_defaults_to_out(tmp_path: Path) -> None:
    done = gpu_check("--dry-run", env={"PATH": "/usr/bin:/bin", "OUT": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert f"  output:   {tmp_path}" in done.stdout.splitlines()
    assert "(gradkit wheel" not in done.stdout  # no wheels folder: built from the checkout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unknown argument '--bogus'"),
        (["--jobs", "x"], "--jobs must be a positive integer; got 'x'"),
        (["--budget", "0"], "--budget must be a number of seconds; got '0'"),
        (["--wheels"], "--wheels needs a value"),
        (["--wheels", "/nonexistent/wheels"], "no wheels folder at /nonexistent/wheels"),
    ],
)
def test_bad_arguments(args: list[str], message: str) -> None:
    done = gpu_check(*args)
    assert done.returncode == 2
    assert done.stderr.startswith(f"gpu-check: error: {message}")


def test_help() -> None:
    done = gpu_check("--help")
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: scripts/gpu-check [--wheels DIR]")
    assert "--dry-run" in done.stdout
