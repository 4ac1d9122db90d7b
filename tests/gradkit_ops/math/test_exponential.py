"""Exponentials and logarithms: forward against NumPy, accuracy near 0 and without overflow,
gradients to second order on cpu and strict."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
import gradkit_ops.math.exponential as ex

UNARY = [
    (ex.exp, np.exp, (-2.0, 2.0)),
    (ex.log, np.log, (0.2, 3.0)),
    (ex.exp2, np.exp2, (-3.0, 3.0)),
    (ex.expm1, np.expm1, (-2.0, 2.0)),
    (ex.log2, np.log2, (0.2, 3.0)),
    (ex.log10, np.log10, (0.2, 3.0)),
    (ex.log1p, np.log1p, (-0.7, 2.0)),
]
IDS = [op.__name__ for op, _, _ in UNARY]


@pytest.mark.parametrize(("op", "ref", "domain"), UNARY, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_forward_matches_numpy(op, ref, domain, dtype, rng) -> None:
    x = rng.uniform(*domain, (3, 4)).astype(dtype)
    y = op(x)
    assert y.dtype == dtype and y.shape == (3, 4)
    rtol = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-14}[dtype]
    np.testing.assert_allclose(y.array, ref(x), rtol=rtol, atol=rtol)


@pytest.mark.parametrize(("op", "ref", "domain"), UNARY, ids=IDS)
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(op, ref, domain, device, rng, gradcheck) -> None:
    gradcheck(op, [rng.uniform(*domain, (2, 3))], device=device)


@pytest.mark.parametrize(("op", "ref", "domain"), UNARY, ids=IDS)
def test_strict_matches_cpu(op, ref, domain, rng, strict) -> None:
    x = rng.uniform(*domain, (2, 3))
    y = op(gradkit.Variable(strict.send(x)))
    assert y.device == strict
    np.testing.assert_allclose(gradkit.to_numpy(y.array), op(x).array, rtol=1e-15)


def test_expm1_and_log1p_keep_relative_accuracy_near_zero() -> None:
    tiny = np.array([1e-12, -3e-15])
    np.testing.assert_allclose(ex.expm1(tiny).array, tiny + tiny**2 / 2, rtol=1e-15)
    np.testing.assert_allclose(ex.log1p(tiny).array, tiny - tiny**2 / 2, rtol=1e-15)


def test_logaddexp_values_without_overflow() -> None:
    a = np.array([1000.0, 0.0, -1000.0])
    b = np.array([1000.0, -1000.0, -1000.0])
    np.testing.assert_allclose(
        ex.logaddexp(a, b).array, [1000.0 + np.log(2), 0.0, -1000.0 + np.log(2)]
    )


def test_logaddexp_gradients_are_softmax_weights(rng, gradcheck) -> None:
    a = gradkit.Variable(np.array([1000.0, 0.0]))
    b = gradkit.Variable(np.array([1000.0, -1000.0]))
    ex.logaddexp(a, b).sum().backward()
    np.testing.assert_allclose(a.grad, [0.5, 1.0])
    np.testing.assert_allclose(b.grad, [0.5, 0.0])
    gradcheck(ex.logaddexp, [rng.uniform(-3, 3, (2, 3)), rng.uniform(-3, 3, (3,))])
    gradcheck(ex.logaddexp, [rng.uniform(-3, 3, (2, 1)), rng.uniform(-3, 3, (3,))], device="strict")


def test_logaddexp_takes_a_scalar_operand() -> None:
    x = np.array([0.0, 1.0], dtype=np.float32)
    y = ex.logaddexp(x, 0.0)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.array, np.logaddexp(x, 0.0), rtol=1e-6)


def test_engine_exp_and_log_carry_specs() -> None:
    assert ex.exp.spec.reference is np.exp
    assert ex.log.spec.inputs[0].domain[0] > 0
