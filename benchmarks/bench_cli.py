"""Cost of the ``gradkit`` command: startup, and the whole op library with one and two workers.

Run with ``pytest benchmarks/bench_cli.py --benchmark-only`` (benchmarks are skipped in normal
test runs; the worker comparison takes a few minutes). Every figure is the wall time of the
command as a user runs it, in a subprocess.

Targets (issue 4), on the 2-core development machine:

* startup, that is interpreter, imports, discovery of ``gradkit_ops`` and case generation with
  no case run (``gradkit list gradkit_ops``): under 0.5 s;
* ``gradkit check gradkit_ops --jobs 2``: at most 0.65 times the wall time of ``--jobs 1``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GRADKIT = [sys.executable, "-m", "gradkit"]


def _run(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([*GRADKIT, *args], cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_startup(benchmark: pytest.FixtureRequest) -> None:
    """``gradkit list gradkit_ops``: import, discovery and case generation, nothing run."""
    _run("list", "gradkit_ops")  # warm the bytecode caches
    benchmark.pedantic(_run, args=("list", "gradkit_ops"), rounds=7, iterations=1)
    assert benchmark.stats.stats.median < 0.5


def test_version(benchmark: pytest.FixtureRequest) -> None:
    """``gradkit --version``: the interpreter and gradkit's light top-level import."""
    benchmark.pedantic(_run, args=("--version",), rounds=7, iterations=1)


def test_jobs(benchmark: pytest.FixtureRequest) -> None:
    """The whole ``gradkit_ops`` check (what users and CI run) with --jobs 1 and --jobs 2,
    alternated over the rounds; the ratio compares the best wall time of each, the least
    disturbed by other work on the machine. The benchmark's own figure is one round of both.
    """
    benchmark.group = "gradkit check gradkit_ops"
    walls: dict[int, list[float]] = {1: [], 2: []}

    def both() -> None:
        for jobs in (1, 2):
            start = time.perf_counter()
            _run("check", "gradkit_ops", "-q", "--jobs", str(jobs))
            walls[jobs].append(time.perf_counter() - start)

    benchmark.pedantic(both, rounds=2, iterations=1)
    best = {jobs: min(times) for jobs, times in walls.items()}
    ratio = best[2] / best[1]
    benchmark.extra_info.update(
        cpus=os.cpu_count(),
        jobs_1_s=[round(t, 2) for t in walls[1]],
        jobs_2_s=[round(t, 2) for t in walls[2]],
        ratio=round(ratio, 3),
    )
    print(f"\n--jobs 1: {walls[1]} s, --jobs 2: {walls[2]} s, best ratio {ratio:.3f}")
    assert ratio <= 0.65
