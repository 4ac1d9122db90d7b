"""max and min: the gradient goes to the extremum, shared equally between ties."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.reduction import max as op_max
from gradkit_ops.reduction import min as op_min

OPS = [(op_max, np.max), (op_min, np.min)]


@pytest.mark.parametrize(("op", "ref"), OPS)
@pytest.mark.parametrize(("axis", "keepdims"), [(None, False), (1, True), ((0, 2), False)])
def test_forward_and_gradients(device, forward, gradcheck, rng, op, ref, axis, keepdims) -> None:
    x = rng.permutation(24).reshape(2, 3, 4) / 7.0  # tie-free: distinct values
    fn = lambda v: op(v, axis, keepdims)  # noqa: E731
    forward(fn, lambda a: ref(a, axis, keepdims=keepdims), x, device=device)
    gradcheck(fn, [x], device=str(device))


@pytest.mark.parametrize("op", [op_max, op_min])
def test_ties_share_the_gradient(device, op) -> None:
    x = gradkit.Variable(device.send(np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 2.0]])))
    sign = 1.0 if op is op_max else -1.0
    y = op(x * sign, axis=1)
    y.grad = device.send(np.array([3.0, 4.0]))
    y.backward()
    # max of x / min of -x: a tie of three shares 3.0, a tie of two shares 4.0
    expected = sign * np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 2.0]])
    np.testing.assert_allclose(gradkit.to_numpy(x.grad), expected)


def test_second_order_is_zero() -> None:
    x = gradkit.Variable(np.array([0.3, -1.0, 2.0]))
    (gx,) = gradkit.grad([op_max(x)], [x], enable_double_backprop=True)
    (ggx,) = gradkit.grad([(gx * gx).sum()], [x])
    assert ggx is None or not np.any(ggx.array)


def test_empty_axis_is_refused() -> None:
    with pytest.raises(ValueError, match="empty axis"):
        op_max(np.zeros((0, 3)), axis=0)
    assert op_min(np.zeros((0, 3)), axis=1).shape == (0,)
