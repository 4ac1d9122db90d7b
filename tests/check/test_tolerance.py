"""The per-dtype tolerance policy: defaults, lookup by any dtype, overrides, validation."""

from __future__ import annotations

import array_api_strict as xps
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradkit.check import (
    DEFAULT_EPS,
    DEFAULT_TOLERANCES,
    TolerancePolicy,
    dtype_name,
    eps_for,
    tolerance_for,
)
from gradkit.check.tolerance import smallest_normal


def test_defaults_loosen_as_precision_drops() -> None:
    f16, f32, f64 = (DEFAULT_TOLERANCES[n] for n in ("float16", "float32", "float64"))
    assert f64.atol < f32.atol < f16.atol
    assert f64.rtol < f32.rtol < f16.rtol
    assert DEFAULT_EPS["float64"] < DEFAULT_EPS["float32"] < DEFAULT_EPS["float16"]


@pytest.mark.parametrize(
    "dtype", [np.float32, np.dtype("float32"), "float32", xps.float32], ids=repr
)
def test_lookup_accepts_any_spelling_of_a_dtype(dtype) -> None:
    assert dtype_name(dtype) == "float32"
    assert tolerance_for(dtype) == DEFAULT_TOLERANCES["float32"]


def test_dtype_name_of_strict_and_integer_dtypes() -> None:
    assert dtype_name(xps.float64) == "float64"
    assert dtype_name(xps.int64) == "int64"
    assert dtype_name(np.zeros(2, dtype=np.int32).dtype) == "int32"


def test_a_dict_overrides_only_the_dtypes_it_names() -> None:
    loose = TolerancePolicy(0.5, 0.5)
    overrides = {"float16": loose}
    assert tolerance_for("float16", overrides) is loose
    assert tolerance_for("float32", overrides) == DEFAULT_TOLERANCES["float32"]


def test_a_policy_overrides_every_dtype() -> None:
    policy = TolerancePolicy(1e-3, 1e-3)
    assert tolerance_for("float64", policy) is policy
    assert tolerance_for("float16", policy) is policy


def test_unknown_dtype_says_which_have_defaults() -> None:
    with pytest.raises(ValueError, match="float16, float32, float64"):
        tolerance_for("int64")
    with pytest.raises(ValueError, match="eps"):
        eps_for("int8")


def test_override_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError, match="TolerancePolicy"):
        tolerance_for("float32", {"float32": (1e-3, 1e-3)})


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "1e-3"])
def test_policy_validates_its_values(bad) -> None:
    with pytest.raises(ValueError, match="finite number >= 0"):
        TolerancePolicy(bad, 1e-3)
    with pytest.raises(ValueError, match="rtol"):
        TolerancePolicy(1e-3, bad)


def test_replace_and_loosest() -> None:
    p = TolerancePolicy(1e-5, 1e-4)
    assert p.replace(atol=1e-3) == TolerancePolicy(1e-3, 1e-4)
    assert p.replace() == p
    assert p.loosest(TolerancePolicy(1e-6, 1e-2)) == TolerancePolicy(1e-5, 1e-2)


def test_eps_for_float64() -> None:
    assert eps_for(np.float64) == DEFAULT_EPS["float64"]


def test_smallest_normal_of_each_dtype() -> None:
    for name in ("float16", "float32", "float64"):
        assert smallest_normal(name) == float(np.finfo(name).tiny)
    assert smallest_normal(xps.float32) == float(np.finfo(np.float32).tiny)
    assert smallest_normal("int64") == 0.0 and smallest_normal(np.bool_) == 0.0


def test_allowed_is_the_plain_rule_for_normal_values_and_floored_below() -> None:
    p = TolerancePolicy(atol=1e-5, rtol=1e-4)
    tiny = float(np.finfo(np.float32).tiny)
    r = np.array([-2.0, tiny, 3 * tiny, tiny / 2, 1e-45, 0.0])
    plain = p.atol * 0.5 + p.rtol * np.abs(r)
    assert p.allowed(r, 0.5).tolist() == plain.tolist()  # no dtype: no floor
    assert p.allowed(r, 0.5, "float64").tolist() == plain.tolist()  # float64 is normal here
    floored = p.allowed(r, 0.5, np.float32)
    assert floored[:3].tolist() == plain[:3].tolist()  # normal float32 values: unchanged
    assert floored[3:].tolist() == [p.atol * 0.5 + p.rtol * tiny] * 3  # subnormal or zero
    assert p.allowed(r, 0.5, "int64").tolist() == plain.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["float16", "float32", "float64"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(0.0, 1e6),
)
def test_property_allowed_never_loosens_normal_values(dtype: str, value: float, scale) -> None:
    p = DEFAULT_TOLERANCES[dtype]
    plain = p.atol * scale + p.rtol * abs(value)
    allowed = float(p.allowed(np.array(value), scale, dtype))
    assert allowed >= plain
    if abs(value) >= float(np.finfo(dtype).tiny):
        assert allowed == plain
