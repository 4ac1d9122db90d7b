"""OpSpec, Input and Skip: normalization, defaults, and contradictions rejected with messages
that name the op and the field."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit.check.tolerance import TolerancePolicy
from gradkit.testing import Input, OpSpec, Skip, Unchecked, XFail, op_spec
from gradkit.testing.shapes import ShapeCase


class Square(gradkit.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0,))
        return (inputs[0] * inputs[0],)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (2 * x * grad_outputs[0],)


def test_defaults() -> None:
    spec = OpSpec()
    assert len(spec.inputs) == 1 and spec.inputs[0] == Input()
    assert [c.token for c in spec.shapes] == ["3x4"]
    assert spec.dtypes == ("float16", "float32", "float64")
    assert spec.devices == ("cpu", "strict", "gpu")
    assert spec.checks == ("backward", "double_backward", "device")


def test_normalization_of_shapes_and_names() -> None:
    spec = OpSpec(
        inputs=2,
        shapes=[(3, 4), (), ((3, 4), (4,)), "2x5nc", (0, 3)],
        dtypes="float32,float64",
        devices=["CPU", "gpu:0"],
    )
    assert [c.token for c in spec.shapes] == ["3x4", "scalar", "3x4_4", "2x5nc", "0x3"]
    assert spec.shapes[3] == ShapeCase(((2, 5),), noncontiguous=True)
    assert spec.dtypes == ("float32", "float64")
    assert spec.devices == ("cpu", "gpu")
    assert spec.input_shapes(spec.shapes[2]) == ((3, 4), (4,))
    assert spec.input_shapes(spec.shapes[0]) == ((3, 4), (3, 4))


def test_forward_is_a_default_check_with_a_reference_or_examples() -> None:
    assert OpSpec(reference=np.square).checks[0] == "forward"
    assert "forward" in OpSpec(examples=[([np.array([2.0])], np.array([4.0]))]).checks


def test_shape_rules_resolve_from_the_shared_shape() -> None:
    spec = OpSpec(
        inputs=[Input(), Input(shape=lambda s: (s[1], 3)), Input(shape=(3,))],
        shapes=[(2, 4)],
    )
    assert spec.input_shapes(spec.shapes[0]) == ((2, 4), (4, 3), (3,))


def test_tolerances_accept_pairs_and_policies() -> None:
    spec = OpSpec(tolerances={"float16": (0.1, 0.2), "float32": TolerancePolicy(1e-3, 1e-3)})
    assert spec.tolerances["float16"] == TolerancePolicy(0.1, 0.2)
    assert spec.tolerances["float32"] == TolerancePolicy(1e-3, 1e-3)


def test_integer_and_bool_inputs_are_not_differentiable() -> None:
    spec = OpSpec(inputs=[Input(), Input(dtype="int64", domain=(0, 3)), Input(dtype="bool")])
    assert spec.differentiable == (True, False, False)
    assert OpSpec(inputs=[Input(differentiable=False), Input()]).differentiable == (False, True)


def test_a_spec_with_nothing_differentiable_checks_forward_and_devices_only() -> None:
    spec = OpSpec(inputs=[Input(dtype="int64", domain=(0, 5))], reference=lambda i: i * 2)
    assert spec.checks == ("forward", "device")
    with pytest.raises(ValueError, match="nothing to check"):
        OpSpec(inputs=[Input(dtype="int64", domain=(0, 5))], devices="cpu")


def test_expectation_matches_the_first_entry() -> None:
    skip = Skip("no float16 kernel", dtypes="float16")
    xfail = XFail("known bug #12", devices="strict", checks=["double_backward"])
    spec = OpSpec(skips=[skip, xfail], shapes=[(3, 4), ()])
    assert spec.expectation("float16", "cpu", "backward", "3x4") is skip
    assert spec.expectation("float32", "strict", "double_backward", "scalar") is xfail
    assert spec.expectation("float32", "strict", "backward", "scalar") is None
    assert xfail.xfail and not skip.xfail


def test_skip_shapes_accept_tuples_and_tokens() -> None:
    skip = Skip("0-d unsupported", shapes=[(), "3x4nc"])
    assert skip.shapes == ("scalar", "3x4nc")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"inputs": 0}, "field 'inputs': an op has at least one input"),
        ({"shapes": (3, 4)}, "field 'shapes': expected a list of shape cases"),
        ({"shapes": []}, "field 'shapes': list at least one shape case"),
        ({"shapes": [(3, 4), "3x4"]}, "case 3x4 is listed twice"),
        ({"inputs": 2, "shapes": [((3, 4), (4,), (2,))]}, "gives 3 shapes for 2 inputs"),
        ({"shapes": [()], "checks": None, "dtypes": ["float8"]}, "unknown dtype 'float8'"),
        ({"shapes": ["scalarnc"]}, "non-contiguous, which needs every shape"),
        ({"shapes": [(3, 1, "x")]}, "invalid shape case"),
        ({"devices": ["tpu"]}, "field 'devices': unknown device 'tpu'"),
        ({"checks": ["forward"]}, "neither reference= nor examples="),
        ({"checks": ["backwards"]}, "field 'checks': unknown check 'backwards'"),
        ({"devices": ["cpu"], "checks": ["device"]}, "'device' compares cpu with another"),
        (
            {"inputs": [Input(dtype="int32", domain=(0, 4))], "checks": ["backward"]},
            "'backward' needs a differentiable input",
        ),
        ({"kwargs": {"axis": 1}, "factory": lambda: None}, "'kwargs' and 'factory' both"),
        ({"tolerances": {"float64": (1e-3, 1e-3)}, "dtypes": ["float32"]}, "not one of the"),
        ({"tolerances": {"float32": (-1, 0)}}, "must be a finite number >= 0"),
        ({"tolerances": {"float32": 0.1}}, "expected (atol, rtol) or a TolerancePolicy"),
        ({"skips": [Skip("x", dtypes="float16")], "dtypes": ["float32"]}, "would match nothing"),
        ({"skips": [Skip("x", shapes="2x2")]}, "names shape '2x2'"),
        ({"skips": ["float16"]}, "expected Skip or XFail entries"),
        ({"examples": [([1.0, 2.0], 3.0)]}, "example 0 has 2 inputs; the op has 1"),
        ({"nondet_tol": -1.0}, "field 'nondet_tol'"),
        ({"name": "my-op"}, "field 'name'"),
    ],
)
def test_contradictions_are_rejected(fields: dict, message: str) -> None:
    with pytest.raises(ValueError) as info:
        OpSpec(**fields)
    assert message in str(info.value)


def test_messages_name_the_spec() -> None:
    with pytest.raises(ValueError, match=r"^OpSpec 'sq', field 'inputs'"):
        OpSpec(name="sq", inputs=0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"domain": (1.0, 1.0)}, "is not an interval"),
        ({"domain": (0.0, float("inf"))}, "is not an interval"),
        ({"domain": (0.0, 1.0), "values": lambda rng, s, d: 0}, "'domain' and 'values' both"),
        ({"dtype": "int64"}, "needs domain=(low, high)"),
        ({"dtype": "int64", "domain": (0.5, 3)}, "integer bounds"),
        ({"dtype": "bool", "domain": (0, 1)}, "a bool input takes no domain"),
        ({"dtype": "complex64"}, "not a float, integer or bool dtype"),
        ({"dtype": "int8", "domain": (0, 3), "kinks": (1,)}, "field 'kinks'"),
        ({"kinks": (0.0,), "kink_margin": 0.0}, "field 'kink_margin'"),
        ({"domain": (-0.01, 0.01), "kinks": (0.0,)}, "is within kink_margin=0.05"),
        ({"dtype": "int64", "domain": (0, 3), "differentiable": True}, "has no gradient"),
        ({"shape": (3, -1)}, "field 'shape'"),
        ({"values": 3.0}, "field 'values'"),
    ],
)
def test_input_contradictions_are_rejected(fields: dict, message: str) -> None:
    with pytest.raises(ValueError) as info:
        Input(**fields)
    assert message in str(info.value)


def test_input_errors_inside_a_spec_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"field 'shapes'.*input 1 has a shape rule"):
        OpSpec(inputs=[Input(), Input(shape=(4,))], shapes=[((3, 4), (4,))])


def test_kink_free_sampling_intervals() -> None:
    inp = Input(domain=(-1.0, 1.0), kinks=(0.0, 0.5), kink_margin=0.1)
    assert inp.sampling_intervals == [(-1.0, -0.1), (0.1, 0.4), (0.6, 1.0)]


def test_skip_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="field 'reason'"):
        Skip("  ", dtypes="float16")
    with pytest.raises(ValueError, match="unknown dtype"):
        Skip("x", dtypes="float128")
    with pytest.raises(ValueError, match="field 'reason'"):
        Unchecked("")


def test_op_spec_attaches_and_names_the_op_in_errors() -> None:
    class Cube(Square):
        pass

    assert op_spec(shapes=[(2,)])(Cube) is Cube
    assert Cube.spec.shapes[0].token == "2"
    with pytest.raises(ValueError, match=r"^test_op_spec_attaches.*Cube: OpSpec, field 'inputs'"):
        op_spec(inputs=-1)(Cube)


def test_stacked_op_spec_needs_distinct_names() -> None:
    def f(x):
        return x

    op_spec(name="a")(op_spec(name="b")(f))
    assert [s.name for s in f.spec] == ["a", "b"]

    def g(x):
        return x

    with pytest.raises(ValueError, match="each needs a distinct name"):
        op_spec()(op_spec(name="b")(g))


def test_spec_is_frozen() -> None:
    spec = OpSpec()
    with pytest.raises(AttributeError):
        spec.dtypes = ("float64",)  # type: ignore[misc]
