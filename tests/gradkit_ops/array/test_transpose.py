"""The transpose family: transpose, swapaxes, moveaxis."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import moveaxis, swapaxes, transpose


def test_transpose_is_the_engine_op() -> None:
    assert transpose is gradkit.arithmetic.transpose


@pytest.mark.parametrize(
    ("fn", "ref"),
    [
        (transpose, np.transpose),
        (lambda v: transpose(v, (1, 2, 0)), lambda a: np.transpose(a, (1, 2, 0))),
        (lambda v: swapaxes(v, 0, -1), lambda a: np.swapaxes(a, 0, -1)),
        (lambda v: moveaxis(v, 0, -1), lambda a: np.moveaxis(a, 0, -1)),
        (lambda v: moveaxis(v, (0, 2), (2, 1)), lambda a: np.moveaxis(a, (0, 2), (2, 1))),
    ],
)
def test_forward_and_gradients(device, forward, gradcheck, rng, fn, ref) -> None:
    x = rng.standard_normal((2, 3, 4))
    forward(fn, ref, x, device=device)
    gradcheck(fn, [x], device=str(device))


def test_moveaxis_errors() -> None:
    with pytest.raises(ValueError, match="length"):
        moveaxis(np.ones((2, 3)), (0, 1), 0)
    with pytest.raises(ValueError, match="repeated"):
        moveaxis(np.ones((2, 3)), (0, 0), (0, 1))
