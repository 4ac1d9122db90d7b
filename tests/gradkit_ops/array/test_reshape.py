"""The reshape family: reshape, flatten, expand_dims, squeeze."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import expand_dims, flatten, reshape, squeeze


def test_reshape_is_the_engine_op() -> None:
    assert reshape is gradkit.arithmetic.reshape


@pytest.mark.parametrize(
    ("fn", "ref", "shape"),
    [
        (lambda v: reshape(v, (4, -1)), lambda a: a.reshape(4, -1), (2, 3, 4)),
        (flatten, np.ravel, (2, 3, 4)),
        (lambda v: expand_dims(v, (0, -1)), lambda a: np.expand_dims(a, (0, -1)), (2, 3)),
        (lambda v: expand_dims(v, 1), lambda a: np.expand_dims(a, 1), (2, 3)),
        (squeeze, np.squeeze, (1, 3, 1, 2)),
        (lambda v: squeeze(v, -2), lambda a: np.squeeze(a, -2), (1, 3, 1, 2)),
    ],
)
def test_forward_and_gradients(device, forward, gradcheck, rng, fn, ref, shape) -> None:
    x = rng.standard_normal(shape)
    forward(fn, ref, x, device=device)
    gradcheck(fn, [x], device=str(device))


def test_scalar_and_errors() -> None:
    assert flatten(np.array(1.0)).shape == (1,)
    assert expand_dims(np.array(1.0), 0).shape == (1,)
    with pytest.raises(ValueError, match="length 3"):
        squeeze(np.ones((1, 3)), 1)
