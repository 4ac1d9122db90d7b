"""roll."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.array import roll


@pytest.mark.parametrize(("shift", "axis"), [(1, None), (-5, None), (2, 1), ((1, -2), (0, 1))])
def test_forward_and_gradients(device, forward, gradcheck, rng, shift, axis) -> None:
    x = rng.standard_normal((3, 4))
    fn = lambda v: roll(v, shift, axis)  # noqa: E731
    forward(fn, lambda a: np.roll(a, shift, axis), x, device=device)
    gradcheck(fn, [x], device=str(device))


def test_tuple_shift_needs_tuple_axis() -> None:
    with pytest.raises(ValueError, match="tuple axis"):
        roll(np.ones(3), (1, 2), 0)
