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
