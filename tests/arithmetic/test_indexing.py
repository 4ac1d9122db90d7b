"""Indexing: basic and advanced indices, and the scatter-add in backward."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import Variable

DEVICES = ["cpu", "strict"]

INDICES = {
    "int": 1,
    "negative_int": -1,
    "slice": slice(1, None),
    "step": slice(None, None, -2),
    "tuple": (0, slice(1, 3)),
    "ellipsis": (Ellipsis, 1),
    "newaxis": (None, slice(None), 0),
    "int_array": np.array([2, 0]),
    "repeated_int_array": np.array([0, 0, 2, 0]),
    "list": [1, 1],
    "two_arrays": (np.array([0, 2, 0]), np.array([1, 1, 1])),
    "bool_mask": np.array([True, False, True]),
    "mixed": (slice(None), np.array([3, 3, 0])),
}


@pytest.mark.parametrize("name", sorted(INDICES))
def test_getitem_forward(name, rng):
    """``x[index]`` matches NumPy."""
    a = rng.standard_normal((3, 4))
    index = INDICES[name]
    np.testing.assert_array_equal(Variable(a)[index].array, a[index])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(INDICES))
def test_getitem_gradients(name, device, rng, gradcheck):
    """``x[index]`` gradients (first and second order) on both devices; on strict, new axes
    (None) must not reach the array API's setitem, which rejects them."""
    index = INDICES[name]
    gradcheck(lambda x: x[index], [rng.standard_normal((3, 4))], device=device)


@pytest.mark.parametrize("device", DEVICES)
def test_repeated_indices_accumulate(device):
    """An element selected k times receives k times the gradient (scatter-add, not
    assignment)."""
    x = Variable(np.arange(5.0)).to_device(device)
    x[np.array([0, 0, 3, 0])].sum().backward()
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), [3.0, 0.0, 0.0, 1.0, 0.0])
    assert x.grad_var.device == x.device


def test_comparison_result_as_a_mask_on_strict(strict):
    """``x[x > 0]`` and an index array on the strict device work, gradients included."""
    x = Variable(np.arange(6.0).reshape(2, 3) - 2.0).to_device("strict")
    y = x[x > 0].sum() + x[strict.send(np.array([1, 1]))].sum()
    y.backward()
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), [[0.0, 0.0, 0.0], [3.0, 3.0, 3.0]])


def test_index_given_as_a_variable():
    """An integer Variable works as an index."""
    x = Variable(np.arange(6.0).reshape(2, 3))
    x[Variable(np.array([1, 1]))].sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]])


def test_float_index_array_is_an_index_error():
    """A float index array raises IndexError."""
    with pytest.raises(IndexError):
        Variable(np.ones(3))[[0.5]]


def test_indexing_on_strict_keeps_the_device(strict):
    """Gather and scatter on the strict device stay there (results and gradients)."""
    x = Variable(np.arange(6.0).reshape(2, 3)).to_device("strict")
    mask = strict.send(np.array([True, False]))
    y = x[mask].sum() + x[:, [0, 0]].sum() + x[1].sum()
    assert y.device == strict
    y.backward()
    assert x.grad_var.device == strict
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), [[3.0, 1.0, 1.0], [3.0, 1.0, 1.0]])
