"""logsumexp: stable for large inputs; its gradient is the softmax."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.reduction import logsumexp


def _reference(a: np.ndarray, axis, keepdims: bool) -> np.ndarray:
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@pytest.mark.parametrize(("axis", "keepdims"), [(None, False), (1, True), ((0, 2), False)])
def test_forward_and_gradients(device, forward, gradcheck, rng, axis, keepdims) -> None:
    x = rng.standard_normal((2, 3, 4))
    fn = lambda v: logsumexp(v, axis, keepdims)  # noqa: E731
    forward(fn, lambda a: _reference(a, axis, keepdims), x, device=device, rtol=1e-14)
    gradcheck(fn, [x], device=str(device))


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_large_and_infinite_inputs(device) -> None:
    x = device.send(np.array([[1000.0, 1000.0], [-np.inf, -np.inf], [-np.inf, 0.0]]))
    y = gradkit.to_numpy(logsumexp(x, axis=1).array)
    np.testing.assert_allclose(y, [1000.0 + np.log(2.0), -np.inf, 0.0])


def test_gradient_is_softmax(rng) -> None:
    a = rng.standard_normal((3, 4)) * 30
    x = gradkit.Variable(a)
    logsumexp(x, axis=1).sum().backward()
    e = np.exp(a - a.max(axis=1, keepdims=True))
    np.testing.assert_allclose(x.grad, e / e.sum(axis=1, keepdims=True), rtol=1e-12)


def test_empty_is_minus_infinity(device) -> None:
    y = gradkit.to_numpy(logsumexp(device.send(np.zeros((0, 3))), axis=0, keepdims=True).array)
    np.testing.assert_array_equal(y, np.full((1, 3), -np.inf))


def test_second_derivative_of_large_float32_inputs_keeps_its_digits(device) -> None:
    # d p1 / d x1 = p1 (1 - p1), with 1 - p1 = 2e-4: a softmax through the output y, rounded
    # to float32 near 509 (spacing 3e-5), was 5% off; through x - max(x) it is exact to 1e-4.
    x = gradkit.Variable(device.send(np.array([500.5, 509.0], dtype=np.float32)))
    (g,) = gradkit.grad([logsumexp(x)], [x], enable_double_backprop=True)
    (gg,) = gradkit.grad([g[1]], [x])
    q = 1.0 / (1.0 + np.exp(8.5))  # 1 - p1, in float64
    exact = q * (1.0 - q)
    np.testing.assert_allclose(gradkit.to_numpy(gg.array), [-exact, exact], rtol=1e-4)


def test_gradient_of_an_empty_reduction_is_empty(device) -> None:
    x = gradkit.Variable(device.send(np.zeros((0, 3))))
    logsumexp(x, axis=0).sum().backward()
    assert gradkit.to_numpy(x.grad).shape == (0, 3)
