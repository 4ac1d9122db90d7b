"""norm: L1, L2, max and Frobenius norms over axes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradkit
from gradkit_ops.reduction import norm

REFS = {
    1: lambda a, axis, kd: np.sum(np.abs(a), axis=axis, keepdims=kd),
    2: lambda a, axis, kd: np.sqrt(np.sum(a * a, axis=axis, keepdims=kd)),
    math.inf: lambda a, axis, kd: np.max(np.abs(a), axis=axis, keepdims=kd),
}


@pytest.mark.parametrize("ord", [1, 2, math.inf])
@pytest.mark.parametrize(("axis", "keepdims"), [(None, False), (1, True), ((0, 2), False)])
def test_forward_and_gradients(device, forward, gradcheck, rng, ord, axis, keepdims) -> None:
    # tie-free magnitudes away from 0 (the kink of |x|)
    x = (rng.permutation(24).reshape(2, 3, 4) + 1.0) / 5.0 * rng.choice([-1, 1], (2, 3, 4))
    fn = lambda v: norm(v, ord, axis, keepdims)  # noqa: E731
    forward(fn, lambda a: REFS[ord](a, axis, keepdims), x, device=device, rtol=1e-14)
    gradcheck(fn, [x], device=str(device))


def test_frobenius(device, forward, gradcheck, rng) -> None:
    x = rng.standard_normal((2, 3, 4))
    fn = lambda v: norm(v, "fro", axis=(1, 2))  # noqa: E731
    forward(fn, lambda a: np.linalg.norm(a, "fro", axis=(1, 2)), x, device=device, rtol=1e-14)
    gradcheck(fn, [x], device=str(device))
    with pytest.raises(ValueError, match="two axes"):
        norm(x, "fro", axis=1)


def test_zero_vector_has_zero_gradient(device) -> None:
    x = gradkit.Variable(device.send(np.zeros((2, 3))))
    norm(x, axis=1).sum().backward()
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), np.zeros((2, 3)))


def test_unknown_ord() -> None:
    with pytest.raises(ValueError, match="ord"):
        norm(np.ones(3), ord=3)
