"""sum: the engine's op, re-exported."""

from __future__ import annotations

import pytest

import gradkit
from gradkit_ops.reduction import sum as op_sum


def test_is_the_engine_sum() -> None:
    assert op_sum is gradkit.arithmetic.sum


@pytest.mark.parametrize(("axis", "keepdims"), [(None, False), (1, True), ((0, 2), False)])
def test_forward_and_gradients(device, forward, gradcheck, rng, axis, keepdims) -> None:
    x = rng.standard_normal((2, 3, 4))
    forward(
        lambda v: op_sum(v, axis, keepdims),
        lambda a: a.sum(axis, keepdims=keepdims),
        x,
        device=device,
    )
    gradcheck(lambda v: op_sum(v, axis, keepdims), [x], device=str(device))
