"""sum over axes, with and without keepdims."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit import Variable
from gradkit import arithmetic as ga

DEVICES = ["cpu", "strict"]
AXES = [None, 0, 1, -1, (0, 2), (2, 0), (0, 1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
def test_sum_forward(axis, keepdims, rng):
    """sum matches NumPy for every axis form."""
    a = rng.standard_normal((2, 3, 4))
    y = ga.sum(Variable(a), axis, keepdims)
    expected = np.sum(a, axis=axis, keepdims=keepdims)
    assert y.shape == np.shape(expected)
    np.testing.assert_allclose(y.array, expected, rtol=1e-13)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
def test_sum_gradients(axis, keepdims, device, rng, gradcheck):
    """sum's gradient broadcasts back (first and second order)."""
    gradcheck(lambda x: ga.sum(x, axis, keepdims), [rng.standard_normal((2, 3, 2))], device=device)


def test_sum_method(rng):
    """``x.sum()``, ``x.sum(axis=0)`` and ``x.sum(1, keepdims=True)``."""
    a = rng.standard_normal((2, 3))
    x = Variable(a)
    np.testing.assert_allclose(x.sum().array, a.sum())
    np.testing.assert_allclose(x.sum(axis=0).array, a.sum(axis=0))
    assert x.sum(1, keepdims=True).shape == (2, 1)


def test_sum_of_all_is_a_zero_dim_array():
    """A full reduction gives a 0-d array (never a NumPy scalar) and backpropagates."""
    x = Variable(np.arange(3.0))
    y = x.sum()
    assert isinstance(y.array, np.ndarray) and y.shape == ()
    y.backward()
    np.testing.assert_array_equal(x.grad, np.ones(3))


@pytest.mark.parametrize("axis", [3, -4, (0, 0)])
def test_sum_bad_axis_is_a_value_error(axis):
    """An out-of-range or repeated axis raises ValueError."""
    with pytest.raises(ValueError):
        ga.sum(Variable(np.ones((2, 3, 4))), axis)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), (1,)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.bool_])
def test_sum_without_graph_matches_the_node(axis, keepdims, dtype, rng):
    """With backprop off, sum reduces the array directly; it gives what the Sum node gives:
    values, dtype (integers widen as NumPy's do), 0-d arrays rather than scalars."""
    import gradkit

    a = (rng.normal(size=(3, 4)) * 3).astype(dtype)
    recorded = ga.sum(Variable(a), axis, keepdims)
    with gradkit.no_backprop_mode():
        direct = ga.sum(Variable(a), axis, keepdims)
    assert direct.creator is None and type(direct.array) is np.ndarray
    assert direct.dtype == recorded.dtype and direct.shape == recorded.shape
    np.testing.assert_array_equal(direct.array, recorded.array)


@pytest.mark.parametrize("backprop", [True, False])
def test_sum_axis_out_of_bounds_is_the_same_error_with_and_without_graph(backprop):
    import gradkit

    with (
        gradkit.using_config("enable_backprop", backprop),
        pytest.raises(ValueError, match="axis 2 is out of bounds"),
    ):
        ga.sum(Variable(np.ones((2, 3))), 2)
