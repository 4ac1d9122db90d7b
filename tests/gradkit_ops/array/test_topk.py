"""topk: values with gradients, indices without."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import topk


@pytest.mark.parametrize(("k", "axis", "largest"), [(2, -1, True), (1, 0, False), (3, 0, True)])
def test_forward_and_gradients(device, gradcheck, rng, k, axis, largest) -> None:
    x = rng.permutation(12).reshape(3, 4) / 3.0  # tie-free
    values, indices = topk(device.send(x), k, axis, largest)
    order = np.argsort(-x if largest else x, axis=axis, stable=True)
    expected_idx = np.take(order, np.arange(k), axis=axis)
    np.testing.assert_array_equal(gradkit.to_numpy(indices.array), expected_idx)
    np.testing.assert_array_equal(
        gradkit.to_numpy(values.array), np.take_along_axis(x, expected_idx, axis)
    )
    assert indices.dtype == indices.array.dtype and not indices.requires_grad
    gradcheck(lambda v: topk(v, k, axis, largest)[0], [x], device=str(device))


def test_range_of_k() -> None:
    with pytest.raises(ValueError, match="out of range"):
        topk(np.ones(3), 4)
    assert topk(np.ones(3), 0)[0].shape == (0,)
