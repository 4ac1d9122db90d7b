"""check_double_backward: second order w.r.t. inputs and grad_outputs."""

from __future__ import annotations

import numpy as np
import pytest
from corpus_bugs import (
    CubeHalfConstant,
    ReluInPlaceForward,
    SinRawArrayBackward,
    SoftplusNoisyFactor,
    SoftplusReturnsArray,
    TanhGradOutputInPlace,
)
from corpus_correct import Abs, LinearFunction, SigmoidFunction, Softmax, Tanh

import gradkit
from gradkit.arithmetic import matmul
from gradkit.check import GradientCheckError, Status, check_backward, check_double_backward


def rand(*shape, seed=0, lo=-1.0, hi=1.0):
    return np.random.default_rng(seed).uniform(lo, hi, size=shape)


def test_correct_second_order_passes_and_covers_inputs_and_grad_outputs() -> None:
    x, gy = rand(3, 4), rand(3, 4, seed=1)
    r = check_double_backward(lambda v: Tanh().apply((v,))[0], [x], [gy])
    assert r.passed and r.check == "double_backward" and r.target == "Tanh"
    assert [i.name for i in r.inputs] == ["x0", "gy0"]


def test_grad_outputs_and_grad_grad_inputs_may_be_drawn_or_given() -> None:
    f = lambda v: Softmax().apply((v,))[0]  # noqa: E731
    x = rand(2, 3)
    assert check_double_backward(f, [x], None).passed
    assert check_double_backward(f, [x], [rand(2, 3, seed=1)], [rand(2, 3, seed=2)]).passed


def test_classic_function_is_skipped_with_the_reason_not_failed() -> None:
    for func, inputs in [
        (SigmoidFunction(), [rand(3)]),
        (LinearFunction(), [rand(4, 3), rand(3, 2, seed=1), rand(2, seed=2)]),
    ]:
        r = check_double_backward(func, inputs, None)  # raise_on_failure=True: no raise
        assert r.status is Status.SKIPPED
        assert r.reason == "double backward not supported (classic Function)"
        assert not r.is_failure


def test_classic_function_still_passes_first_order() -> None:
    assert check_backward(SigmoidFunction(), [rand(3)]).passed


def test_backward_on_raw_arrays_loses_second_order() -> None:
    f = lambda v: SinRawArrayBackward().apply((v,))[0]  # noqa: E731
    x = rand(3, 4)
    assert check_backward(f, [x]).passed
    with pytest.raises(GradientCheckError) as info:
        check_double_backward(f, [x], None)
    r = info.value.result
    assert r.subcheck == "values"
    assert "gradient missing (zero) for input 0 ('x0')" in r.diagnosis
    assert "input 1 ('gy0') is right" in r.diagnosis


def test_second_order_scale_error_is_named() -> None:
    f = lambda v: CubeHalfConstant().apply((v,))[0]  # noqa: E731
    r = check_double_backward(f, [rand(3, lo=0.5, hi=2)], None, raise_on_failure=False)
    assert r.status is Status.FAILED and r.subcheck == "values"


def test_parameters_and_dtypes() -> None:
    W = gradkit.Parameter(rand(3, 2, seed=3), name="W")
    f = lambda x: Tanh().apply((matmul(x, W),))[0]  # noqa: E731
    for dtype in ("float64", "float32", "float16"):
        r = check_double_backward(f, [rand(4, 3)], None, params=[W], dtype=dtype)
        assert r.passed, r.render()
        assert r.dtype == dtype
        assert [i.name for i in r.inputs] == ["x0", "gy0", "W"]
    assert W.array.dtype == np.float64


def test_strict_device() -> None:
    dev = gradkit.get_device("strict")
    r = check_double_backward(matmul, [dev.send(rand(3, 4)), dev.send(rand(4, 2, seed=1))], None)
    assert r.passed and r.device == "strict"


def test_a_nondeterministic_backward_is_named_at_second_order() -> None:
    f = lambda v: SoftplusNoisyFactor().apply((v,))[0]  # noqa: E731
    r = check_double_backward(f, [rand(3, 4)], None, raise_on_failure=False)
    assert (r.status, r.subcheck) == (Status.FAILED, "nondeterministic")
    assert "SoftplusNoisyFactor.backward" in r.message
    assert "nondeterministic backward" in r.diagnosis and "kink" not in r.diagnosis


def test_a_deterministic_kink_is_still_non_differentiable_at_second_order() -> None:
    x = np.array([0.0, 0.5, -0.3])  # |x| at its kink; x * |x| has a kinked second derivative
    r = check_double_backward(lambda v: v * Abs().apply((v,))[0], [x], None, jacobian="never")
    assert r.status is Status.NONDIFFERENTIABLE


class _SquareBackwardWritesInput(gradkit.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0,))
        return (inputs[0] * inputs[0],)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        g = 2 * x * grad_outputs[0]
        x.array[...] = 0.0
        return (g,)


@pytest.mark.parametrize(
    ("cls", "subcheck", "words"),
    [
        (
            TanhGradOutputInPlace,
            "backward_mutates_grad_output",
            "TanhGradOutputInPlace.backward changed gy0 in place",
        ),
        (
            _SquareBackwardWritesInput,
            "backward_mutates_input",
            "_SquareBackwardWritesInput.backward changed x0 in place",
        ),
    ],
)
def test_mutation_by_the_first_order_backward_blames_backward(cls, subcheck, words) -> None:
    f = lambda v: cls().apply((v,))[0]  # noqa: E731
    r = check_double_backward(f, [rand(3, 4)], None, raise_on_failure=False)
    assert r.subcheck == subcheck, r.render()
    assert words in r.message
    assert "forward" not in r.diagnosis and "backward must not write" in r.diagnosis


def test_mutation_by_forward_still_blames_forward_at_second_order() -> None:
    f = lambda v: ReluInPlaceForward().apply((v,))[0]  # noqa: E731
    r = check_double_backward(f, [rand(3, 4)], None, raise_on_failure=False)
    assert r.subcheck == "forward_mutates_input"
    assert "ReluInPlaceForward.forward changed x0 in place" in r.message


def test_backward_returning_an_array_is_named_at_second_order() -> None:
    f = lambda v: SoftplusReturnsArray().apply((v,))[0]  # noqa: E731
    x = rand(3, 4)
    assert check_backward(f, [x]).passed
    r = check_double_backward(f, [x], None, raise_on_failure=False)
    assert r.subcheck == "values"
    assert r.diagnosis.startswith(
        "SoftplusReturnsArray.backward returned an array (or a Variable made from one) as the "
        "gradient of x0"
    )
    assert "write backward with gradkit ops on the Variables" in r.diagnosis
