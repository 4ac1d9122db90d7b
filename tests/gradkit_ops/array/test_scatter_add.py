"""scatter_add: differentiable in the array and in the values."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.array import scatter_add

CASES = [
    ((np.array([0, 0, 2]),), (3, 4)),
    ((np.array([1, 1]), slice(None)), (2, 4)),
    ((slice(None), np.array([3, 0, 3])), (3, 3)),
    ((np.array([0, 2, 0]), np.array([1, 1, 1])), (3,)),
    ((np.array([0, 2]),), (4,)),  # values broadcast to the indexed shape
]


@pytest.mark.parametrize(("index", "vshape"), CASES, ids=range(len(CASES)))
def test_forward_and_gradients(device, forward, gradcheck, rng, index, vshape) -> None:
    x, v = rng.standard_normal((3, 4)), rng.standard_normal(vshape)

    def ref(a, b):
        out = a.copy()
        np.add.at(out, index, b)
        return out

    fn = lambda a, b: scatter_add(a, index, b)  # noqa: E731
    forward(fn, ref, x, v, device=device)
    gradcheck(fn, [x, v], device=str(device))


def test_errors() -> None:
    with pytest.raises(TypeError, match="dtype"):
        scatter_add(np.zeros(3), [0], np.ones(1, dtype=np.float32))
    with pytest.raises(TypeError, match="integers"):
        scatter_add(np.zeros(3), [True], np.ones(1))
