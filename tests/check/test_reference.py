"""check_forward: outputs against a NumPy reference or hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradkit
from gradkit.check import DEFAULT_TOLERANCES, GradientCheckError, Status, TolerancePolicy
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


def test_compare_values_survives_huge_and_tiny_float64_references() -> None:
    # The RMS of 1e200 overflowed to inf (and of 1e-200 underflowed to 0, then 1): an output
    # twice the reference passed.
    policy = DEFAULT_TOLERANCES["float64"]
    for r in (np.array([1e200, -3e200]), np.array([1e-200, 3e-200, 0.0])):
        assert compare_values(r, r, policy, 0, "y").n_bad == 0
        assert compare_values(2 * r, r, policy, 0, "y").n_bad == np.count_nonzero(r)


# -- subnormal results: the float16/float32 output cannot be more accurate than its dtype there


def mul(a: gradkit.Variable, b: gradkit.Variable) -> gradkit.Variable:
    return a * b


def xsinx(v: gradkit.Variable) -> gradkit.Variable:
    return gradkit.Variable(v.array * xp_of(v).sin(v.array))


# The audit's minimal failing examples (hypothesis, shrunk): correct ops whose float16/float32
# output underflows (or rounds to a subnormal) where the float64 reference does not.
SUBNORMAL_CASES = [
    pytest.param(mul, "float32", [0.5, 1.401298464324817e-45], id="mul-float32"),
    pytest.param(
        mul,
        "float16",
        [[[0.0, 0.0, 0.0, 0.5]], [[0.0, 0.0, 0.0, 7.748603820800781e-07]]],
        id="mulbias-float16",
    ),
    pytest.param(xsinx, "float16", [[6.103515625e-05]], id="xsinx-float16"),
    pytest.param(xsinx, "float32", [[1.1754943508222875e-38]], id="xsinx-float32"),
]


def reference_of(func):
    return np.multiply if func is mul else (lambda x: x * np.sin(x))


@pytest.mark.parametrize(("func", "dtype", "values"), SUBNORMAL_CASES)
def test_correct_ops_with_subnormal_results_pass(func, dtype: str, values) -> None:
    arrays = [np.asarray(v, dtype=dtype) for v in values]
    r = check_forward(func, arrays, reference_of(func), raise_on_failure=False)
    assert r.passed, r.render()
    if dtype == "float32":
        strict = gradkit.get_device("strict")
        r = check_forward(func, [strict.send(a) for a in arrays], reference_of(func))
        assert r.passed and r.device == "strict"


@pytest.mark.parametrize(
    ("dtype", "low", "high", "factor"),
    [
        # float32 subnormals are multiples of 1.4e-45: a 1% error at 1e-39 is ~7000 of them
        ("float32", 1e-39, 5e-39, 1.01),
        ("float16", 2e-5, 6e-5, 1.05),  # float16: multiples of 6e-8, a 5% error is ~17 of them
    ],
)
def test_a_small_factor_in_the_subnormal_range_still_fails(dtype, low, high, factor) -> None:
    x = np.linspace(low, high, 8).astype(dtype)
    assert (np.abs(x) < np.finfo(dtype).tiny).all() and (x > 0).all()  # all subnormal
    assert check_forward(lambda v: v * 1.0, [x], lambda a: a).passed

    def off(v):
        return gradkit.Variable((v.array.astype(np.float64) * factor).astype(dtype))

    r = check_forward(off, [x], lambda a: a, raise_on_failure=False)
    assert r.status == "failed" and r.subcheck == "forward", r.render()
    assert r.inputs[0].worst and r.inputs[0].max_rel_err == pytest.approx(factor - 1, rel=0.2)


def test_the_subnormal_floor_is_rtol_times_the_smallest_normal_number() -> None:
    policy = DEFAULT_TOLERANCES["float32"]
    floor = policy.rtol * np.finfo(np.float32).tiny  # 1.18e-42: 840 float32 subnormal steps
    r = np.array([1e-40])
    for delta, bad in [(0.9 * floor, 0), (1.1 * floor, 1), (-1.1 * floor, 1)]:
        actual = (r + delta).astype(np.float32)
        assert compare_values(actual, r, policy, 0, "y").n_bad == bad, delta
    # the float64 comparison keeps float64's own floor (2.2e-308): no loosening there
    assert compare_values(r + 1.1 * floor, r, DEFAULT_TOLERANCES["float64"], 0, "y").n_bad == 1


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_normal_values_keep_the_plain_relative_tolerance(dtype: str) -> None:
    # The smallest normal values, and ordinary ones: 1.5 x rtol off fails, 0.5 x rtol passes.
    policy = DEFAULT_TOLERANCES[dtype]
    tiny = float(np.finfo(dtype).tiny)
    for values in ([tiny * 1.5, tiny * 2, tiny * 3], [0.5, -1.0, 3.0]):
        x = np.array(values, dtype=dtype)
        r = x.astype(np.float64)
        for k, bad in [(0.5, 0), (2.5, 3)]:
            got = (r * (1 + k * (policy.rtol + policy.atol))).astype(dtype)
            assert compare_values(got, r, policy, 0, "y").n_bad == bad, (values, k)


def test_ordinary_wrong_forwards_still_fail_with_subnormal_elements_around() -> None:
    x = np.array([1e-40, 0.0, 2.5, -1.0], dtype=np.float32)
    r = check_forward(lambda v: v * 1.001, [x], lambda a: a, raise_on_failure=False)
    assert r.status == "failed" and "2 of 4 elements" in r.message
    assert [w.index for w in r.inputs[0].worst] == [(2,), (3,)]


WIDTH = {"float16": 16, "float32": 32}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["float16", "float32"]), st.data())
def test_property_a_correct_product_never_fails(dtype: str, data) -> None:
    # x anywhere in the dtype's finite range, subnormals, zeros and the extremes included;
    # |y| <= 1, so the product never overflows: each output element is one correctly rounded
    # product, normal, subnormal or zero, and the float64 reference is exact.
    width = WIDTH[dtype]
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
    anywhere = st.floats(width=width, allow_nan=False, allow_infinity=False)
    x = data.draw(hnp.arrays(dtype, shape, elements=anywhere))
    y = data.draw(hnp.arrays(dtype, shape, elements=st.floats(-1.0, 1.0, width=width)))
    r = check_forward(mul, [x, y], np.multiply, raise_on_failure=False)
    assert r.passed, r.render()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["float16", "float32"]), st.data())
def test_property_a_result_one_step_from_the_exact_value_passes(dtype: str, data) -> None:
    # Whatever the magnitude of the exact value, normal or subnormal in the dtype (or below
    # its smallest subnormal): its rounding to the dtype, moved by one representable step,
    # is accepted.
    info = np.finfo(dtype)
    exponent = data.draw(st.integers(info.minexp - info.nmant - 2, info.maxexp - 2))
    mantissa = data.draw(st.floats(-2.0, 2.0, exclude_min=True, exclude_max=True))
    step = data.draw(st.sampled_from([-1.0, 0.0, 1.0]))
    exact = np.array([np.ldexp(mantissa, exponent)])
    got = exact.astype(dtype)
    if step:
        got = np.nextafter(got, np.array(step * np.inf, dtype=dtype))
    assert compare_values(got, exact, DEFAULT_TOLERANCES[dtype], 0, "y").n_bad == 0


def test_an_exception_in_the_function_names_the_users_line_and_keeps_the_traceback() -> None:
    def broken(v):
        return v.array.reshape(7)  # raises inside NumPy: 3 elements

    r = check_forward(broken, [np.ones(3)], np.exp, raise_on_failure=False)
    line = broken.__code__.co_firstlineno + 1
    assert r.status is Status.ERROR
    assert f"(at {__file__}:{line} in " in r.message
    assert r.traceback.startswith("Traceback (most recent call last):")
    assert f'File "{__file__}", line {line}' in r.traceback
