"""relu and leaky_relu: values, the gradient at the kink, gradients on cpu and strict."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.activation import leaky_relu, relu


def _off_zero(rng, shape):
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_values(dtype) -> None:
    x = np.array([-2.0, -0.0, 0.0, 3.0], dtype=dtype)
    assert relu(x).dtype == dtype
    np.testing.assert_array_equal(relu(x).array, [0.0, 0.0, 0.0, 3.0])
    np.testing.assert_array_equal(leaky_relu(x, 0.5).array, [-1.0, 0.0, 0.0, 3.0])
    np.testing.assert_allclose(leaky_relu(x).array, np.where(x >= 0, x, 0.01 * x))


def test_gradient_at_the_kink() -> None:
    x = gradkit.Variable(np.array([-1.0, 0.0, 2.0]))
    relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])
    x.cleargrad()
    leaky_relu(x, 0.1).sum().backward()
    np.testing.assert_allclose(x.grad, [0.1, 1.0, 1.0])


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(device, rng, gradcheck) -> None:
    gradcheck(relu, [_off_zero(rng, (2, 3))], device=device)
    gradcheck(lambda x: leaky_relu(x, 0.2), [_off_zero(rng, (2, 3))], device=device)


def test_relu_keeps_only_its_output(rng) -> None:
    y = relu(gradkit.Variable(rng.standard_normal(3)))
    assert y.creator._input_indexes_to_retain is None
    assert y.creator._output_indexes_to_retain == (0,)
