"""adaptive_avg_pool2d: plain-loop references, PyTorch's windows by hand, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.conv import adaptive_avg_pool2d
from gradkit_ops.conv.adaptive_avg_pool import adaptive_avg_pool2d_reference

CONFIGS = [((2, 3, 7, 5), (3, 2)), ((1, 2, 4, 6), (4, 6)), ((2, 1, 3, 3), (5, 1))]


@pytest.mark.parametrize("config", CONFIGS, ids=["down", "same", "up-and-global"])
def test_matches_window_loops(device, forward, rng, config) -> None:
    shape, size = config
    forward(
        lambda v: adaptive_avg_pool2d(v, size),
        lambda a: adaptive_avg_pool2d_reference(a, size),
        rng.standard_normal(shape),
        device=device,
        atol=1e-15,
    )


def test_windows_as_pytorch() -> None:
    """5 -> 3: windows [0, 2), [1, 4), [3, 5) (floor of the start, ceiling of the end)."""
    x = np.arange(5.0).reshape(1, 1, 1, 5)
    np.testing.assert_allclose(adaptive_avg_pool2d(x, (1, 3)).array, [[[[0.5, 2.0, 3.5]]]])
    assert adaptive_avg_pool2d(np.ones((2, 3, 4, 4)), 1).shape == (2, 3, 1, 1)
    assert adaptive_avg_pool2d(np.ones((2, 3, 4, 5)), (None, 2)).shape == (2, 3, 4, 2)


def test_same_size_is_a_new_node(device) -> None:
    x = gradkit.Variable(device.send(np.ones((1, 1, 2, 2))))
    y = adaptive_avg_pool2d(x, 2)
    assert y is not x and y.creator is not None
    y.sum().backward()
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), np.ones((1, 1, 2, 2)))


def test_gradients_first_and_second_order(device, gradcheck, rng) -> None:
    x = rng.standard_normal((1, 2, 5, 4))
    gradcheck(lambda v: adaptive_avg_pool2d(v, (3, 3)), [x], device=str(device))


def test_errors() -> None:
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: output_size must be a positive"):
        adaptive_avg_pool2d(np.zeros((1, 1, 4, 4)), (0, 2))
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: cannot pool an empty spatial"):
        adaptive_avg_pool2d(np.zeros((1, 1, 0, 4)), 2)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: expected an input of shape"):
        adaptive_avg_pool2d(np.zeros((1, 4, 4)), 2)
