"""cumprod: running products, with exact gradients where the input holds zeros."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.reduction import cumprod


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_forward_and_gradients(device, forward, gradcheck, rng, axis) -> None:
    x = rng.uniform(0.5, 1.5, (3, 5)) * rng.choice([-1, 1], (3, 5))
    fn = lambda v: cumprod(v, axis)  # noqa: E731
    forward(fn, lambda a: np.cumprod(a, axis), x, device=device, rtol=1e-14)
    gradcheck(fn, [x], device=str(device))


@pytest.mark.parametrize("zeros", [[2], [0], [6], [1, 4], [0, 1, 7]])
def test_zeros_in_the_input(device, gradcheck, rng, zeros) -> None:
    # 7 or 8 elements: several doubling steps of the scan, one not a power of two
    x = rng.uniform(0.5, 1.5, (2, 8 if 7 in zeros else 7))
    x[:, zeros] = 0.0
    gradcheck(lambda v: cumprod(v, axis=1), [x], device=str(device))


def test_gradient_values_with_a_zero() -> None:
    x = gradkit.Variable(np.array([2.0, 0.0, 3.0]))
    cumprod(x).sum().backward()
    # y = [x0, x0 x1, x0 x1 x2]: dy/dx0 = 1 + x1 + x1 x2, dy/dx1 = x0 + x0 x2, dy/dx2 = x0 x1
    np.testing.assert_array_equal(x.grad, [1.0, 8.0, 0.0])


def test_scalar_and_empty(device) -> None:
    assert cumprod(device.send(np.array(2.0))).shape == (1,)
    x = gradkit.Variable(device.send(np.zeros((0, 3))))
    y = cumprod(x, axis=0)
    y.grad = device.send(np.zeros((0, 3)))
    y.backward()
    assert x.grad.shape == (0, 3)
