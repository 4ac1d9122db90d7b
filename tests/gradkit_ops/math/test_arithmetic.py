"""Arithmetic: the new unary ops against NumPy and their gradients, the zero gradient of
sign, and the specs attached to the engine's operators."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
import gradkit_ops.math.arithmetic as ar


def _nonzero(rng, shape):
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


UNARY = [
    (ar.reciprocal, np.reciprocal, _nonzero),
    (ar.square, np.square, lambda rng, s: rng.uniform(-2, 2, s)),
    (ar.sqrt, np.sqrt, lambda rng, s: rng.uniform(0.2, 3, s)),
    (ar.rsqrt, lambda x: 1 / np.sqrt(x), lambda rng, s: rng.uniform(0.2, 3, s)),
    (ar.cbrt, np.cbrt, lambda rng, s: _nonzero(rng, s) * 1.5),
]
IDS = [op.__name__ for op, _, _ in UNARY]


@pytest.mark.parametrize(("op", "ref", "sample"), UNARY, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_forward_matches_numpy(op, ref, sample, dtype, rng) -> None:
    x = sample(rng, (3, 4)).astype(dtype)
    y = op(x)
    assert y.dtype == dtype and y.shape == (3, 4)
    rtol = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-15}[dtype]
    np.testing.assert_allclose(y.array, ref(x), rtol=rtol)


@pytest.mark.parametrize(("op", "ref", "sample"), UNARY, ids=IDS)
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(op, ref, sample, device, rng, gradcheck) -> None:
    gradcheck(op, [sample(rng, (2, 3))], device=device)


@pytest.mark.parametrize(("op", "ref", "sample"), UNARY, ids=IDS)
def test_strict_matches_cpu(op, ref, sample, rng, strict) -> None:
    x = sample(rng, (2, 3))
    y = op(gradkit.Variable(strict.send(x)))
    assert y.device == strict
    np.testing.assert_allclose(gradkit.to_numpy(y.array), op(x).array, rtol=1e-15)


def test_cbrt_is_real_and_within_an_ulp_over_the_whole_range() -> None:
    x = np.concatenate([np.geomspace(1e-300, 1e300, 2001), -np.geomspace(1e-30, 1e30, 101)])
    x = np.concatenate([x, [-27.0, -8.0, 0.0, 64.0, np.inf, -np.inf]])
    y = ar.cbrt(x).array
    ref = np.cbrt(x)
    finite = np.isfinite(ref)
    assert np.all(np.abs(y[finite] - ref[finite]) <= np.spacing(np.abs(ref[finite])))
    np.testing.assert_array_equal(y[-6:], [-3.0, -2.0, 0.0, 4.0, np.inf, -np.inf])


def test_sign_has_a_zero_gradient_also_for_infinite_output_gradients() -> None:
    x = gradkit.Variable(np.array([-2.0, 0.0, 3.0]))
    y = ar.sign(x)
    np.testing.assert_array_equal(y.array, [-1.0, 0.0, 1.0])
    (gx,) = gradkit.grad([y], [x], [np.array([1.0, np.inf, -np.inf])])
    np.testing.assert_array_equal(gx.array, np.zeros(3))
    assert gx.dtype == x.dtype


def test_sign_zero_gradient_on_strict(strict) -> None:
    x = gradkit.Variable(strict.send(np.array([-2.0, 3.0])))
    ar.sign(x).sum().backward()
    assert x.grad.device == x.array.device
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), [0.0, 0.0])


def test_reciprocal_at_zero_is_infinite() -> None:
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(ar.reciprocal(np.array([0.0, -0.0])).array, [np.inf, -np.inf])


def test_engine_operators_carry_specs() -> None:
    for op in (ar.add, ar.sub, ar.mul, ar.div, ar.neg, ar.absolute, ar.matmul):
        assert op.spec.reference is not None, op.__name__
    names = sorted(spec.name for spec in ar.pow.spec)
    assert names == ["pow", "pow_integer_exponent", "pow_scalar_base", "pow_scalar_exponent"]
    # the three forms of pow run as their specs describe them
    x = gradkit.Variable(np.array([1.5, 2.0]))
    for spec in ar.pow.spec:
        if spec.factory is not None:
            y = spec.factory()(x)
            np.testing.assert_allclose(y.array, spec.reference(x.array))
