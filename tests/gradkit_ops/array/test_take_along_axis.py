"""take_along_axis: gather with an index array of the data's rank."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import take_along_axis

CASES = [
    (np.array([[0, 1, 1], [3, 3, 0], [2, 2, -1]]), 1),
    (np.array([[0, 2, 1, 0]]), 0),  # broadcast over axis 0's partner axis
    (np.array([[1], [0], [3]]), -1),
]


@pytest.mark.parametrize(("indices", "axis"), CASES, ids=range(len(CASES)))
def test_forward_and_gradients(device, forward, gradcheck, rng, indices, axis) -> None:
    x = rng.standard_normal((3, 4))
    fn = lambda v: take_along_axis(v, indices, axis)  # noqa: E731
    ref = lambda a: np.take_along_axis(a, np.where(indices < 0, indices + 4, indices), axis)  # noqa: E731
    forward(fn, ref, x, device=device)
    gradcheck(fn, [x], device=str(device))


def test_broadcast_data_axis(device, gradcheck, rng) -> None:
    x = rng.standard_normal((1, 5))
    idx = np.array([[0, 4], [1, 1], [2, 0]])
    fn = lambda v: take_along_axis(v, idx, 1)  # noqa: E731
    np.testing.assert_array_equal(
        gradkit.to_numpy(fn(device.send(x)).array), np.take_along_axis(x, idx, 1)
    )
    gradcheck(fn, [x], device=str(device))


def test_rank_mismatch() -> None:
    with pytest.raises(ValueError, match="dimensions"):
        take_along_axis(np.ones((2, 3)), np.array([0, 1]), 1)
