"""broadcast_to and sum_to: the one broadcasting rule and its adjoint."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit import Variable
from gradkit import arithmetic as ga

DEVICES = ["cpu", "strict"]

CASES = [
    ((3,), (2, 3)),
    ((1, 3), (4, 3)),
    ((2, 1), (2, 3)),
    ((), (2, 2)),
    ((2, 1, 3), (4, 2, 5, 3)),
]


@pytest.mark.parametrize(("src", "dst"), CASES)
def test_broadcast_to_forward(src, dst, rng):
    """broadcast_to computes NumPy's broadcast."""
    a = rng.standard_normal(src)
    y = ga.broadcast_to(Variable(a), dst)
    assert y.shape == dst
    np.testing.assert_array_equal(y.array, np.broadcast_to(a, dst))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("src", "dst"), CASES)
def test_broadcast_to_gradients(src, dst, device, rng, gradcheck):
    """The gradient of broadcast_to sums over the broadcast axes (first and second order)."""
    gradcheck(lambda x: ga.broadcast_to(x, dst), [rng.standard_normal(src)], device=device)


@pytest.mark.parametrize(("dst", "src"), CASES)
def test_sum_to_forward(src, dst, rng):
    """sum_to sums over leading axes and axes where the target has size 1."""
    a = rng.standard_normal(src)
    y = ga.sum_to(Variable(a), dst)
    lead = a.ndim - len(dst)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(dst) if s == 1 and src[lead + i] != 1
    )
    expected = a.sum(axis=axes, keepdims=True).reshape(dst)
    assert y.shape == dst
    np.testing.assert_allclose(y.array, expected, rtol=1e-13)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("dst", "src"), CASES)
def test_sum_to_gradients(src, dst, device, rng, gradcheck):
    """The gradient of sum_to broadcasts back (first and second order)."""
    gradcheck(lambda x: ga.sum_to(x, dst), [rng.standard_normal(src)], device=device)


def test_same_shape_is_the_identity():
    """broadcast_to and sum_to to the same shape return the input itself (no new node)."""
    x = Variable(np.ones((2, 3)))
    assert ga.broadcast_to(x, (2, 3)) is x
    assert ga.sum_to(x, (2, 3)) is x


def test_sum_to_an_incompatible_shape_is_an_error():
    """sum_to to a shape that the input was not broadcast from raises ValueError with both
    shapes."""
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        ga.sum_to(Variable(np.ones((2, 3))), (3, 2))
    with pytest.raises(ValueError):
        ga.sum_to(Variable(np.ones((3,))), (2, 3))


def test_broadcast_to_an_incompatible_shape_is_an_error():
    """broadcast_to a shape the input cannot be broadcast to raises ValueError."""
    with pytest.raises(ValueError):
        ga.broadcast_to(Variable(np.ones((2, 3))), (3, 3))


def test_broadcast_then_sum_to_round_trip(rng):
    """sum_to(broadcast_to(x)) multiplies by the number of copies, in value and gradient."""
    x = Variable(rng.standard_normal((2, 1)))
    y = ga.sum_to(ga.broadcast_to(x, (3, 2, 4)), (2, 1))
    np.testing.assert_allclose(y.array, 12 * x.array)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.full((2, 1), 12.0))
