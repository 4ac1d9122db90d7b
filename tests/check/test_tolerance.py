"""The per-dtype tolerance policy: defaults, lookup by any dtype, overrides, validation."""

from __future__ import annotations

import array_api_strict as xps
import numpy as np
import pytest

from gradkit.check import (
    DEFAULT_EPS,
    DEFAULT_TOLERANCES,
    TolerancePolicy,
    dtype_name,
    eps_for,
    tolerance_for,
)


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
