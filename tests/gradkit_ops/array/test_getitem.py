"""getitem: the engine's op, re-exported; basic and advanced indices."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import getitem

INDICES = [
    (1, slice(None, None, 2)),
    (Ellipsis, None, slice(3, 0, -1)),
    (np.array([0, 2, 2]),),
    (np.array([0, 2, 2]), slice(1, 3)),
    (np.array([1, 0, 1]), np.array([3, 3, 0])),
    (np.array([[True, False, True, False], [False] * 4, [True] * 4]),),
]


def test_is_the_engine_op() -> None:
    assert getitem is gradkit.arithmetic.getitem


@pytest.mark.parametrize("index", INDICES, ids=range(len(INDICES)))
def test_forward_and_gradients(device, forward, gradcheck, rng, index) -> None:
    x = rng.standard_normal((3, 4))
    fn = lambda v: getitem(v, index)  # noqa: E731
    forward(fn, lambda a: a[index], x, device=device)
    gradcheck(fn, [x], device=str(device))
