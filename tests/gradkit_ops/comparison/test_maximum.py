"""maximum and minimum: values, broadcasting, the shared gradient at ties, and gradients to
second order on cpu and strict."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.comparison import maximum, minimum

OPS = [(maximum, np.maximum), (minimum, np.minimum)]


def _apart(rng, shape, offset):
    # values on interleaved grids, never within 0.1 of the other operand's values
    return rng.choice(np.arange(-1.2 + offset, 1.2, 0.4), shape) + rng.uniform(-0.05, 0.05, shape)


@pytest.mark.parametrize(("op", "ref"), OPS, ids=["maximum", "minimum"])
def test_forward_broadcasts_like_numpy(op, ref, rng) -> None:
    a = rng.standard_normal((2, 1, 3)).astype(np.float32)
    b = rng.standard_normal((4, 1)).astype(np.float32)
    y = op(a, b)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.array, ref(a, b))


@pytest.mark.parametrize(("op", "ref"), OPS, ids=["maximum", "minimum"])
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(op, ref, device, rng, gradcheck) -> None:
    gradcheck(op, [_apart(rng, (2, 3), 0.0), _apart(rng, (3,), 0.2)], device=device)


@pytest.mark.parametrize(("op", "ref"), OPS, ids=["maximum", "minimum"])
def test_ties_share_the_gradient_equally(op, ref) -> None:
    a = gradkit.Variable(np.array([1.0, 2.0, 0.5]))
    b = gradkit.Variable(np.array([1.0, 0.0, 3.0]))
    op(a, b).sum().backward()
    picked_a = ref(a.array, b.array) == a.array
    np.testing.assert_array_equal(a.grad, np.where(picked_a, 1.0, 0.0) - [0.5, 0, 0])
    np.testing.assert_array_equal(a.grad + b.grad, np.ones(3))


def test_scalar_operand_gives_relu(strict) -> None:
    x = gradkit.Variable(strict.send(np.array([-1.0, 2.0], dtype=np.float32)))
    y = maximum(x, 0.0)
    assert y.device == strict and y.dtype == x.dtype
    y.sum().backward()
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), [0.0, 1.0])


def test_dtype_mismatch_is_an_error() -> None:
    with pytest.raises(TypeError, match=r"maximum: input 0 has dtype float32"):
        maximum(np.ones(2, np.float32), np.ones(2))
