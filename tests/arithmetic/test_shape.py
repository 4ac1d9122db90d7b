"""reshape and transpose (and the Variable methods built on them)."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit import Variable
from gradkit import arithmetic as ga

DEVICES = ["cpu", "strict"]


@pytest.mark.parametrize(
    ("src", "dst"),
    [((2, 3), (3, 2)), ((2, 3), (6,)), ((6,), (1, 2, 3)), ((2, 3, 4), (4, -1)), ((1,), ())],
)
def test_reshape_forward(src, dst, rng):
    """reshape matches NumPy, -1 included."""
    a = rng.standard_normal(src)
    y = ga.reshape(Variable(a), dst)
    np.testing.assert_array_equal(y.array, a.reshape(dst))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("src", "dst"), [((2, 3), (3, 2)), ((2, 3, 2), (4, -1)), ((1,), ())])
def test_reshape_gradients(src, dst, device, rng, gradcheck):
    """reshape's gradient is the gradient reshaped back (first and second order)."""
    gradcheck(lambda x: ga.reshape(x, dst), [rng.standard_normal(src)], device=device)


def test_reshape_method_accepts_varargs_and_a_tuple(rng):
    """``x.reshape(3, 2)``, ``x.reshape((3, 2))`` and ``x.reshape(-1)`` all work."""
    x = Variable(rng.standard_normal((2, 3)))
    assert x.reshape(3, 2).shape == (3, 2)
    assert x.reshape((3, 2)).shape == (3, 2)
    assert x.reshape(-1).shape == (6,)
    assert x.reshape(3, -1).shape == (3, 2)


def test_reshape_to_a_wrong_size_is_an_error():
    """Reshaping 6 elements into 8 raises ValueError."""
    with pytest.raises(ValueError):
        ga.reshape(Variable(np.ones((2, 3))), (4, 2))


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 0, 1), (-1, 0, 1), (0, 1, 2)])
def test_transpose_forward(axes, rng):
    """transpose matches NumPy, negative axes included."""
    a = rng.standard_normal((2, 3, 4))
    y = ga.transpose(Variable(a), axes)
    np.testing.assert_array_equal(y.array, np.transpose(a, axes))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("axes", [None, (1, 2, 0), (-1, 0, 1)])
def test_transpose_gradients(axes, device, rng, gradcheck):
    """transpose's gradient applies the inverse permutation (first and second order)."""
    gradcheck(lambda x: ga.transpose(x, axes), [rng.standard_normal((2, 3, 2))], device=device)


def test_transpose_method_and_T(rng):
    """``x.T``, ``x.transpose()``, ``x.transpose(1, 0)`` and ``x.transpose((1, 0))``."""
    a = rng.standard_normal((2, 3))
    x = Variable(a)
    for y in (x.T, x.transpose(), x.transpose(1, 0), x.transpose((1, 0))):
        np.testing.assert_array_equal(y.array, a.T)
    x.T.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def test_transpose_with_a_bad_permutation_is_an_error():
    """Axes that are not a permutation raise ValueError naming them."""
    with pytest.raises(ValueError, match="permutation"):
        ga.transpose(Variable(np.ones((2, 3))), (0, 0))


@pytest.mark.parametrize("shape", [(3,), (3, 4), (2, 3, 4)])
def test_transpose_without_graph_matches_the_node(shape, rng):
    """With backprop off, transpose returns the reversed-axes view directly, as the
    Transpose node does."""
    import gradkit

    a = rng.normal(size=shape).astype(np.float32)
    recorded = ga.transpose(Variable(a))
    with gradkit.no_backprop_mode():
        direct = ga.transpose(Variable(a))
    assert direct.creator is None
    np.testing.assert_array_equal(direct.array, recorded.array)
    assert direct.requires_grad == recorded.requires_grad
