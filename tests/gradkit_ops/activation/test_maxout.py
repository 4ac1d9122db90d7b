"""maxout: values along any axis, the gradient to the maximum (shared at ties), gradients to
second order on cpu and strict, and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.activation import maxout


def _distinct(rng, shape):
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 + rng.uniform(-0.01, 0.01, n)).reshape(shape)


@pytest.mark.parametrize(
    ("shape", "pool", "axis"),
    [((2, 6), 2, 1), ((2, 6, 3), 3, 1), ((2, 3, 4), 2, -1), ((4, 3), 4, 0)],
)
def test_values(shape, pool, axis, rng) -> None:
    x = rng.standard_normal(shape)
    a = axis % len(shape)
    grouped = x.reshape(*shape[:a], shape[a] // pool, pool, *shape[a + 1 :])
    np.testing.assert_array_equal(maxout(x, pool, axis).array, grouped.max(axis=a + 1))


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(device, rng, gradcheck) -> None:
    gradcheck(lambda x: maxout(x, 2), [_distinct(rng, (2, 4))], device=device)
    gradcheck(lambda x: maxout(x, 3, axis=-1), [_distinct(rng, (2, 2, 3))], device=device)


def test_gradient_goes_to_the_maximum_and_is_shared_at_ties() -> None:
    x = gradkit.Variable(np.array([[1.0, 3.0, 2.0, 2.0]]))
    maxout(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0, 0.5, 0.5]])


def test_errors() -> None:
    with pytest.raises(ValueError, match="does not divide"):
        maxout(np.zeros((2, 5)), 2)
    with pytest.raises(ValueError, match="positive int"):
        maxout(np.zeros((2, 4)), 0)
    with pytest.raises(ValueError, match="0-d"):
        maxout(np.array(1.0), 1)
