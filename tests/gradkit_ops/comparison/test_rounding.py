"""floor, ceil, round: values like NumPy (round halves to even) and a zero gradient that is
zeros, not None, on cpu and strict, also in double backward."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.comparison import ceil, floor, round

OPS = [(floor, np.floor), (ceil, np.ceil), (round, np.round)]
IDS = ["floor", "ceil", "round"]


@pytest.mark.parametrize(("op", "ref"), OPS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_values(op, ref, dtype) -> None:
    x = np.array([-2.5, -1.5, -0.5, -0.2, 0.0, 0.5, 1.5, 2.5, 2.7], dtype=dtype)
    y = op(x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.array, ref(x))


@pytest.mark.parametrize(("op", "ref"), OPS, ids=IDS)
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradient_is_zeros(op, ref, device) -> None:
    dev = gradkit.get_device(device)
    x = gradkit.Variable(dev.send(np.array([-1.3, 0.2, 2.6])))
    y = op(x)
    (gx,) = gradkit.grad([y], [x], [dev.send(np.array([1.0, np.inf, -3.0]))], True)
    assert gx.device == dev and gx.dtype == x.dtype
    np.testing.assert_array_equal(gradkit.to_numpy(gx.array), np.zeros(3))
    (ggx,) = gradkit.grad([gx.sum()], [x])  # double backward: zero too (or no gradient)
    assert ggx is None or not np.any(gradkit.to_numpy(ggx.array))


@pytest.mark.parametrize(("op", "ref"), OPS, ids=IDS)
def test_gradient_matches_central_differences_away_from_jumps(op, ref, gradcheck) -> None:
    gradcheck(op, [np.array([[-1.3, 0.2, 2.7], [0.9, -2.2, 1.1]])])
