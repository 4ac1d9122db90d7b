"""avg_pool1d/2d: plain-loop references, PyTorch's divisors by hand (padding, ceil mode,
count_include_pad), gradients of first and second order, errors."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.conv import avg_pool, avg_pool1d, avg_pool2d
from gradkit_ops.conv.avg_pool import avg_pool_reference

# (x shape, kernel, stride, padding, ceil_mode, count_include_pad)
CONFIGS = [
    ((2, 3, 6, 4), 2, None, 0, False, True),
    ((2, 2, 5, 7), 3, (1, 2), 1, False, False),
    ((2, 2, 7, 5), (3, 2), 2, (1, 0), True, True),
    ((2, 2, 7, 5), (3, 2), 2, (1, 1), True, False),
    ((2, 3, 9), 4, 3, 2, True, True),
    ((1, 2, 3, 4, 5), 2, (1, 2, 2), 0, True, False),
]
IDS = [f"{len(c[0]) - 2}d-{i}" for i, c in enumerate(CONFIGS)]


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_matches_window_loops(device, forward, rng, config) -> None:
    shape, k, s, p, ceil, include = config
    forward(
        lambda v: avg_pool(v, k, s, p, ceil, include),
        lambda a: avg_pool_reference(a, k, s, p, ceil, include),
        rng.standard_normal(shape),
        device=device,
        atol=1e-15,
    )


def test_divisors_as_pytorch() -> None:
    x = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]])
    # ceil mode: the last window holds one element and divides by 1
    np.testing.assert_allclose(avg_pool1d(x, 2, ceil_mode=True).array, [[[1.5, 3.5, 5.0]]])
    x4 = x[:, :, :4]
    # windows [-1, 1], [1, 3], [3, 5]: the padding counts (3 and 2, the part past it not)...
    np.testing.assert_allclose(avg_pool1d(x4, 3, 2, 1, ceil_mode=True).array, [[[1.0, 3.0, 2.0]]])
    # ... or not
    np.testing.assert_allclose(
        avg_pool1d(x4, 3, 2, 1, ceil_mode=True, count_include_pad=False).array,
        [[[1.5, 3.0, 4.0]]],
    )
    # In 2-d the divisor is the product of the counts per axis.
    ones = np.ones((1, 1, 2, 2))
    np.testing.assert_allclose(
        avg_pool2d(ones, 2, 1, 1).array[0, 0],
        np.full((3, 3), 0.25) * [[1, 2, 1], [2, 4, 2], [1, 2, 1]],
    )
    np.testing.assert_allclose(
        avg_pool2d(ones, 2, 1, 1, count_include_pad=False).array, np.ones((1, 1, 3, 3))
    )


@pytest.mark.parametrize("config", [CONFIGS[1], CONFIGS[3]], ids=["padded", "ceil"])
def test_gradients_first_and_second_order(device, gradcheck, rng, config) -> None:
    shape, k, s, p, ceil, include = config
    x = rng.standard_normal((1, *shape[1:]))
    gradcheck(lambda v: avg_pool(v, k, s, p, ceil, include), [x], device=str(device))


def test_errors_name_the_op_and_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="avg_pool2d: padding 2 on spatial axis 1 is more than"):
        avg_pool2d(np.zeros((1, 1, 6, 6)), 3, padding=(1, 2))
    with pytest.raises(
        ValueError, match=r"avg_pool1d: expected an input of shape \(N, C, \*spatial"
    ):
        avg_pool1d(np.zeros((1, 1, 6, 6)), 2)
