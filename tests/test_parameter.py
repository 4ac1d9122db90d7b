"""Parameter: construction from arrays, scalars and initializers, lazy shape, update hook."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import Parameter


def test_from_an_array():
    """An array initializer is the data itself; the parameter requires a gradient."""
    a = np.ones((2, 3))
    p = Parameter(a, name="W")
    assert p.array is a
    assert p.requires_grad
    assert p.name == "W"
    assert isinstance(p, gradkit.Variable)


def test_from_an_array_with_a_conflicting_shape():
    """An array and a different ``shape``: ValueError naming the parameter and both shapes."""
    with pytest.raises(ValueError, match=r"'W'.*\(3,\).*\(2,\)"):
        Parameter(np.ones(3), shape=(2,), name="W")


def test_from_a_scalar_with_a_shape():
    """A scalar fills an array of ``shape`` (float32 by default)."""
    p = Parameter(0.5, shape=(2, 3))
    assert p.shape == (2, 3) and p.dtype == np.float32
    np.testing.assert_array_equal(p.array, np.full((2, 3), 0.5))


def test_from_a_scalar_with_an_int_shape_and_dtype():
    """``shape=3`` means (3,); ``dtype`` selects the array's dtype."""
    p = Parameter(2.0, shape=3, dtype=np.float64)
    assert p.shape == (3,) and p.dtype == np.float64


def test_none_initializer_gives_zeros():
    """No initializer: zeros."""
    np.testing.assert_array_equal(Parameter(shape=(2,)).array, [0.0, 0.0])


def test_lazy_initialization():
    """Without a shape the parameter has no array until initialize(shape)."""
    p = Parameter(0.25, name="b")
    assert p.array is None
    assert not p.is_initialized
    p.initialize((4,))
    assert p.is_initialized
    np.testing.assert_array_equal(p.array, np.full(4, 0.25))
    (p * 2.0).sum().backward()
    np.testing.assert_array_equal(p.grad, np.full(4, 2.0))


def test_callable_initializer_receives_shape_dtype_and_device():
    """A callable is called as ``initializer(shape, dtype, device)``."""
    calls = []

    def init(shape, dtype, device):
        calls.append((shape, dtype, device))
        return np.arange(np.prod(shape), dtype=dtype).reshape(shape)

    p = Parameter(init, shape=(2, 2), dtype=np.float64)
    assert calls == [((2, 2), np.float64, gradkit.get_device("cpu"))]
    np.testing.assert_array_equal(p.array, [[0.0, 1.0], [2.0, 3.0]])


def test_callable_initializer_with_a_lazy_shape():
    """A callable initializer runs only when initialize() is called."""
    calls = []

    def init(shape, dtype, device):
        calls.append(shape)
        return np.ones(shape, dtype=dtype)

    p = Parameter(init)
    assert calls == []
    p.initialize((3,))
    assert calls == [(3,)]


def test_initializer_returning_the_wrong_shape():
    """An initializer that returns another shape: ValueError with both shapes."""
    with pytest.raises(ValueError, match=r"\(1,\).*\(2,\)"):
        Parameter(lambda shape, dtype, device: np.ones(1), shape=(2,))


def test_bad_initializer_type():
    """A string initializer: TypeError listing what is accepted."""
    with pytest.raises(TypeError, match="callable"):
        Parameter("ones", shape=(2,))


def test_uninitialized_parameter_in_an_op():
    """Using an uninitialized parameter: ValueError telling to call initialize."""
    with pytest.raises(ValueError, match="initialize"):
        Parameter(0.0, name="b") * 2.0


UNINITIALIZED_USES = {
    "shape": lambda p: p.shape,
    "ndim": lambda p: p.ndim,
    "size": lambda p: p.size,
    "dtype": lambda p: p.dtype,
    "device": lambda p: p.device,
    "item": lambda p: p.item(),
    "reshape": lambda p: p.reshape(2),
    "matmul": lambda p: p @ gradkit.Variable(np.ones(2)),
    "broadcast_to": lambda p: gradkit.arithmetic.broadcast_to(p, (2,)),
    "sum_to": lambda p: gradkit.arithmetic.sum_to(p, ()),
    "getitem": lambda p: p[0],
    "T": lambda p: p.T,
    "sum": lambda p: p.sum(),
    "mul": lambda p: p * 2.0,
    "len": lambda p: len(p),
    "backward": lambda p: p.backward(),
}


@pytest.mark.parametrize("use", list(UNINITIALIZED_USES))
def test_uninitialized_parameter_says_to_initialize(use):
    """Every use of an uninitialized parameter is a ValueError telling to call initialize,
    never an AttributeError from inside the engine."""
    p = Parameter(0.0, name="b")
    with pytest.raises(ValueError, match="initialize"):
        UNINITIALIZED_USES[use](p)


def test_lazy_parameter_on_the_strict_device(strict):
    """to_device before initialize: the array is created on that device."""
    p = Parameter(0.5).to_device("strict")
    p.initialize((2,))
    assert p.device == strict
    np.testing.assert_array_equal(gradkit.to_numpy(p.array), [0.5, 0.5])


class RecordingRule:
    """A minimal update rule: plain SGD that records its calls."""

    def __init__(self, lr):
        self.lr = lr
        self.calls = []

    def update(self, param):
        self.calls.append(param)
        param.array -= self.lr * param.grad


def test_update_calls_the_update_rule():
    """update() calls ``update_rule.update(param)`` when a rule is set and a grad exists."""
    p = Parameter(np.array([1.0, 2.0]))
    rule = RecordingRule(0.5)
    p.update_rule = rule
    (p * p).sum().backward()
    p.update()
    assert rule.calls == [p]
    np.testing.assert_allclose(p.array, [0.0, 0.0])


def test_update_without_a_grad_does_nothing():
    """No gradient: the rule is not called."""
    p = Parameter(np.array([1.0, 2.0]))
    rule = RecordingRule(0.5)
    p.update_rule = rule
    p.update()
    assert rule.calls == []
    np.testing.assert_array_equal(p.array, [1.0, 2.0])


def test_update_without_a_rule_does_nothing():
    """No rule: update() is a no-op even with a gradient."""
    p = Parameter(np.array([1.0, 2.0]))
    p.grad = np.ones(2)
    assert p.update_rule is None
    p.update()
    np.testing.assert_array_equal(p.array, [1.0, 2.0])
