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
