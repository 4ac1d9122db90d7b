"""Resampling at non-differentiable points: rerun a check on fresh inputs, a bounded number of
times, and report how many samples were discarded.

A ``nondifferentiable`` verdict says nothing about the backward: the sample sat on a kink or
a domain boundary. The caller draws new inputs and checks again; after ``max_resamples``
discarded samples the last verdict stands (still ``nondifferentiable``), so a function that
is nowhere differentiable on its input distribution is reported as such, not as passing.
"""

from __future__ import annotations

from collections.abc import Callable

from gradkit.check.result import CheckResult, GradientCheckError, Status

__all__ = ["check_with_resampling", "DEFAULT_MAX_RESAMPLES"]

#: How many non-differentiable samples are discarded before giving up.
DEFAULT_MAX_RESAMPLES = 5


def check_with_resampling(
    run: Callable[[int], CheckResult],
    *,
    max_resamples: int = DEFAULT_MAX_RESAMPLES,
    raise_on_failure: bool = True,
) -> CheckResult:
    """Call ``run(attempt)`` (attempt 0, 1, ...) until its verdict is not non-differentiable.

    ``run`` draws its own inputs for each attempt (e.g. from a seed derived from the attempt)
    and calls a check with ``raise_on_failure=False``. The returned result carries
    ``discarded_samples``.

    >>> import numpy as np
    >>> from gradkit.check import check_backward
    >>> def run(attempt):
    ...     x = np.random.default_rng(attempt).uniform(-1, 1, size=(3,))
    ...     return check_backward(lambda v: abs(v), [x], seed=attempt, raise_on_failure=False)
    >>> check_with_resampling(run).status.value
    'passed'
    """
    if max_resamples < 0:
        raise ValueError(f"max_resamples must be >= 0; got {max_resamples}")
    discarded = 0
    while True:
        result = run(discarded)
        if result.status is not Status.NONDIFFERENTIABLE or discarded >= max_resamples:
            break
        discarded += 1
    result.discarded_samples = discarded
    if raise_on_failure and result.is_failure:
        raise GradientCheckError(result)
    return result
