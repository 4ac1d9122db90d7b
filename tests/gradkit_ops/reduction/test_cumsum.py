"""cumsum: running sums; the gradient is a reversed running sum."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.reduction import cumsum


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_forward_and_gradients(device, forward, gradcheck, rng, axis) -> None:
    x = rng.standard_normal((3, 5))
    fn = lambda v: cumsum(v, axis)  # noqa: E731
    forward(fn, lambda a: np.cumsum(a, axis), x, device=device, rtol=1e-14)
    gradcheck(fn, [x], device=str(device))


def test_gradient_values() -> None:
    x = gradkit.Variable(np.zeros(4))
    y = cumsum(x)
    y.grad = np.array([1.0, 2.0, 3.0, 4.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [10.0, 9.0, 7.0, 4.0])


def test_scalar_and_empty(device) -> None:
    assert cumsum(device.send(np.array(2.0))).shape == (1,)
    assert cumsum(device.send(np.zeros((0, 3))), axis=0).shape == (0, 3)
    with pytest.raises(ValueError, match="axis=None"):
        cumsum(np.array(2.0), axis=0)
