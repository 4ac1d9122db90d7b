"""softmax and log_softmax: values along any axis without overflow, rows summing to 1,
gradients to second order on cpu and strict, zero-size and 0-d inputs."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.activation import log_softmax, softmax


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_values(axis, dtype, rng) -> None:
    x = rng.uniform(-3, 3, (2, 3, 4)).astype(dtype)
    y = softmax(x, axis)
    z = log_softmax(x, axis)
    assert y.dtype == dtype and z.dtype == dtype
    rtol = {np.float16: 3e-3, np.float32: 2e-6, np.float64: 1e-14}[dtype]
    ref = _softmax(x.astype(np.float64), axis)
    np.testing.assert_allclose(y.array, ref, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(z.array, np.log(ref), rtol=rtol, atol=rtol)


def test_no_overflow_and_no_log_of_zero() -> None:
    x = np.array([[1000.0, 1000.0, -1000.0]])
    np.testing.assert_allclose(softmax(x).array, [[0.5, 0.5, 0.0]])
    np.testing.assert_allclose(log_softmax(x).array, [[-np.log(2), -np.log(2), -2000 - np.log(2)]])


@pytest.mark.parametrize("op", [softmax, log_softmax])
@pytest.mark.parametrize("axis", [0, -1])
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(op, axis, device, rng, gradcheck) -> None:
    gradcheck(lambda x: op(x, axis), [rng.uniform(-3, 3, (2, 3))], device=device)


def test_softmax_gradient_is_orthogonal_to_constants(rng) -> None:
    x = gradkit.Variable(rng.standard_normal((2, 5)))
    (softmax(x) * rng.standard_normal((2, 5))).sum().backward()
    np.testing.assert_allclose(x.grad.sum(axis=-1), [0.0, 0.0], atol=1e-15)


def test_empty_axis_and_zero_d() -> None:
    assert softmax(np.zeros((0, 3)), axis=0).shape == (0, 3)
    assert log_softmax(np.zeros((2, 0))).shape == (2, 0)
    with pytest.raises(ValueError, match="0-d"):
        softmax(np.array(1.0))
