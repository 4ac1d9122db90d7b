"""Target: what a check accepts as the function under test, and the errors for what it does not."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit.check import check_backward
from gradkit.check.target import Target


class Square(gradkit.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0,))
        return (inputs[0] ** 2,)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (2 * x * grad_outputs[0],)


class Twice(gradkit.Function):
    def forward(self, inputs):
        return (inputs[0] * 2,)

    def backward(self, inputs, grad_outputs):
        return (grad_outputs[0] * 2,)


X = np.array([1.0, -2.0, 0.5])


@pytest.mark.parametrize(
    ("func", "match"),
    [
        (Square(), r"a Square instance; a FunctionNode records one call.*lambda \*xs: Square"),
        (Square().apply, r"a method of one Square instance.*lambda \*xs: Square\(\)\.apply"),
        (Square, r"the FunctionNode class Square.*lambda \*xs: Square\(\)\.apply\(xs\)"),
        (Twice, r"the Function class Twice; pass an instance"),
        (3, r"a function of the inputs returning Variables; got an object of type int"),
    ],
    ids=["node-instance", "bound-apply", "node-class", "function-class", "int"],
)
def test_what_is_not_a_function_of_the_inputs_gets_the_call_to_write(func, match):
    with pytest.raises(TypeError, match=match):
        Target(func, [X])


@pytest.mark.parametrize(
    "func",
    [lambda *xs: Square().apply(xs), lambda x: Square().apply((x,))[0], Twice()],
    ids=["lambda-tuple", "lambda-variable", "function-instance"],
)
def test_functions_of_the_inputs_are_checked(func):
    assert check_backward(func, [X]).passed
