"""check_forward: outputs against a NumPy reference or hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit.check import GradientCheckError, TolerancePolicy
from gradkit.check.reference import check_forward, compare_values


def xp_of(v: gradkit.Variable):
    return gradkit.get_array_module(v.array)


def tanh(v: gradkit.Variable) -> gradkit.Variable:
    return gradkit.Variable(xp_of(v).tanh(v.array))


def test_a_correct_op_passes_in_every_dtype_and_device() -> None:
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    for dtype in ("float16", "float32", "float64"):
        r = check_forward(tanh, [x.astype(dtype)], np.tanh)
        assert r.passed and r.dtype == dtype and r.check == "forward"
    strict = gradkit.get_device("strict")
    r = check_forward(tanh, [strict.send(x)], np.tanh)
    assert r.passed and r.device == "strict"


def test_the_reference_runs_on_float64_upcasts() -> None:
    seen = []

    def reference(x):
        seen.append(x.dtype)
        return np.exp(x)

    x = np.array([0.1, 5.0, 10.0], dtype=np.float16)
    r = check_forward(lambda v: gradkit.arithmetic.exp(v), [x], reference)
    assert r.passed and seen == [np.float64]


def test_a_single_wrong_element_is_localized() -> None:
    def almost(v):
        out = np.tanh(v.array)
        out[2, 1] += 1e-3
        return gradkit.Variable(out)

    x = np.linspace(-1, 1, 12).reshape(3, 4)
    r = check_forward(almost, [x], np.tanh, raise_on_failure=False)
    assert r.status == "failed" and r.subcheck == "forward"
    assert "1 of 12 elements" in r.message
    (report,) = r.inputs
    assert report.worst[0].index == (2, 1) and report.worst[0].abs_err == pytest.approx(1e-3)
    assert report.name == "output 0"


@pytest.mark.parametrize(
    ("func", "diagnosis"),
    [
        (lambda v: gradkit.Variable(-np.tanh(v.array)), "sign flip"),
        (lambda v: gradkit.Variable(2.5 * np.tanh(v.array)), "times 2.5"),
        (lambda v: gradkit.Variable(np.tanh(v.array) / 0.0), "NaN or Inf"),
    ],
)
def test_diagnoses(func, diagnosis: str) -> None:
    x = np.linspace(-1, 1, 12).reshape(3, 4) + 0.01
    r = check_forward(func, [x], np.tanh, raise_on_failure=False)
    assert r.status == "failed" and diagnosis in r.diagnosis


def test_wrong_shape_dtype_count_device() -> None:
    x = np.ones((2, 3), dtype=np.float32)
    r = check_forward(lambda v: v.T, [x], lambda a: a, raise_on_failure=False)
    assert r.status == "failed" and r.diagnosis == "wrong shape" and "(3, 2)" in r.message
    upcast = check_forward(
        lambda v: gradkit.Variable(v.array.astype(np.float64)),
        [x],
        lambda a: a,
        raise_on_failure=False,
    )
    assert upcast.status == "failed"
    assert upcast.diagnosis == "wrong dtype: float64 instead of float32"
    two = check_forward(lambda v: (v, v), [x], lambda a: a, raise_on_failure=False)
    assert two.status == "failed" and "2 outputs, but the reference has 1" in two.message
    strict = gradkit.get_device("strict")
    leak = check_forward(
        lambda v: gradkit.Variable(gradkit.to_numpy(v.array)),
        [strict.send(x)],
        lambda a: a,
        raise_on_failure=False,
    )
    assert leak.status == "failed" and leak.diagnosis == "wrong device"


def test_hand_computed_values_and_several_outputs() -> None:
    def split(v):
        return v[0], v[1] * 2.0

    x = np.array([1.0, 2.0])
    r = check_forward(split, [x], (np.array(1.0), np.array(4.0)))
    assert r.passed and len(r.inputs) == 2
    r = check_forward(split, [x], (1.0, 4.5), raise_on_failure=False)
    assert r.status == "failed" and "output 1: 1 of 1 elements" in r.message


def test_integer_outputs_compare_exactly() -> None:
    def argmax(v):
        return gradkit.Variable(np.argmax(v.array, axis=1))

    x = np.array([[0.1, 0.9, 0.2], [0.7, 0.1, 0.0]])
    assert check_forward(argmax, [x], lambda a: np.argmax(a, axis=1)).passed
    r = check_forward(argmax, [x], np.array([1, 1]), raise_on_failure=False)
    assert r.status == "failed"
    r = check_forward(argmax, [x], np.array([1.0, 0.0]), raise_on_failure=False)
    assert r.status == "failed" and "dtype" in r.diagnosis


def test_matching_nan_and_inf_pass() -> None:
    x = np.array([-1.0, 0.0, 4.0])
    r = check_forward(lambda v: gradkit.arithmetic.log(v), [x], np.log)
    assert r.passed


def test_zero_size_passes() -> None:
    assert check_forward(tanh, [np.zeros((0, 3), dtype=np.float32)], np.tanh).passed


def test_tolerances_and_overrides() -> None:
    def off(v):
        return gradkit.Variable(np.tanh(v.array) * (1 + 1e-3))

    x = np.linspace(-1, 1, 5, dtype=np.float32)
    assert check_forward(off, [x], np.tanh, raise_on_failure=False).status == "failed"
    loose = {"float32": TolerancePolicy(1e-2, 1e-2)}
    r = check_forward(off, [x], np.tanh, tolerances=loose)
    assert r.passed and (r.atol, r.rtol) == (1e-2, 1e-2)
    assert check_forward(off, [x], np.tanh, rtol=1e-2).passed


def test_raising_carries_the_result_and_repro() -> None:
    x = np.linspace(-1, 1, 5)
    with pytest.raises(GradientCheckError) as info:
        check_forward(lambda v: v * 2.0, [x], np.tanh, repro="gradkit check m.Op", seed=7)
    result = info.value.result
    assert result.repro == "gradkit check m.Op" and result.seed == 7
    assert "reproduce: gradkit check m.Op" in str(info.value)


def test_exceptions_are_errors() -> None:
    def boom(v):
        raise RuntimeError("no kernel")

    r = check_forward(boom, [np.ones(2)], np.tanh, raise_on_failure=False)
    assert r.status == "error" and r.subcheck == "exception"
    assert "RuntimeError: no kernel" in r.message
    r = check_forward(tanh, [np.ones(2)], lambda a: 1 / "x", raise_on_failure=False)
    assert r.status == "error" and "the reference raised TypeError" in r.message


def test_compare_values_scales_atol_by_the_reference() -> None:
    policy = TolerancePolicy(atol=1e-3, rtol=0.0)
    big = np.full(4, 1000.0)
    assert compare_values(big + 0.5, big, policy, 0, "y").n_bad == 0  # atol * 1000
    assert compare_values(big + 2.0, big, policy, 0, "y").n_bad == 4
