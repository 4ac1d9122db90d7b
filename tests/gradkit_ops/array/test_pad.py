"""pad: constant, edge and reflect."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import pad

WIDTHS = [1, (2, 1), ((0, 2), (3, 1)), ((1, 1), (4, 7))]


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect"])
@pytest.mark.parametrize("width", WIDTHS, ids=range(len(WIDTHS)))
def test_forward_and_gradients(device, forward, gradcheck, rng, mode, width) -> None:
    x = rng.standard_normal((3, 4))
    kwargs = {"constant_values": 1.5} if mode == "constant" else {}
    fn = lambda v: pad(v, width, mode, **kwargs)  # noqa: E731
    forward(fn, lambda a: np.pad(a, width, mode, **kwargs), x, device=device)
    gradcheck(fn, [x], device=str(device))


def test_edge_gradient_adds_copies() -> None:
    x = gradkit.Variable(np.array([1.0, 2.0]))
    pad(x, (2, 1), "edge").sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 2.0])


def test_length_one_reflects_as_edge_and_errors() -> None:
    np.testing.assert_array_equal(pad(np.array([5.0]), 2, "reflect").array, np.full(5, 5.0))
    with pytest.raises(ValueError, match="mode"):
        pad(np.ones(3), 1, "wrap")
    with pytest.raises(ValueError, match="negative"):
        pad(np.ones(3), -1)
    with pytest.raises(ValueError, match="empty"):
        pad(np.ones((0, 2)), 1, "edge")
