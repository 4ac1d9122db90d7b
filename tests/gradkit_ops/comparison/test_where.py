"""where: selection with broadcasting, gradients of both branches, scalars, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.comparison import where


def test_values_broadcast_three_ways(rng) -> None:
    c = rng.random((3, 1)) < 0.5
    x = rng.standard_normal((4,))
    z = rng.standard_normal((2, 1, 1))
    np.testing.assert_array_equal(where(c, x, z).array, np.where(c, x, z))


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(device, rng, gradcheck) -> None:
    host = rng.random((2, 3)) < 0.5

    def select(x, z):
        return where(x.device.send(host), x, z)  # the condition lives on x's device

    gradcheck(select, [rng.standard_normal((2, 3)), rng.standard_normal((3,))], device=device)


def test_gradient_is_the_selection_even_for_infinite_gradients() -> None:
    x = gradkit.Variable(np.array([1.0, 2.0, 3.0]))
    z = gradkit.Variable(np.array(-1.0))
    y = where(np.array([True, False, True]), x, z)
    gx, gz = gradkit.grad([y], [x, z], [np.array([np.inf, 5.0, 1.0])])
    np.testing.assert_array_equal(gx.array, [np.inf, 0.0, 1.0])
    np.testing.assert_array_equal(gz.array, 5.0)


def test_condition_variable_and_scalar_branch() -> None:
    x = gradkit.Variable(np.array([1.0, -2.0], dtype=np.float32))
    y = where(gradkit.Variable(x.array > 0), x, 0.0)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.array, [1.0, 0.0])


def test_errors() -> None:
    with pytest.raises(TypeError, match="boolean"):
        where(np.array([1.0, 0.0]), np.ones(2), np.zeros(2))
    with pytest.raises(TypeError, match="both scalars"):
        where(np.array([True]), 1.0, 0.0)
