"""Matrix product with NumPy's matmul rules: 1-d operands and batch broadcasting."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit import Variable
from gradkit import arithmetic as ga

DEVICES = ["cpu", "strict"]

SHAPES = [
    ((2, 3), (3, 4)),
    ((3,), (3, 2)),
    ((2, 3), (3,)),
    ((3,), (3,)),
    ((2, 2, 3), (3, 2)),
    ((3,), (2, 3, 2)),
    ((2, 2, 3), (3,)),
    ((2, 1, 2, 3), (3, 3, 2)),
]


@pytest.mark.parametrize(("sa", "sb"), SHAPES)
def test_matmul_forward(sa, sb, rng):
    """matmul matches NumPy."""
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    y = ga.matmul(Variable(a), Variable(b))
    np.testing.assert_allclose(y.array, np.matmul(a, b), rtol=1e-13)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("sa", "sb"), SHAPES)
def test_matmul_gradients(sa, sb, device, rng, gradcheck):
    """Gradients of both operands (first and second order), 1-d and batched shapes
    included."""
    gradcheck(lambda a, b: a @ b, [rng.standard_normal(sa), rng.standard_normal(sb)], device=device)


def test_matmul_with_itself(rng, gradcheck):
    """``x @ x.T`` uses one variable twice."""
    gradcheck(lambda x: x @ x.T, [rng.standard_normal((2, 3))])


def test_matmul_with_a_zero_dim_operand_is_an_error():
    """A 0-d operand raises ValueError that points to ``*``."""
    with pytest.raises(ValueError, match=r"\*"):
        ga.matmul(Variable(np.array(2.0)), Variable(np.ones(3)))


def test_matmul_gradient_values():
    """For ``y = a @ b``: ``ga = gy @ b.T`` and ``gb = a.T @ gy``."""
    a = Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    b = Variable(np.array([[0.5, -1.0], [2.0, 1.0]]))
    gy = np.array([[1.0, 0.0], [2.0, 3.0]])
    y = a @ b
    y.grad = gy
    y.backward()
    np.testing.assert_allclose(a.grad, gy @ b.array.T)
    np.testing.assert_allclose(b.grad, a.array.T @ gy)
