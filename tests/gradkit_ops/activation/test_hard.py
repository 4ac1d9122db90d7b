"""hard_sigmoid, hard_tanh, clipped_relu, relu6: values, gradient masks (0 at the corners),
gradients on cpu and strict, and bad parameters."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.activation import clipped_relu, hard_sigmoid, hard_tanh, relu6

CASES = [
    (hard_sigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1), (-3.0, 3.0), 1 / 6),
    (hard_tanh, lambda x: np.clip(x, -1, 1), (-1.0, 1.0), 1.0),
    (lambda x: clipped_relu(x, 2.0), lambda x: np.clip(x, 0, 2), (0.0, 2.0), 1.0),
    (relu6, lambda x: np.clip(x, 0, 6), (0.0, 6.0), 1.0),
]
IDS = ["hard_sigmoid", "hard_tanh", "clipped_relu", "relu6"]


@pytest.mark.parametrize(("op", "ref", "corners", "slope"), CASES, ids=IDS)
def test_values_and_gradient_mask(op, ref, corners, slope) -> None:
    lo, hi = corners
    x = gradkit.Variable(np.array([lo - 1, lo, (lo + hi) / 2, hi, hi + 1]))
    y = op(x)
    np.testing.assert_allclose(y.array, ref(x.array))
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.0, slope, 0.0, 0.0])


@pytest.mark.parametrize(("op", "ref", "corners", "slope"), CASES, ids=IDS)
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(op, ref, corners, slope, device, rng, gradcheck) -> None:
    lo, hi = corners
    x = rng.choice([lo - 0.5, (lo + hi) / 2, hi + 0.5], (2, 3)) + rng.uniform(-0.2, 0.2, (2, 3))
    gradcheck(op, [x], device=device)


def test_float16_stays_float16() -> None:
    assert hard_sigmoid(np.zeros(2, dtype=np.float16)).dtype == np.float16


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="below"):
        hard_tanh(np.zeros(2), 1.0, -1.0)
    with pytest.raises(ValueError, match="positive"):
        clipped_relu(np.zeros(2), 0.0)
