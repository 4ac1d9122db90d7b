"""take: gather along an axis; repeated indices add up in the gradient."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import take


@pytest.mark.parametrize(
    ("indices", "axis"),
    [([2, 0, 2, -1], 1), (np.array([[1, 1], [0, 2]]), 0), ([5, 0, 5], None), ([], 1)],
)
def test_forward_and_gradients(device, forward, gradcheck, rng, indices, axis) -> None:
    x = rng.standard_normal((3, 4))
    fn = lambda v: take(v, indices, axis)  # noqa: E731
    forward(fn, lambda a: np.take(a, np.asarray(indices, dtype=np.int64), axis), x, device=device)
    gradcheck(fn, [x], device=str(device))


def test_repeated_indices_add_up(device) -> None:
    x = gradkit.Variable(device.send(np.zeros(3)))
    take(x, device.send(np.array([0, 0, 2, 0]))).sum().backward()
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), [3.0, 0.0, 1.0])


def test_integer_and_device_checks(device) -> None:
    with pytest.raises(TypeError, match="integers"):
        take(np.ones(3), np.array([0.5]))
    with pytest.raises(IndexError, match="out of range"):
        take(device.send(np.ones(3)), [3])
    if device != "cpu":
        with pytest.raises(gradkit.DeviceMismatchError):
            take(np.ones(3), gradkit.get_device("strict").send(np.array([0])))
