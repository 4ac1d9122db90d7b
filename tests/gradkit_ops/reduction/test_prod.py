"""prod: the product over axes, exact where the input holds zeros."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.reduction import prod


@pytest.mark.parametrize(
    ("axis", "keepdims"), [(None, False), (1, False), (-1, True), ((0, 2), False), ((2, 0), True)]
)
def test_forward_and_gradients(device, forward, gradcheck, rng, axis, keepdims) -> None:
    x = rng.uniform(0.5, 1.5, (2, 3, 4)) * rng.choice([-1, 1], (2, 3, 4))
    fn = lambda v: prod(v, axis, keepdims)  # noqa: E731
    forward(fn, lambda a: np.prod(a, axis, keepdims=keepdims), x, device=device, rtol=1e-14)
    gradcheck(fn, [x], device=str(device))


@pytest.mark.parametrize("zeros", [[(1, 2)], [(1, 2), (1, 0)], [(0, 0), (0, 1), (0, 3)]])
def test_zeros_in_the_input(device, gradcheck, rng, zeros) -> None:
    x = rng.uniform(0.5, 1.5, (2, 4))
    for idx in zeros:
        x[idx] = 0.0
    gradcheck(lambda v: prod(v, axis=1), [x], device=str(device))
    gradcheck(lambda v: prod(v), [x], device=str(device))


def test_gradient_values_with_one_and_two_zeros() -> None:
    x = gradkit.Variable(np.array([2.0, 0.0, 3.0]))
    (gx,) = gradkit.grad([prod(x)], [x], enable_double_backprop=True)
    np.testing.assert_array_equal(gx.array, [0.0, 6.0, 0.0])  # only the zero gets a gradient
    (ggx,) = gradkit.grad([gx[1]], [x])
    np.testing.assert_array_equal(ggx.array, [3.0, 0.0, 2.0])

    x = gradkit.Variable(np.array([0.0, 0.0, 3.0]))
    (gx,) = gradkit.grad([prod(x)], [x], enable_double_backprop=True)
    np.testing.assert_array_equal(gx.array, [0.0, 0.0, 0.0])
    (ggx,) = gradkit.grad([gx[0]], [x])
    np.testing.assert_array_equal(ggx.array, [0.0, 3.0, 0.0])  # d2/dx0 dx1 = x2


def test_long_axis_is_exact(gradcheck, rng) -> None:
    # 11 elements: several doubling steps of the scan, with a length that is no power of two
    x = rng.uniform(0.8, 1.2, (11,))
    x[4] = 0.0
    gradcheck(lambda v: prod(v), [x])


def test_scalar_empty_and_float32(device) -> None:
    assert float(gradkit.to_numpy(prod(device.send(np.array(2.5))).array)) == 2.5
    x = gradkit.Variable(device.send(np.zeros((0, 3))))
    y = prod(x, axis=0)
    np.testing.assert_array_equal(gradkit.to_numpy(y.array), np.ones(3))
    y.grad = device.send(np.ones(3))
    y.backward()
    assert x.grad.shape == (0, 3)
    x32 = gradkit.Variable(device.send(np.array([1.5, 2.0], dtype=np.float32)))
    y32 = prod(x32)
    y32.backward()
    assert gradkit.to_numpy(y32.array).dtype == np.float32
    np.testing.assert_array_equal(gradkit.to_numpy(x32.grad), np.array([2.0, 1.5], np.float32))
