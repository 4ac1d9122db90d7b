"""Trigonometric ops beyond the shared table of test_unary.py: special values and binary ops."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit_ops.math.trigonometric as trig


def test_arctan2_quadrants_and_gradients(rng, gradcheck) -> None:
    y = np.array([1.0, 1.0, -1.0, -1.0])
    x = np.array([1.0, -1.0, -1.0, 1.0])
    np.testing.assert_allclose(trig.arctan2(y, x).array / np.pi, [0.25, 0.75, -0.75, -0.25])
    off_axis = rng.uniform(0.3, 2.0, (2, 3)) * rng.choice([-1.0, 1.0], (2, 3))
    gradcheck(trig.arctan2, [off_axis, rng.uniform(0.3, 2.0, (3,))])
    gradcheck(trig.arctan2, [rng.uniform(0.3, 2.0, (3,)), -off_axis], device="strict")


def test_hypot_broadcasts_and_does_not_overflow(rng, gradcheck) -> None:
    r = trig.hypot(np.array([3.0, 1e200]), np.array([4.0, 1e200]))
    np.testing.assert_allclose(r.array, [5.0, np.sqrt(2) * 1e200])
    gradcheck(trig.hypot, [rng.uniform(0.3, 2.0, (2, 3)), rng.uniform(-2.0, 2.0, (3,))])
    gradcheck(
        trig.hypot, [rng.uniform(-2, 2, (2, 1)), rng.uniform(0.3, 2.0, (3,))], device="strict"
    )


def test_binary_ops_take_a_scalar_operand() -> None:
    x = np.array([1.0, -1.0], dtype=np.float32)
    assert trig.hypot(x, 1.0).dtype == np.float32
    np.testing.assert_allclose(trig.arctan2(1.0, x).array, np.arctan2(1.0, x))
    with pytest.raises(TypeError, match="one dtype"):
        trig.hypot(x, np.array([1.0, 2.0]))
