"""pixel_shuffle: plain-loop reference, values by hand, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.conv import pixel_shuffle
from gradkit_ops.conv.pixel_shuffle import pixel_shuffle_reference


@pytest.mark.parametrize(("shape", "r"), [((2, 8, 3, 2), 2), ((3, 18, 2, 1), 3), ((9, 2, 2), 3)])
def test_matches_loops(device, forward, rng, shape, r) -> None:
    forward(
        lambda v: pixel_shuffle(v, r),
        lambda a: pixel_shuffle_reference(a, r),
        rng.standard_normal(shape),
        device=device,
    )


def test_by_hand() -> None:
    x = np.arange(8.0).reshape(1, 8, 1, 1)
    np.testing.assert_array_equal(
        pixel_shuffle(x, 2).array, [[[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0], [6.0, 7.0]]]]
    )
    x = np.arange(8.0).reshape(1, 4, 1, 2)  # each channel holds two columns
    np.testing.assert_array_equal(pixel_shuffle(x, 2).array, [[[[0, 2, 1, 3], [4, 6, 5, 7.0]]]])


def test_gradients_first_and_second_order(device, gradcheck, rng) -> None:
    gradcheck(
        lambda v: pixel_shuffle(v, 2), [rng.standard_normal((1, 4, 2, 3))], device=str(device)
    )


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"pixel_shuffle: expected an input of shape \(\*, C \* 4"):
        pixel_shuffle(np.zeros((1, 6, 2, 2)), 2)
    with pytest.raises(ValueError, match="pixel_shuffle: upscale_factor must be a positive int"):
        pixel_shuffle(np.zeros((1, 4, 2, 2)), 0)
