"""mean: sum divided by the number of reduced elements."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.reduction import mean


@pytest.mark.parametrize(
    ("axis", "keepdims"), [(None, False), (1, False), (-1, True), ((0, 2), True)]
)
def test_forward_and_gradients(device, forward, gradcheck, rng, axis, keepdims) -> None:
    x = rng.standard_normal((2, 3, 4))
    fn = lambda v: mean(v, axis, keepdims)  # noqa: E731
    forward(fn, lambda a: np.mean(a, axis, keepdims=keepdims), x, device=device, rtol=1e-14)
    gradcheck(fn, [x], device=str(device))


def test_gradient_is_one_over_n() -> None:
    x = gradkit.Variable(np.ones((2, 5), dtype=np.float32))
    mean(x, axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 5), 0.2, dtype=np.float32))


def test_scalar_and_empty(device) -> None:
    assert float(gradkit.to_numpy(mean(device.send(np.array(2.5))).array)) == 2.5
    empty = gradkit.to_numpy(mean(device.send(np.zeros((0, 3))), axis=0).array)
    assert empty.shape == (3,) and np.isnan(empty).all()
