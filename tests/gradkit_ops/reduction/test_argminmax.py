"""argmax and argmin: integer outputs with no gradient."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.reduction import argmax, argmin

OPS = [(argmax, np.argmax), (argmin, np.argmin)]


@pytest.mark.parametrize(("op", "ref"), OPS)
@pytest.mark.parametrize(("axis", "keepdims"), [(None, False), (0, False), (-1, True)])
def test_forward(device, forward, rng, op, ref, axis, keepdims) -> None:
    x = rng.standard_normal((3, 4))
    x[1, :] = x[1, 0]  # ties: the first index wins, as in NumPy
    forward(
        lambda v: op(v, axis, keepdims),
        lambda a: ref(a, axis, keepdims=keepdims).astype(np.int64),
        x,
        device=device,
    )


@pytest.mark.parametrize("op", [argmax, argmin])
def test_no_gradient(op) -> None:
    x = gradkit.Variable(np.array([[0.5, 2.0], [1.0, -1.0]]))
    i = op(x, axis=1)
    assert i.dtype == np.int64
    assert not i.node.requires_grad  # an integer output takes no part in backprop
    (gx,) = gradkit.grad([(x * 2.0).sum()], [x])
    np.testing.assert_array_equal(gx.array, np.full((2, 2), 2.0))


def test_empty_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        argmax(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="empty axis"):
        argmin(np.zeros((0, 3)), axis=0)
