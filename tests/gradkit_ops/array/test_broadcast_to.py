"""broadcast_to: the engine's op, re-exported."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import broadcast_to


def test_is_the_engine_op() -> None:
    assert broadcast_to is gradkit.arithmetic.broadcast_to


@pytest.mark.parametrize(("shape", "target"), [((3, 1), (2, 3, 4)), ((), (2, 2)), ((4,), (3, 4))])
def test_forward_and_gradients(device, forward, gradcheck, rng, shape, target) -> None:
    x = rng.standard_normal(shape)
    fn = lambda v: broadcast_to(v, target)  # noqa: E731
    forward(fn, lambda a: np.broadcast_to(a, target), x, device=device)
    gradcheck(fn, [x], device=str(device))
