"""The invariant helpers: engine errors to sub-checks, snapshots, repeat and zero checks."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit.check.invariants import (
    check_gradient_structure,
    check_zero_gradients,
    classify_backward_error,
    compare_repeated,
    find_mutations,
)


class Returns(gradkit.FunctionNode):
    """x * y whose backward returns whatever it is given."""

    def __init__(self, grads):
        self.grads = grads

    def forward(self, inputs):
        return (inputs[0] * inputs[1].astype(inputs[0].dtype),)

    def backward(self, target_input_indexes, grad_outputs):
        return self.grads


def _engine_error(grads, y_dtype=np.float64):
    x = gradkit.Variable(np.ones(3))
    y = gradkit.Variable(np.ones(3, dtype=y_dtype))
    (out,) = Returns(grads).apply((x, y))
    with pytest.raises(gradkit.BackwardResultError) as info:
        gradkit.grad([out], [x], [np.ones(3)])
    return info.value


@pytest.mark.parametrize(
    ("grads", "y_dtype", "subcheck"),
    [
        ((np.ones(3), np.ones(3), np.ones(3)), np.float64, "grad_count"),
        ((np.ones((1, 3)), np.ones(3)), np.float64, "grad_shape"),
        ((np.ones(3, dtype=np.float32), np.ones(3)), np.float64, "grad_dtype"),
        ((np.ones(3), np.ones(3)), np.int64, "int_input_grad"),
    ],
)
def test_engine_errors_become_subchecks(grads, y_dtype, subcheck) -> None:
    v = classify_backward_error(_engine_error(grads, y_dtype))
    assert v.subcheck == subcheck
    assert "Returns" in v.message
    assert v.diagnosis


def test_an_engine_attribute_wins_over_the_message() -> None:
    err = gradkit.BackwardResultError("something new")
    assert classify_backward_error(err).subcheck == "grad_count"
    err.subcheck = "grad_device"
    assert classify_backward_error(err).subcheck == "grad_device"


def test_structure_is_checked_even_when_the_engine_lets_it_pass() -> None:
    x = np.ones((2, 3), dtype=np.float32)
    names = ["x0"]
    assert check_gradient_structure("F", names, [0], [np.ones((2, 3), np.float32)], [x]) is None
    assert check_gradient_structure("F", names, [0], [None], [x]) is None
    v = check_gradient_structure("F", names, [0], [np.ones((1, 3), np.float32)], [x])
    assert v.subcheck == "grad_shape"
    v = check_gradient_structure("F", names, [0], [np.ones((2, 3))], [x])
    assert v.subcheck == "grad_dtype"
    dev = gradkit.get_device("strict")
    v = check_gradient_structure("F", names, [0], [dev.send(np.ones((2, 3), np.float32))], [x])
    assert v.subcheck == "grad_device"


def test_mutation_compares_values_with_nan_equal_to_nan() -> None:
    a = np.array([1.0, np.nan, 3.0])
    assert find_mutations([a.copy()], [a]) == []
    b = a.copy()
    b[2] = 4.0
    assert find_mutations([a], [b]) == [(0, (2,))]
    assert find_mutations([np.array([0.0])], [np.array([-0.0])]) == []  # equal values
    dev = gradkit.get_device("strict")
    assert find_mutations([dev.send(a)], [dev.send(b)]) == [(0, (2,))]


def test_compare_repeated() -> None:
    g = [np.array([1.0, 2.0]), np.zeros((0, 2))]
    assert compare_repeated(g, [x.copy() for x in g], None) is None
    other = [np.array([1.0, 2.0 + 1e-12]), np.zeros((0, 2))]
    assert compare_repeated(g, other, None) == (0, (1,), pytest.approx(1e-12, rel=1e-3))
    assert compare_repeated(g, other, 1e-9) is None
    assert compare_repeated([np.array([np.nan])], [np.array([1.0])], 1.0)[2] == np.inf


def test_zero_gradients_ignore_positions_where_the_gradient_is_not_finite() -> None:
    g = np.array([1.0, np.inf, 2.0])
    assert check_zero_gradients([np.array([0.0, np.nan, -0.0])], [g]) is None
    assert check_zero_gradients([np.array([0.0, 0.0, 0.1])], [g]) == (0, (2,), 0.1)
