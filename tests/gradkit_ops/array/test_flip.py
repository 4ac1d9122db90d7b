"""flip."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.array import flip


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_forward_and_gradients(device, forward, gradcheck, rng, axis) -> None:
    x = rng.standard_normal((2, 3, 4))
    fn = lambda v: flip(v, axis)  # noqa: E731
    forward(fn, lambda a: np.flip(a, axis), x, device=device)
    gradcheck(fn, [x], device=str(device))
