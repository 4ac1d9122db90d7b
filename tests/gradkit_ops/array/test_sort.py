"""sort and argsort."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import argsort, sort


@pytest.mark.parametrize(("axis", "descending"), [(-1, False), (0, False), (1, True), (0, True)])
def test_sort(device, forward, gradcheck, rng, axis, descending) -> None:
    x = rng.permutation(12).reshape(3, 4) / 3.0  # tie-free: sort is smooth there
    fn = lambda v: sort(v, axis, descending)  # noqa: E731
    ref = (lambda a: -np.sort(-a, axis)) if descending else (lambda a: np.sort(a, axis))
    forward(fn, ref, x, device=device)
    gradcheck(fn, [x], device=str(device))


@pytest.mark.parametrize("descending", [False, True])
def test_argsort_is_stable_and_has_no_gradient(device, forward, descending) -> None:
    x = np.array([[2.0, 1.0, 2.0, 1.0, 3.0]])
    ref = lambda a: np.argsort(-a if descending else a, axis=-1, stable=True)  # noqa: E731
    i = forward(lambda v: argsort(v, descending=descending), ref, x, device=device)
    assert not i.node.requires_grad


def test_zero_dimensional_is_refused() -> None:
    with pytest.raises(ValueError, match="1 dimension"):
        sort(np.array(1.0))
    assert gradkit.to_numpy(sort(np.zeros((0, 2)), 0).array).shape == (0, 2)
