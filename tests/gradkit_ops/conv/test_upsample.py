"""upsample: plain-loop references, PyTorch's values by hand, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.conv import upsample
from gradkit_ops.conv.upsample import upsample_reference

# (x shape, size, mode, align_corners)
CONFIGS = [
    ((2, 3, 3, 4), (6, 8), "nearest", False),
    ((2, 2, 5, 3), (3, 7), "nearest", False),
    ((1, 2, 2, 3, 2), (3, 6, 4), "nearest", False),
    ((2, 2, 3, 4), (5, 9), "bilinear", False),
    ((2, 2, 5, 4), (3, 7), "bilinear", True),
    ((2, 3, 4), (9,), "linear", False),
    ((1, 2, 2, 3, 2), (3, 5, 4), "trilinear", True),
]
IDS = [f"{c[2]}-{i}" for i, c in enumerate(CONFIGS)]


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_matches_loops(device, forward, rng, config) -> None:
    shape, size, mode, corners = config
    forward(
        lambda v: upsample(v, size, mode=mode, align_corners=corners),
        lambda a: upsample_reference(a, size, mode, corners),
        rng.standard_normal(shape),
        device=device,
        atol=1e-15,
    )


def test_bilinear_as_pytorch() -> None:
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    np.testing.assert_allclose(
        upsample(x, scale_factor=2, mode="bilinear").array[0, 0],
        [
            [1.0, 1.25, 1.75, 2.0],
            [1.5, 1.75, 2.25, 2.5],
            [2.5, 2.75, 3.25, 3.5],
            [3.0, 3.25, 3.75, 4.0],
        ],
    )
    third = 1.0 / 3.0
    row = np.array([1.0, 1.0 + third, 2.0 - third, 2.0])
    np.testing.assert_allclose(
        upsample(x, size=4, mode="bilinear", align_corners=True).array[0, 0],
        [row, row + 2 * third, row + 4 * third, row + 2.0],
    )


def test_nearest_by_hand() -> None:
    x = np.array([[[1.0, 2.0, 3.0]]])
    np.testing.assert_array_equal(upsample(x, size=5).array, [[[1.0, 1.0, 2.0, 2.0, 3.0]]])
    np.testing.assert_array_equal(upsample(x, scale_factor=2).array, [[[1, 1, 2, 2, 3, 3.0]]])
    np.testing.assert_array_equal(upsample(x, size=2).array, [[[1.0, 2.0]]])


@pytest.mark.parametrize("config", [CONFIGS[1], CONFIGS[3]], ids=["nearest", "bilinear"])
def test_gradients_first_and_second_order(device, gradcheck, rng, config) -> None:
    shape, size, mode, corners = config
    x = rng.standard_normal((1, *shape[1:]))
    gradcheck(
        lambda v: upsample(v, size, mode=mode, align_corners=corners), [x], device=str(device)
    )


def test_nearest_gradient_sums_the_copies(device) -> None:
    x = gradkit.Variable(device.send(np.array([[[1.0, 2.0]]])))
    upsample(x, scale_factor=3).sum().backward()
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), [[[3.0, 3.0]]])


def test_errors() -> None:
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match="upsample: give exactly one of size and scale_factor"):
        upsample(x)
    with pytest.raises(ValueError, match="upsample: give exactly one of size and scale_factor"):
        upsample(x, 2, 2)
    with pytest.raises(ValueError, match="upsample: mode 'linear' does not fit"):
        upsample(x, 8, mode="linear")
    with pytest.raises(ValueError, match="upsample: align_corners applies to the linear modes"):
        upsample(x, 8, align_corners=True)
    with pytest.raises(ValueError, match="upsample: size must be 2 positive ints"):
        upsample(x, (8, 0))
    with pytest.raises(ValueError, match=r"upsample: scale_factor 0\.1 leaves an empty axis"):
        upsample(x, scale_factor=0.1)
