"""diagonal."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.array import diagonal


@pytest.mark.parametrize(
    ("shape", "offset", "axes"),
    [
        ((3, 4), 0, (0, 1)),
        ((3, 4), 2, (0, 1)),
        ((4, 3), -1, (0, 1)),
        ((2, 3, 4), 1, (2, 0)),
        ((3, 4), 5, (0, 1)),
    ],
)
def test_forward_and_gradients(device, forward, gradcheck, rng, shape, offset, axes) -> None:
    x = rng.standard_normal(shape)
    fn = lambda v: diagonal(v, offset, *axes)  # noqa: E731
    forward(fn, lambda a: np.diagonal(a, offset, *axes), x, device=device)
    gradcheck(fn, [x], device=str(device))


def test_errors() -> None:
    with pytest.raises(ValueError, match="2 dimensions"):
        diagonal(np.ones(3))
    with pytest.raises(ValueError, match="same axis"):
        diagonal(np.ones((2, 2)), axis1=1, axis2=-1)
