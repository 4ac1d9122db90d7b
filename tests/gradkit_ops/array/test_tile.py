"""tile and repeat."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import repeat, tile


@pytest.mark.parametrize("reps", [2, (2, 1), (3, 1, 2), (0, 2)])
def test_tile(device, forward, gradcheck, rng, reps) -> None:
    x = rng.standard_normal((2, 3))
    fn = lambda v: tile(v, reps)  # noqa: E731
    forward(fn, lambda a: np.tile(a, reps), x, device=device)
    gradcheck(fn, [x], device=str(device))


@pytest.mark.parametrize(("repeats", "axis"), [(2, None), (3, 1), ([0, 2], 0), ([1, 0, 3], -1)])
def test_repeat(device, forward, gradcheck, rng, repeats, axis) -> None:
    x = rng.standard_normal((2, 3))
    fn = lambda v: repeat(v, repeats, axis)  # noqa: E731
    forward(fn, lambda a: np.repeat(a, repeats, axis), x, device=device)
    gradcheck(fn, [x], device=str(device))


def test_repeat_gradient_adds_copies() -> None:
    x = gradkit.Variable(np.array([1.0, 2.0]))
    repeat(x, [3, 1]).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 1.0])


def test_errors() -> None:
    with pytest.raises(ValueError, match="negative"):
        tile(np.ones(2), -1)
    with pytest.raises(ValueError, match="counts"):
        repeat(np.ones(3), [1, 2])
