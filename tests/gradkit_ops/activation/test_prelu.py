"""prelu: slope shapes (per channel, per channel and position, shared), gradients of x and W
to second order (the mixed derivative included), and shape errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.activation import prelu


def _off_zero(rng, shape):
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "w_view"),
    [
        ((2, 3), (3,), (1, 3)),
        ((2, 3, 4), (3,), (1, 3, 1)),
        ((2, 3, 4), (3, 4), (1, 3, 4)),
        ((2, 3), (), ()),
    ],
)
def test_values(x_shape, w_shape, w_view, rng) -> None:
    x = _off_zero(rng, x_shape)
    w = rng.uniform(0.1, 0.5, w_shape)
    expected = np.where(x >= 0, x, np.reshape(w, w_view) * x)
    np.testing.assert_allclose(prelu(x, w).array, expected)


@pytest.mark.parametrize("device", ["cpu", "strict"])
@pytest.mark.parametrize(("x_shape", "w_shape"), [((2, 3), (3,)), ((2, 3, 2), (3,)), ((3,), ())])
def test_gradients_of_x_and_w_to_second_order(device, x_shape, w_shape, rng, gradcheck) -> None:
    gradcheck(prelu, [_off_zero(rng, x_shape), rng.uniform(0.1, 0.5, w_shape)], device=device)


def test_slope_gradient_sums_over_batch_and_positions() -> None:
    x = gradkit.Variable(np.array([[[-1.0, 2.0], [-3.0, -4.0]], [[-5.0, 6.0], [7.0, -8.0]]]))
    w = gradkit.Parameter(np.array([0.5, 0.25]))
    prelu(x, w).sum().backward()
    np.testing.assert_allclose(w.grad, [-1.0 - 5.0, -3.0 - 4.0 - 8.0])
    np.testing.assert_allclose(x.grad[0, 0], [0.5, 1.0])


def test_shape_and_dtype_errors() -> None:
    with pytest.raises(ValueError, match=r"needs W of shape x.shape\[1:2\] = \(3,\)"):
        prelu(np.ones((2, 3)), np.ones(4))
    with pytest.raises(TypeError, match="dtype"):
        prelu(np.ones((2, 3)), np.ones(3, dtype=np.float32))
