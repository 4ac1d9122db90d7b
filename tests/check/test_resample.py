"""Resampling at non-differentiable points, bounded, with the count reported."""

from __future__ import annotations

import pytest

from gradkit.check import CheckResult, GradientCheckError, Status, check_with_resampling


def _runner(statuses):
    calls = []

    def run(attempt: int) -> CheckResult:
        calls.append(attempt)
        return CheckResult(status=statuses[min(attempt, len(statuses) - 1)], check="backward")

    return run, calls


def test_discards_nondifferentiable_samples_and_counts_them() -> None:
    run, calls = _runner(["nondifferentiable", "nondifferentiable", "passed"])
    r = check_with_resampling(run)
    assert r.passed and r.discarded_samples == 2 and calls == [0, 1, 2]


def test_gives_up_after_the_bound_and_keeps_the_verdict() -> None:
    run, calls = _runner(["nondifferentiable"])
    r = check_with_resampling(run, max_resamples=3)
    assert r.status is Status.NONDIFFERENTIABLE and r.discarded_samples == 3
    assert calls == [0, 1, 2, 3]


def test_raises_on_failure_after_resampling() -> None:
    run, _ = _runner(["nondifferentiable", "failed"])
    with pytest.raises(GradientCheckError) as info:
        check_with_resampling(run)
    assert info.value.result.discarded_samples == 1
    run, _ = _runner(["failed"])
    assert check_with_resampling(run, raise_on_failure=False).status is Status.FAILED
    with pytest.raises(ValueError):
        check_with_resampling(run, max_resamples=-1)
