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
    assert len(shape) in (1, 2)
    assert all(2 <= d <= 3 for d in shape) or shape in ((3, 4), (5,))  # or a listed case
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
                Input(values=lambda r, s, d: np.full(s, 7.0)),
            ],
            shapes=[(3, 4)],
        )
    )
)
def test_shape_rules_and_values_callables(example) -> None:
    case, (x, w, sevens) = example
    (shape,) = case.shapes
    assert x.shape == shape and w.shape == (shape[-1], 2)
    assert sevens.shape == shape and (sevens == 7.0).all()


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
    # Shrunk to the smallest shape the spec allows (sides of 1 only where it lists them), with
    # zeros and one element just above the threshold.
    assert r.message.startswith("minimal failing example after shrinking: shapes 2x2, inputs [[")
    values = sorted(
        float(v)
        for v in r.message.split("inputs ")[1]
        .split(";")[0]
        .strip("[]")
        .replace("[", "")
        .replace("]", "")
        .split(",")
    )
    assert values[:3] == [0.0, 0.0, 0.0] and 0.9 < values[3] < 1.0
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


# ---------------------------------------------------------------- examples the spec forbids
@FAST
@given(shape_cases(OpSpec(shapes=[(3, 3), (2, 3, 3)])))
def test_sides_equal_in_every_listed_case_stay_equal(case: ShapeCase) -> None:
    (shape,) = case.shapes
    assert shape[-1] == shape[-2]


@FAST
@given(shape_cases(OpSpec(shapes=[(3, 4), (0, 4), (2, 1, 3)])))
def test_sides_of_0_or_1_only_on_the_axes_the_spec_lists_them(case: ShapeCase) -> None:
    # A side of 1 is special (one element to reduce: std's kink); 0 empties a reduction.
    (shape,) = case.shapes
    if len(shape) == 2:
        assert shape[1] >= 2 and shape[0] <= 4
    else:
        assert shape[0] >= 2 and shape[1] <= 4 and shape[2] >= 2


@FAST
@given(
    input_values(
        OpSpec(inputs=[Input(domain=(0.0, 1e-3))]), shape=ShapeCase.parse((4,)), dtype="float16"
    )
)
def test_values_stay_in_the_domain_and_normal_in_the_tested_dtype(arrays: tuple) -> None:
    (x,) = arrays
    assert ((x > 0) & (x >= np.finfo(np.float16).smallest_normal) & (x < 1e-3)).all()


def _pairs_only(rng, shape, dtype):
    if shape[0] != 2:
        raise ValueError("this generator makes pairs only")
    return rng.uniform(-1.0, 1.0, size=shape)


class SquarePairs(Square):
    """A correct op whose input generator refuses every first side but 2."""


SquarePairs.spec = OpSpec(inputs=[Input(values=_pairs_only)], shapes=[(2, 3)])


def test_a_generator_refusing_a_generalized_shape_rejects_it() -> None:
    for check in ("backward", "double_backward"):
        r = run_hypothesis_check(SquarePairs, check=check, max_examples=10)
        assert r.passed, r.message


def _reference_of_rows(x):
    if x.shape[0] != 3:
        raise ValueError("a reference written for 3 rows")
    return x * x


class SquareRows(Square):
    """A correct op whose reference handles the spec's listed shape only."""


SquareRows.spec = OpSpec(shapes=[(3, 4)], reference=_reference_of_rows)


def test_an_example_the_reference_refuses_is_rejected() -> None:
    r = run_hypothesis_check(SquareRows, check="forward", max_examples=10)
    assert r.passed and "rejected" in r.message, r.message


class Refuses(Square):
    def forward(self, inputs):
        raise ValueError("never accepts anything")


Refuses.spec = OpSpec(shapes=[(3, 4)])


def test_no_usable_example_is_a_skip_that_says_why() -> None:
    r = run_hypothesis_check(Refuses, max_examples=5, raise_on_failure=False)
    assert r.status == "skipped"
    assert r.reason.startswith("hypothesis found no example the op accepts: the op's forward ")
    assert "ValueError: never accepts anything" in r.reason and "shapes (3x4)" in r.reason


def test_a_wrong_backward_is_still_caught_among_rejected_shapes() -> None:
    class BadPairs(SquarePairs):
        def backward(self, target_input_indexes, grad_outputs):
            (x,) = self.get_retained_inputs()
            return (x * grad_outputs[0],)  # planted bug: 2 * x

    BadPairs.spec = SquarePairs.spec
    r = run_hypothesis_check(BadPairs, max_examples=10, raise_on_failure=False)
    assert r.status == "failed" and r.subcheck == "values"
