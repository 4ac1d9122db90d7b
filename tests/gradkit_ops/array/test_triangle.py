"""tril and triu."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.array import tril, triu


@pytest.mark.parametrize(("op", "ref"), [(tril, np.tril), (triu, np.triu)])
@pytest.mark.parametrize(("shape", "k"), [((3, 4), 0), ((3, 4), -1), ((2, 3, 3), 1)])
def test_forward_and_gradients(device, forward, gradcheck, rng, op, ref, shape, k) -> None:
    x = rng.standard_normal(shape)
    fn = lambda v: op(v, k)  # noqa: E731
    forward(fn, lambda a: ref(a, k), x, device=device)
    gradcheck(fn, [x], device=str(device))


def test_needs_a_matrix() -> None:
    with pytest.raises(ValueError, match="2 dimensions"):
        tril(np.ones(3))
