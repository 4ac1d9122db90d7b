"""Special-function ops: values through the backend table, gradients to second (and higher)
order, and strict-device round trips. Their accuracy is tested in test_special_functions.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradkit
import gradkit_ops.math.special as sp


def _away_from_poles(rng, shape):
    # in (0.2, 4) or between the poles -1 and -2
    x = rng.uniform(0.3, 4.0, shape)
    return np.where(rng.random(shape) < 0.3, rng.uniform(-1.75, -1.25, shape), x)


CASES = [
    (sp.erf, np.vectorize(math.erf), lambda rng, s: rng.uniform(-2.5, 2.5, s)),
    (sp.erfc, np.vectorize(math.erfc), lambda rng, s: rng.uniform(-2.5, 2.5, s)),
    (sp.lgamma, np.vectorize(math.lgamma), _away_from_poles),
]
GRADIENT_CASES = [
    (sp.erf, lambda rng, s: rng.uniform(-2.5, 2.5, s)),
    (sp.erfc, lambda rng, s: rng.uniform(-2.5, 2.5, s)),
    (sp.erfinv, lambda rng, s: rng.uniform(-0.9, 0.9, s)),
    (sp.lgamma, _away_from_poles),
    (sp.digamma, _away_from_poles),
    (lambda x: sp.polygamma(2, x), lambda rng, s: rng.uniform(0.5, 4.0, s)),
]


@pytest.mark.parametrize(("op", "ref", "sample"), CASES, ids=["erf", "erfc", "lgamma"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_forward_matches_math_module(op, ref, sample, dtype, rng) -> None:
    x = sample(rng, (3, 4)).astype(dtype)
    y = op(x)
    assert y.dtype == dtype
    rtol = {np.float16: 1e-3, np.float32: 1e-6, np.float64: 1e-14}[dtype]
    np.testing.assert_allclose(y.array, ref(x.astype(np.float64)), rtol=rtol, atol=rtol)


@pytest.mark.parametrize(("op", "sample"), GRADIENT_CASES, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(op, sample, device, rng, gradcheck) -> None:
    gradcheck(op, [sample(rng, (2, 3))], device=device)


def test_known_values() -> None:
    euler = 0.5772156649015329
    np.testing.assert_allclose(
        sp.digamma(np.array([1.0, 0.5])).array, [-euler, -euler - 2 * math.log(2)], rtol=1e-15
    )
    np.testing.assert_allclose(sp.polygamma(1, np.array([1.0])).array, [math.pi**2 / 6])
    np.testing.assert_allclose(sp.erfinv(sp.erf(np.array([-1.3, 0.2])).array).array, [-1.3, 0.2])


def test_derivatives_of_digamma_to_third_order() -> None:
    x = gradkit.Variable(np.array([0.7, 2.5]))
    y = sp.digamma(x)
    (g1,) = gradkit.grad([y.sum()], [x], enable_double_backprop=True)
    (g2,) = gradkit.grad([g1.sum()], [x], enable_double_backprop=True)
    (g3,) = gradkit.grad([g2.sum()], [x])
    for order, g in ((1, g1), (2, g2), (3, g3)):
        np.testing.assert_allclose(g.array, sp.polygamma(order, x.array).array, rtol=1e-15)


def test_polygamma_rejects_bad_orders() -> None:
    for n in (-1, 1.0, True):
        with pytest.raises(ValueError, match="non-negative int"):
            sp.polygamma(n, np.array([1.0]))


def test_strict_results_stay_on_the_strict_device(strict, rng) -> None:
    x = rng.uniform(0.1, 0.9, (2, 3))
    for op in (sp.erf, sp.erfc, sp.erfinv, sp.lgamma, sp.digamma):
        y = op(gradkit.Variable(strict.send(x)))
        assert y.device == strict
        np.testing.assert_array_equal(gradkit.to_numpy(y.array), op(x).array)
