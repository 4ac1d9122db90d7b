"""fmod: exact values with the sign of x (unlike remainder), both gradients, on cpu and
strict."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.comparison import fmod


def test_values_match_numpy_exactly(rng) -> None:
    x = rng.uniform(-50, 50, 1000)
    y = rng.uniform(0.1, 7, 1000) * rng.choice([-1.0, 1.0], 1000)
    np.testing.assert_array_equal(fmod(x, y).array, np.fmod(x, y))
    np.testing.assert_array_equal(fmod(x, 3.0).array, np.fmod(x, 3.0))
    xf = x.astype(np.float32)
    np.testing.assert_array_equal(fmod(xf, np.float32(2.5)).array, np.fmod(xf, np.float32(2.5)))


def test_sign_follows_x_and_zero_divisor_gives_nan() -> None:
    np.testing.assert_array_equal(
        fmod(np.array([5.5, -5.5, 5.5, -5.5]), np.array([2.0, 2.0, -2.0, -2.0])).array,
        [1.5, -1.5, 1.5, -1.5],
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(fmod(np.array([1.0]), 0.0).array).all()


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(device, rng, gradcheck) -> None:
    x = rng.uniform(2.2, 2.8, (2, 3)) * rng.choice([-1.0, 1.0], (2, 3))
    y = rng.uniform(1.0, 1.05, (3,)) * rng.choice([-1.0, 1.0], (3,))
    gradcheck(fmod, [x, y], device=device)
