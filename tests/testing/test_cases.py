"""Case generation: ids, deterministic order, crc32 seeds, and selection filters."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib

import numpy as np
import pytest

import gradkit
from gradkit.testing import OpSpec, Selection, Skip, discover, generate_cases
from gradkit.testing.cases import Case, case_seed
from gradkit.testing.target import Target


class Tanh(gradkit.FunctionNode):
    def forward(self, inputs):
        xp = gradkit.get_array_module(inputs[0])
        self.retain_outputs((0,))
        return (xp.tanh(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 - y * y),)


def target(spec: OpSpec, name: str = "tanh") -> Target:
    return Target("tests.Tanh", Tanh, spec, name)


def ids(spec: OpSpec, selection: Selection | None = None) -> list[str]:
    return [c.id for c in generate_cases([target(spec)], selection)]


def test_ids_of_a_small_matrix_in_order() -> None:
    spec = OpSpec(shapes=[(3, 4), ()], dtypes="float32,float64", devices="cpu,strict")
    assert ids(spec) == [
        "tanh-float32-3x4-cpu-backward",
        "tanh-float32-3x4-cpu-double_backward",
        "tanh-float32-3x4-strict-backward",
        "tanh-float32-3x4-strict-double_backward",
        "tanh-float32-3x4-strict-device",
        "tanh-float32-scalar-cpu-backward",
        "tanh-float32-scalar-cpu-double_backward",
        "tanh-float32-scalar-strict-backward",
        "tanh-float32-scalar-strict-double_backward",
        "tanh-float32-scalar-strict-device",
        "tanh-float64-3x4-cpu-backward",
        "tanh-float64-3x4-cpu-double_backward",
        "tanh-float64-3x4-strict-backward",
        "tanh-float64-3x4-strict-double_backward",
        "tanh-float64-3x4-strict-device",
        "tanh-float64-scalar-cpu-backward",
        "tanh-float64-scalar-cpu-double_backward",
        "tanh-float64-scalar-strict-backward",
        "tanh-float64-scalar-strict-double_backward",
        "tanh-float64-scalar-strict-device",
    ]


def test_shape_tokens_in_ids() -> None:
    spec = OpSpec(
        inputs=2,
        shapes=[((3, 4), (4,)), (0, 3), "2x5nc", ((), (2,))],
        dtypes="float64",
        devices="cpu",
        checks="backward",
    )
    assert ids(spec) == [
        "tanh-float64-3x4_4-cpu-backward",
        "tanh-float64-0x3-cpu-backward",
        "tanh-float64-2x5nc-cpu-backward",
        "tanh-float64-scalar_2-cpu-backward",
    ]


def test_examples_and_hypothesis_cases() -> None:
    spec = OpSpec(
        dtypes="float32",
        devices="cpu",
        reference=np.tanh,
        examples=[([np.array([0.0])], np.array([0.0]))],
        checks=["forward", "backward"],
    )
    assert ids(spec, Selection(hypothesis=20)) == [
        "tanh-float32-3x4-cpu-forward",
        "tanh-float32-3x4-cpu-backward",
        "tanh-float32-ex0-cpu-forward",
        "tanh-float32-hypothesis-cpu-forward",
        "tanh-float32-hypothesis-cpu-backward",
    ]
    hyp = [c for c in generate_cases([target(spec)], Selection(hypothesis=20)) if c.hypothesis]
    assert [(c.hypothesis, c.shape) for c in hyp] == [(20, None), (20, None)]


def test_forward_without_reference_has_only_example_cases() -> None:
    spec = OpSpec(dtypes="float32", devices="cpu", examples=[([[0.0]], [0.0])] * 2)
    assert [i for i in ids(spec) if i.endswith("forward")] == [
        "tanh-float32-ex0-cpu-forward",
        "tanh-float32-ex1-cpu-forward",
    ]


def test_device_check_only_on_other_devices() -> None:
    spec = OpSpec(dtypes="float32", devices="cpu,strict,gpu", checks="device")
    assert ids(spec) == ["tanh-float32-3x4-strict-device", "tanh-float32-3x4-gpu-device"]


def test_seeds_are_crc32_of_the_id_with_the_global_seed() -> None:
    spec = OpSpec(dtypes="float32", devices="cpu", checks="backward")
    (case,) = generate_cases([target(spec)])
    assert case.seed == zlib.crc32(b"tanh-float32-3x4-cpu-backward")
    (case7,) = generate_cases([target(spec)], Selection(seed=7))
    assert case7.id == case.id and case7.global_seed == 7
    assert case7.seed == zlib.crc32(b"tanh-float32-3x4-cpu-backward", 7) != case.seed


def test_seeds_do_not_depend_on_the_process() -> None:
    code = (
        "from gradkit.testing.cases import case_seed\n"
        "print(case_seed('tanh-float32-3x4-cpu-backward', 3))"
    )
    seeds = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": hashseed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hashseed in ("1", "2")
    }
    assert seeds == {str(case_seed("tanh-float32-3x4-cpu-backward", 3))}


def test_generation_is_deterministic_and_ids_unique() -> None:
    spec = OpSpec(shapes=[(3, 4), (), (0, 2)], reference=np.tanh)
    first = ids(spec, Selection(hypothesis=5))
    assert first == ids(spec, Selection(hypothesis=5))
    assert len(first) == len(set(first))


def test_cases_of_discovered_targets_come_sorted_by_op() -> None:
    class B(Tanh):
        spec = OpSpec(dtypes="float64", devices="cpu", checks="backward")

    class A(Tanh):
        spec = OpSpec(dtypes="float64", devices="cpu", checks="backward")

    cases = generate_cases(discover(B, A).targets)
    assert [c.id for c in cases] == ["a-float64-3x4-cpu-backward", "b-float64-3x4-cpu-backward"]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(dtypes="float64"), 10),
        (Selection(devices="strict"), 12),
        (Selection(shapes="scalar"), 10),
        (Selection(shapes=["scalar", "3x4"]), 20),
        (Selection(checks="device"), 4),
        (Selection(keyword="float32 and scalar and not strict"), 2),
        (Selection(keyword="(cpu or gpu) and double_backward"), 4),
        (Selection(dtypes="float16"), 0),
        (Selection(dtypes="float32", devices="cpu", shapes="3x4", checks="backward"), 1),
    ],
)
def test_filters(selection: Selection, expected: int) -> None:
    spec = OpSpec(shapes=[(3, 4), ()], dtypes="float32,float64", devices="cpu,strict")
    cases = generate_cases([target(spec)], selection)
    assert len(cases) == expected
    for case in cases:
        assert selection.accepts(case.id, case.dtype, case.shape_token, case.device, case.check)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dtypes": "float23"}, "unknown dtype 'float23'"),
        ({"devices": "cuda"}, "unknown device 'cuda'"),
        ({"checks": "grad"}, "unknown check 'grad'"),
        ({"shapes": "3 by 4"}, "invalid shape '3 by 4'"),
        ({"dtypes": ""}, "empty list of dtypes"),
        ({"keyword": "tanh and"}, "invalid -k expression"),
        ({"seed": -1}, "non-negative"),
        ({"hypothesis": -3}, "hypothesis must be"),
    ],
)
def test_a_typo_in_a_filter_is_an_error(fields: dict, message: str) -> None:
    with pytest.raises(ValueError) as info:
        Selection(**fields)
    assert message in str(info.value)


def test_case_carries_its_skip() -> None:
    skip = Skip("no scalar kernel", shapes="scalar")
    spec = OpSpec(shapes=[(3, 4), ()], skips=[skip], dtypes="float32", devices="cpu")
    by_id = {c.id: c for c in generate_cases([target(spec)])}
    assert by_id["tanh-float32-scalar-cpu-backward"].expectation is skip
    assert by_id["tanh-float32-3x4-cpu-backward"].expectation is None


def test_two_targets_with_one_name_are_an_error() -> None:
    spec = OpSpec(dtypes="float32", devices="cpu")
    other = Target("elsewhere.Tanh", Tanh, OpSpec(), "tanh")
    with pytest.raises(ValueError, match="both named 'tanh'"):
        generate_cases([target(spec), other])
    same = target(spec)
    assert len(generate_cases([same, Target(same.path, Tanh, spec, "tanh")])) == len(
        generate_cases([same])
    )


def test_case_is_hashable_and_frozen() -> None:
    (case,) = generate_cases([target(OpSpec(dtypes="float32", devices="cpu", checks="backward"))])
    assert isinstance(case, Case) and {case: 1}[case] == 1
    with pytest.raises(AttributeError):
        case.dtype = "float64"  # type: ignore[misc]
