"""Hypothesis strategies from specs, and checks run under hypothesis that shrink failures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradkit
from gradkit.check import GradientCheckError
from gradkit.testing import Input, OpSpec
from gradkit.testing.shapes import ShapeCase
from gradkit.testing.strategies import (
    case_inputs,
    input_values,
    run_hypothesis_check,
    shape_cases,
)

FAST = settings(max_examples=60, deadline=None)


@FAST
@given(shape_cases(OpSpec(shapes=[(3, 4), (5,)]), max_side=3))
def test_shapes_keep_the_spec_ranks_and_max_side(case: ShapeCase) -> None:
    (shape,) = case.shapes
    assert len(shape) in (1, 2) and all(1 <= d <= 3 for d in shape)
    assert not case.noncontiguous


@FAST
@given(shape_cases(OpSpec(shapes=[(0, 3), "3x4nc", ()])))
def test_zero_size_and_noncontiguous_only_when_the_spec_has_them(case: ShapeCase) -> None:
    (shape,) = case.shapes
    assert len(shape) in (0, 2)
    if case.noncontiguous:
        assert shape[-1] >= 2


def test_zero_size_and_noncontiguous_are_drawn() -> None:
    seen = {"zero": False, "nc": False}

    @FAST
    @given(shape_cases(OpSpec(shapes=[(0, 3), "3x4nc"])))
    def collect(case: ShapeCase) -> None:
        seen["zero"] |= case.has_zero_size
        seen["nc"] |= case.noncontiguous

    collect()
    assert seen == {"zero": True, "nc": True}


@FAST
@given(shape_cases(OpSpec(inputs=2, shapes=[((3, 4), (4,)), ((2, 1), (1, 3))])))
def test_per_input_cases_are_drawn_as_listed(case: ShapeCase) -> None:
    assert case.token in ("3x4_4", "2x1_1x3")


KINKED = OpSpec(
    inputs=[
        Input(domain=(-1.0, 1.0), kinks=(0.0,), kink_margin=0.25),
        Input(dtype="int32", domain=(2, 5)),
        Input(dtype="bool"),
    ]
)


@FAST
@given(
    input_values(KINKED, shape=shape_cases(KINKED), dtype=st.sampled_from(["float16", "float64"]))
)
def test_values_respect_domains_kinks_and_fixed_dtypes(arrays: tuple) -> None:
    x, i, b = arrays
    assert x.dtype in (np.float16, np.float64) and i.dtype == np.int32 and b.dtype == np.bool_
    assert x.shape == i.shape == b.shape
    assert ((np.abs(x) >= 0.249) & (np.abs(x) <= 1.0)).all()
    assert ((i >= 2) & (i < 5)).all()


@FAST
@given(
    case_inputs(
        OpSpec(
            inputs=[
                Input(),
                Input(shape=lambda s: (s[-1], 2)),
                Input(values=lambda r, s, d: np.eye(2)),
            ],
            shapes=[(3, 4)],
        )
    )
)
def test_shape_rules_and_values_callables(example) -> None:
    case, (x, w, eye) = example
    (shape,) = case.shapes
    assert x.shape == shape and w.shape == (shape[-1], 2)
    assert (eye == np.eye(2)).all()


class Square(gradkit.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0,))
        return (inputs[0] * inputs[0],)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (2 * x * grad_outputs[0],)


class SquareBadAbove(Square):
    """Planted bug that only shows for inputs above 0.9: a search has to find it."""

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        xp = gradkit.get_array_module(x.array)
        wrong = gradkit.Variable(xp.astype(x.array > 0.9, x.dtype))
        return (2 * x * grad_outputs[0] + wrong * grad_outputs[0],)


class SquareMatrix(gradkit.FunctionNode):
    """x @ x: only square matrices run."""

    def forward(self, inputs):
        (x,) = inputs
        if x.shape[0] != x.shape[-1]:
            raise ValueError("x @ x needs a square matrix")
        self.retain_inputs((0,))
        return (x @ x,)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        (gy,) = grad_outputs
        return (gy @ x.T + x.T @ gy,)


Square.spec = OpSpec(shapes=[(3, 4)])
SquareMatrix.spec = OpSpec(shapes=[(3, 3)])


def test_a_correct_op_passes() -> None:
    r = run_hypothesis_check(Square, max_examples=15)
    assert r.passed and r.message == "15 hypothesis examples passed" and r.n_evals > 0


def test_a_rare_bug_is_found_and_shrunk() -> None:
    r = run_hypothesis_check(SquareBadAbove, max_examples=100, raise_on_failure=False)
    assert r.status == "failed" and r.subcheck == "values"
    # Shrunk to one element just above the threshold.
    assert r.message.startswith("minimal failing example after shrinking: shapes 1x1, inputs [[")
    value = float(r.message.split("[[")[1].split("]]")[0])
    assert 0.9 < value < 1.0
    again = run_hypothesis_check(SquareBadAbove, max_examples=100, raise_on_failure=False)
    assert again.message == r.message  # deterministic for a seed


def test_failures_raise_with_the_result() -> None:
    with pytest.raises(GradientCheckError) as info:
        run_hypothesis_check(SquareBadAbove, max_examples=100, dtype="float32")
    assert info.value.result.dtype == "float32"


def test_shapes_the_forward_rejects_are_skipped_not_failures() -> None:
    r = run_hypothesis_check(SquareMatrix, max_examples=20)
    assert r.passed


def test_other_checks_and_devices() -> None:
    assert run_hypothesis_check(Square, check="double_backward", max_examples=5).passed
    assert run_hypothesis_check(Square, check="device", device="strict", max_examples=5).passed


def test_an_op_without_a_spec_is_refused() -> None:
    def plain(x):
        return x

    with pytest.raises(ValueError, match="has no spec"):
        run_hypothesis_check(plain)
