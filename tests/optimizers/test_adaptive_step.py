"""subtract_adaptive_step: the adaptive optimizers' shared step, with NumPy's reciprocal."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit.optimizers.adaptive_step import subtract_adaptive_step

_BITS = {np.float16: np.uint16, np.float32: np.uint32, np.float64: np.uint64}


def _power_sequence(p, buf, numerator, scale, eps) -> None:
    # The sequence as written for every namespace, with the inversion as a power.
    buf **= 0.5
    buf += eps
    buf **= -1.0
    buf *= numerator
    buf *= scale
    p -= buf


@pytest.mark.parametrize("dtype", list(_BITS))
def test_reciprocal_gives_the_values_of_the_power(dtype) -> None:
    # The premise of the NumPy path: every bit pattern (finite, subnormal, zero, inf, NaN,
    # either sign) inverts to the same value both ways.
    rng = np.random.default_rng(0)
    bits = _BITS[dtype]
    raw = rng.integers(0, np.iinfo(bits).max, 200_000, dtype=bits, endpoint=True)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, 3.0], dtype=dtype)
    info = np.finfo(dtype)
    extremes = np.array([info.smallest_subnormal, info.tiny, info.max], dtype=dtype)
    x = np.concatenate([raw.view(dtype), specials, extremes, -extremes])
    with np.errstate(all="ignore"):
        powered = x.copy()
        powered **= -1.0
        inverted = np.reciprocal(x)
    np.testing.assert_array_equal(inverted, powered)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_matches_the_power_sequence_bit_for_bit(dtype) -> None:
    rng = np.random.default_rng(1)
    p = rng.standard_normal(1000).astype(dtype)
    s = rng.random(1000).astype(dtype)
    num = rng.standard_normal(1000).astype(dtype)
    expected_p, expected_buf = p.copy(), s.copy()
    _power_sequence(expected_p, expected_buf, num, 0.01, 1e-8)
    buf = s.copy()
    subtract_adaptive_step(p, buf, num, 0.01, 1e-8)
    np.testing.assert_array_equal(p, expected_p)
    np.testing.assert_array_equal(buf, expected_buf)


def test_computes_the_adaptive_step() -> None:
    p = np.array([1.0, 2.0, 3.0])
    s = np.array([4.0, 0.25, 0.0])
    num = np.array([2.0, -1.0, 0.5])
    expected = p - 0.1 * num / (np.sqrt(s) + 0.5)
    subtract_adaptive_step(p, s.copy(), num, 0.1, 0.5)
    np.testing.assert_allclose(p, expected, rtol=1e-15)


def test_other_namespaces_use_the_power(strict) -> None:
    rng = np.random.default_rng(2)
    p, s, num = (rng.random(50, dtype=np.float32) + 0.1 for _ in range(3))
    expected_p = p.copy()
    _power_sequence(expected_p, s.copy(), num, 0.3, 1e-6)
    sp, sbuf, snum = (strict.send(a) for a in (p, s, num))
    subtract_adaptive_step(sp, sbuf, snum, 0.3, 1e-6)
    assert gradkit.get_device_from_array(sp) == strict
    np.testing.assert_array_equal(gradkit.to_numpy(sp), expected_p)
