"""Array namespaces, host transfer and the backend table (scatter-add)."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import backend


def test_namespace_of_numpy_arrays_and_scalars():
    """NumPy arrays and scalars use numpy itself."""
    assert gradkit.get_array_module(np.ones(2)) is np
    assert gradkit.get_array_module(np.float32(1.0)) is np


def test_namespace_of_strict_arrays(strict):
    """Strict arrays use array_api_strict."""
    import array_api_strict

    assert gradkit.get_array_module(strict.send(np.ones(2))) is array_api_strict


def test_namespace_of_a_variable(strict):
    """A Variable's namespace is its array's; ``Variable.xp`` says the same."""
    x = gradkit.Variable(np.ones(2))
    assert gradkit.get_array_module(x) is np
    assert x.xp is np
    x.to_device("strict")
    assert gradkit.get_array_module(x) is strict.xp


@pytest.mark.parametrize("value", [[1.0, 2.0], 1.0, "a", None])
def test_namespace_of_a_non_array(value):
    """A non-array is a TypeError naming its type."""
    with pytest.raises(TypeError, match=type(value).__name__):
        gradkit.get_array_module(value)


def test_is_array(strict):
    """Arrays are arrays; scalars, lists and Variables are not."""
    assert gradkit.is_array(np.ones(2))
    assert gradkit.is_array(np.array(1.0))
    assert gradkit.is_array(strict.send(np.ones(2)))
    assert not gradkit.is_array(np.float64(1.0))
    assert not gradkit.is_array([1.0])
    assert not gradkit.is_array(1.0)
    assert not gradkit.is_array(gradkit.Variable(np.ones(2)))


def test_to_numpy(strict):
    """to_numpy returns NumPy arrays unchanged and copies strict arrays to the host."""
    a = np.arange(3.0)
    assert gradkit.to_numpy(a) is a
    host = gradkit.to_numpy(strict.send(a))
    assert type(host) is np.ndarray
    np.testing.assert_array_equal(host, a)


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_scatter_add_accumulates_repeated_indices(device):
    """scatter_add adds values at indices, repeated ones adding up, on the array's device,
    without mutating its input."""
    dev = gradkit.get_device(device)
    base = dev.send(np.zeros(4))
    index = (dev.send(np.array([0, 0, 3, 0])),)
    out = backend.scatter_add(base, index, dev.send(np.array([1.0, 2.0, 3.0, 4.0])))
    assert gradkit.get_device_from_array(out) == dev
    np.testing.assert_array_equal(gradkit.to_numpy(out), [7.0, 0.0, 0.0, 3.0])
    np.testing.assert_array_equal(gradkit.to_numpy(base), np.zeros(4))


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_scatter_add_with_a_tuple_of_index_arrays_and_slices(device):
    """Multi-axis advanced indices and slices work as in ``array[index]``."""
    dev = gradkit.get_device(device)
    base = dev.send(np.zeros((2, 3)))
    index = (slice(None), np.array([2, 2]))
    out = backend.scatter_add(base, index, dev.send(np.ones((2, 2))))
    np.testing.assert_array_equal(gradkit.to_numpy(out), [[0.0, 0.0, 2.0], [0.0, 0.0, 2.0]])


def test_backend_function_lookup():
    """backend_function finds the implementation for a namespace."""
    assert backend.backend_function("scatter_add", np) is not None


def test_unknown_backend_function():
    """An unknown operation is a KeyError listing the table's operations."""
    with pytest.raises(KeyError, match="scatter_add"):
        backend.backend_function("no_such_op", np)


def test_register_backend_function(monkeypatch, strict):
    """A registered operation is found per namespace; a missing namespace is a
    NotImplementedError naming the operation."""
    monkeypatch.setattr(backend, "_TABLE", {k: dict(v) for k, v in backend._TABLE.items()})
    backend.register_backend_function("double_it", "numpy", lambda a: a * 2)
    np.testing.assert_array_equal(backend.backend_function("double_it", np)(np.ones(2)), [2, 2])
    with pytest.raises(NotImplementedError, match="double_it"):
        backend.backend_function("double_it", strict.xp)
