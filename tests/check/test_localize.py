"""Tier 2: element-wise derivatives and bisection, bounded in cost, never a dense Jacobian."""

from __future__ import annotations

import numpy as np

from gradkit.check.localize import BISECT_MAX_EVALS, BISECT_MAX_LEAVES, bisect, check_elements
from gradkit.check.numerical import Probe, step_scale


def _setup(n: int, wrong: dict[int, float]):
    x = np.random.default_rng(0).uniform(-1, 1, size=n)
    probe = Probe(lambda a: (np.sin(a[0]),), [x], [np.ones(n)], [np.sin(x)])
    g = np.cos(x)
    for i, v in wrong.items():
        g[i] = v
    tolw = {0: 1e-9 + 1e-7 * np.abs(g)}
    return x, probe, {0: g}, tolw


def test_check_elements_finds_the_wrong_one() -> None:
    x, probe, grads, tolw = _setup(6, {4: 5.0})
    checks = check_elements(
        probe, [(0, i) for i in range(6)], {0: step_scale(x)}, grads, tolw, 1e-3
    )
    assert [c.mismatch for c in checks] == [False] * 4 + [True, False]
    assert checks[4].analytic == 5.0
    assert abs(checks[4].numeric - np.cos(x[4])) < 1e-9


def test_bisection_localizes_one_element_of_a_million_in_log_time() -> None:
    n = 1_000_000
    x, probe, grads, tolw = _setup(n, {777_777: 0.0})
    d = np.random.default_rng(1).uniform(-1, 1, size=n) * step_scale(x)
    found = bisect(probe, {0: d}, grads, tolw, 1e-3)
    assert [c.flat for c in found.leaves] == [777_777]
    assert found.complete and found.wrong_slots == {0}
    assert probe.n_evals <= 8 * 21 + 12  # two halves of four evaluations per level


def test_bisection_stops_at_its_budget_when_everything_is_wrong() -> None:
    n = 4096
    x, probe, grads, tolw = _setup(n, {})
    grads[0] = -grads[0]
    d = np.random.default_rng(1).uniform(-1, 1, size=n) * step_scale(x)
    found = bisect(probe, {0: d}, grads, tolw, 1e-3)
    assert not found.complete
    assert 0 < len(found.leaves) <= BISECT_MAX_LEAVES
    assert probe.n_evals <= BISECT_MAX_EVALS + 12
