"""Trigonometric ops: forward against NumPy, gradients to second order on cpu and strict."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
import gradkit_ops.math.trigonometric as trig

# op, NumPy reference, sampling interval (|x| kept at least `gap` from 0 when gap > 0)
UNARY = [
    (trig.sin, np.sin, (-4.0, 4.0)),
    (trig.cos, np.cos, (-4.0, 4.0)),
    (trig.tan, np.tan, (-1.2, 1.2)),
    (trig.arcsin, np.arcsin, (-0.9, 0.9)),
    (trig.arccos, np.arccos, (-0.9, 0.9)),
    (trig.arctan, np.arctan, (-3.0, 3.0)),
]
IDS = [op.__name__ for op, _, _ in UNARY]


@pytest.mark.parametrize(("op", "ref", "domain"), UNARY, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_unary_forward_matches_numpy(op, ref, domain, dtype, rng) -> None:
    x = rng.uniform(*domain, (3, 4)).astype(dtype)
    y = op(x)
    assert y.dtype == dtype and y.shape == (3, 4)
    rtol = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-14}[dtype]
    np.testing.assert_allclose(y.array, ref(x), rtol=rtol, atol=rtol)


@pytest.mark.parametrize(("op", "ref", "domain"), UNARY, ids=IDS)
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_unary_gradients_to_second_order(op, ref, domain, device, rng, gradcheck) -> None:
    gradcheck(op, [rng.uniform(*domain, (2, 3))], device=device)


@pytest.mark.parametrize(("op", "ref", "domain"), UNARY, ids=IDS)
def test_unary_on_strict_matches_cpu(op, ref, domain, rng, strict) -> None:
    x = rng.uniform(*domain, (2, 3))
    y = op(gradkit.Variable(strict.send(x)))
    assert y.device == strict
    np.testing.assert_allclose(gradkit.to_numpy(y.array), op(x).array, rtol=1e-15)


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
