"""Tier 1's tolerance along a random signed direction."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit.check import check_backward
from gradkit.check.directional import RSS_FACTOR, tolerance_along


def test_small_inputs_keep_the_linear_bound() -> None:
    """With few elements the linear sum is the smaller bound and is used as is."""
    d = {0: np.array([1.0, -0.5, 1.5])}
    tolw = {0: np.array([1e-7, 2e-7, 1e-7])}
    assert tolerance_along(d, tolw) == pytest.approx(1e-7 + 1e-7 + 1.5e-7)


def test_large_inputs_grow_with_the_square_root_of_the_size() -> None:
    """With n equal elements the bound is RSS_FACTOR * sqrt(n) tolerances, not n."""
    n = 10_000
    d = {0: np.ones(n)}
    tolw = {0: np.full(n, 1e-7)}
    assert tolerance_along(d, tolw) == pytest.approx(RSS_FACTOR * 100 * 1e-7)


def test_the_bound_holds_for_correct_errors_of_random_sign() -> None:
    """Errors within their per-element tolerance, seen along random signed directions, stay
    within the bound (the random-walk argument behind it), over many trials."""
    rng = np.random.default_rng(0)
    n = 4096
    tolw = np.full(n, 1e-7)
    errors = tolw * rng.uniform(-1, 1, n)  # a correct op's worst case: every error at its edge
    for _ in range(2000):
        d = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 1.5, n)
        assert abs(float(d @ errors)) <= tolerance_along({0: d}, {0: tolw})


class _OneWrongElement(gradkit.FunctionNode):
    """Doubling, whose backward is off by 0.1% in one element."""

    def forward(self, inputs):
        return (inputs[0] * 2,)

    def backward(self, target_input_indexes, grad_outputs):
        g = grad_outputs[0].array * 2
        g[65, 42] *= 1.001
        return (gradkit.Variable(g),)


@pytest.mark.parametrize("seed", range(5))
def test_one_wrong_element_among_sixteen_thousand_is_caught(seed: int) -> None:
    """A 1e-3 relative error in one element of a 128x128 input fails tier 1 (a linear bound
    would allow about 3e-3 along the direction and let it pass) and is localized."""
    x = np.random.default_rng(seed).standard_normal((128, 128))
    result = check_backward(
        lambda v: _OneWrongElement().apply((v,))[0], [x], seed=seed, raise_on_failure=False
    )
    assert result.status == "failed"
    assert result.subcheck == "values"
    assert result.inputs[0].worst[0].index == (65, 42)
