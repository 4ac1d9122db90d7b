"""Exponential ops beyond the shared table of test_unary.py: special values and binary ops."""

from __future__ import annotations

import numpy as np

import gradkit
import gradkit_ops.math.exponential as ex


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
