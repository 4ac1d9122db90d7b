"""concat, stack and split: each other's adjoints."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import concat, split, stack


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(device, forward, gradcheck, rng, axis) -> None:
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    b = b[:1] if axis == 0 else b[:, :1]
    fn = lambda u, v: concat([u, v, u], axis)  # noqa: E731
    forward(fn, lambda u, v: np.concatenate([u, v, u], axis), a, b, device=device)
    gradcheck(fn, [a, b], device=str(device))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack(device, forward, gradcheck, rng, axis) -> None:
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    fn = lambda u, v: stack([u, v], axis)  # noqa: E731
    forward(fn, lambda u, v: np.stack([u, v], axis), a, b, device=device)
    gradcheck(fn, [a, b], device=str(device))


@pytest.mark.parametrize("spec", [3, [1, 4], [0, 2, 2, 6]])
def test_split(device, gradcheck, rng, spec) -> None:
    x = rng.standard_normal((2, 6))
    pieces = split(device.send(x), spec, axis=1)
    expected = np.split(x, spec, axis=1)
    assert len(pieces) == len(expected)
    for p, e in zip(pieces, expected, strict=True):
        np.testing.assert_array_equal(gradkit.to_numpy(p.array), e)
    weights = [rng.standard_normal(e.shape) for e in expected]

    def fn(v):  # every piece, weighted differently, so each gradient slot is checked
        parts = split(v, spec, axis=1)
        total = (parts[0] * v.device.send(weights[0])).sum()
        for p, w in zip(parts[1:], weights[1:], strict=True):
            total = total + (p * v.device.send(w)).sum()
        return total

    gradcheck(fn, [x], device=str(device))


def test_split_with_unused_pieces_gets_zero_gradient(device) -> None:
    x = gradkit.Variable(device.send(np.arange(6.0)))
    _, middle, _ = split(x, [2, 4])
    middle.sum().backward()
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), [0, 0, 1, 1, 0, 0])


def test_errors() -> None:
    with pytest.raises(TypeError, match="dtype"):
        concat([np.ones(2), np.ones(2, dtype=np.float32)])
    with pytest.raises(ValueError, match="shape"):
        concat([np.ones((2, 2)), np.ones((3, 3))], axis=0)
    with pytest.raises(ValueError, match="equally"):
        split(np.ones(5), 2)
    with pytest.raises(ValueError, match="0-d"):
        concat([np.array(1.0)])
