"""clip: values, the gradient mask (closed interval), gradients on cpu and strict, errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.comparison import clip


def test_values_and_one_sided_bounds() -> None:
    x = np.array([-2.0, -0.5, 0.25, 0.5, 3.0])
    np.testing.assert_array_equal(clip(x, -0.5, 0.5).array, np.clip(x, -0.5, 0.5))
    np.testing.assert_array_equal(clip(x, min=0.0).array, np.maximum(x, 0.0))
    np.testing.assert_array_equal(clip(x, max=0.0).array, np.minimum(x, 0.0))
    np.testing.assert_array_equal(clip(x).array, x)


def test_gradient_passes_inside_the_closed_interval(strict) -> None:
    for device in ("cpu", strict):
        dev = gradkit.get_device(device)
        x = gradkit.Variable(dev.send(np.array([-2.0, -0.5, 0.25, 0.5, 3.0])))
        clip(x, -0.5, 0.5).sum().backward()
        np.testing.assert_array_equal(gradkit.to_numpy(x.grad), [0.0, 1.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(device, rng, gradcheck) -> None:
    x = rng.choice([-1.0, 0.0, 1.0], (2, 3)) + rng.uniform(-0.3, 0.3, (2, 3))
    gradcheck(lambda v: clip(v, -0.5, 0.5), [x], device=device)


def test_float16_keeps_its_dtype() -> None:
    y = clip(np.array([-3.0, 0.1], dtype=np.float16), -1, 1)
    assert y.dtype == np.float16


def test_bad_bounds() -> None:
    with pytest.raises(ValueError, match="greater than max"):
        clip(np.zeros(2), 1.0, -1.0)
    with pytest.raises(TypeError, match="scalar or None"):
        clip(np.zeros(2), np.zeros(2))
