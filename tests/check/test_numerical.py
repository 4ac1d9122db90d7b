"""Numerical differentiation: the five-point stencil, its error estimate, kinks, steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradkit.check import numerical_grad
from gradkit.check.numerical import (
    STEP_SCALE_FLOOR,
    Probe,
    estimate_derivative,
    step_scale,
    unit_roundoff,
)


def _stencil(f, x0: float, h: float) -> list[float]:
    return [f(x0 + t * h) for t in (-2, -1, 0, 1, 2)]


@pytest.mark.parametrize(
    ("f", "df", "x0"),
    [(math.exp, math.exp, 3.0), (math.sin, math.cos, 0.7), (math.log, lambda x: 1 / x, 0.05)],
    ids=["exp", "sin", "log"],
)
def test_five_point_estimate_is_accurate_and_its_error_bound_holds(f, df, x0) -> None:
    h = 1e-3 * min(abs(x0), 1.0)
    est = estimate_derivative(*_stencil(f, x0, h), h, noise=abs(f(x0)) * 8 * 2**-53)
    assert est.finite
    assert abs(est.value - df(x0)) <= 1e-9 * abs(df(x0))
    assert abs(est.value - df(x0)) <= est.error
    assert est.kink < 1e-6 * abs(df(x0))


def test_a_kink_inside_the_stencil_shows_as_one_sided_disagreement() -> None:
    h = 1e-3
    est = estimate_derivative(*_stencil(lambda x: abs(x), 0.4e-3, h), h, noise=0.0)
    assert est.kink > 0.5
    smooth = estimate_derivative(*_stencil(lambda x: abs(x), 0.5, h), h, noise=0.0)
    assert smooth.kink < 1e-9


def test_non_finite_values_are_flagged() -> None:
    est = estimate_derivative(1.0, 2.0, 3.0, math.inf, 5.0, 1e-3, 0.0)
    assert not est.finite
    assert math.isinf(est.error)


def test_step_scale_is_relative_near_zero_and_absolute_beyond_one() -> None:
    s = step_scale(np.array([0.0, 1e-3, 0.5, 3.0, -20.0]))
    assert s.tolist() == [STEP_SCALE_FLOOR, STEP_SCALE_FLOOR, 0.5, 1.0, 1.0]
    assert step_scale(np.array(0.3)).shape == ()


def test_unit_roundoff() -> None:
    assert unit_roundoff("float64") == 2.0**-53
    assert unit_roundoff("float16") == 2.0**-11


def test_numerical_grad_multi_input_multi_output_and_integer_input() -> None:
    x = np.array([0.5, -1.0, 2.0])
    w = np.array([1.5, 0.25, -0.5])
    idx = np.array([0, 2])

    def f(x, w, idx):
        return x * w, np.sin(x)[idx]

    gy = [np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.7])]
    gx, gw, gi = numerical_grad(f, [x, w, idx], gy)
    expected_gx = gy[0] * w
    expected_gx[idx] += gy[1] * np.cos(x[idx])
    np.testing.assert_allclose(gx, expected_gx, rtol=1e-10)
    np.testing.assert_allclose(gw, gy[0] * x, rtol=1e-10)
    assert gi.tolist() == [0.0, 0.0]


def test_numerical_grad_of_float16_inputs_is_computed_in_float64() -> None:
    x = np.array([0.1, 0.7, 1.3], dtype=np.float16)
    (g,) = numerical_grad(np.tanh, [x])
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 1 - np.tanh(x.astype(np.float64)) ** 2, rtol=1e-9)
    (g16,) = numerical_grad(np.tanh, [x], float64=False, eps=0.1)
    np.testing.assert_allclose(g16, g, rtol=0.1)  # own dtype: only as good as float16


def test_probe_costs_four_evaluations_per_derivative_whatever_the_size() -> None:
    for n in (3, 10_000):
        x = np.linspace(-1, 1, n)
        u = np.ones(n)
        probe = Probe(lambda a: (np.sin(a[0]),), [x], [u], [np.sin(x)])
        d = np.random.default_rng(0).uniform(-1, 1, size=n)
        est = probe.derivative({0: d}, 1e-3, {0: np.cos(x)})
        assert probe.n_evals == 4
        assert est.value == pytest.approx(est.analytic, rel=1e-9)


def test_probe_in_float16_compares_against_the_displacements_actually_made() -> None:
    x = np.linspace(0.1, 2.0, 50).astype(np.float16)
    u = np.ones(50)
    probe = Probe(lambda a: (np.exp(a[0]),), [x], [u], [np.exp(x)])
    d = np.random.default_rng(1).uniform(-1, 1, size=50)
    g = np.exp(x.astype(np.float64))
    est = probe.derivative({0: d}, 0.1, {0: g})
    # The float16 stencil points are rounded: the analytic prediction over those very points
    # agrees with the numerical value to float16 noise, the naive g . d much less well.
    assert abs(est.value - est.analytic) <= est.error
    assert abs(est.value - est.analytic) < abs(est.value - float(g @ d))
