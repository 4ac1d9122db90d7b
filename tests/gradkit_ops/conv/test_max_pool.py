"""max_pool1d/2d: plain-loop references, output sizes by hand (ceil mode included), the tie
rule, padding that never wins, gradients of first and second order, errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.conv import max_pool, max_pool1d, max_pool2d
from gradkit_ops.conv.max_pool import max_pool_reference

# (x shape, kernel, stride, padding, dilation, ceil_mode)
CONFIGS = [
    ((2, 3, 6, 4), 2, None, 0, 1, False),
    ((2, 2, 5, 7), 3, (1, 2), 1, 1, False),
    ((2, 2, 7, 5), (3, 2), 2, (1, 0), 1, True),
    ((1, 2, 6, 6), 2, 1, 1, (2, 1), False),
    ((2, 3, 9), 4, 3, 2, 1, True),
    ((1, 2, 3, 4, 5), 2, (1, 2, 2), 0, 1, True),
]
IDS = [f"{len(c[0]) - 2}d-{i}" for i, c in enumerate(CONFIGS)]


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.permutation(np.arange(int(np.prod(shape)), dtype=float)).reshape(shape) / 7.0


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_matches_window_loops(device, forward, rng, config) -> None:
    shape, k, s, p, d, ceil = config
    x = _distinct(rng, shape)
    forward(
        lambda v: max_pool(v, k, s, p, d, ceil),
        lambda a: max_pool_reference(a, k, s, p, d, ceil),
        x,
        device=device,
    )


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "ceil", "expected"),
    [
        (5, 2, 2, 0, False, 2),
        (5, 2, 2, 0, True, 3),  # a last window of one element
        (4, 2, 2, 1, True, 3),
        (5, 3, 3, 1, True, 2),  # the extra window would start in the right padding: dropped
        (6, 3, 2, 1, False, 3),
        (6, 3, 2, 1, True, 4),
    ],
)
def test_output_sizes_as_pytorch(n, k, s, p, ceil, expected) -> None:
    assert max_pool1d(np.zeros((1, 1, n)), k, s, p, ceil_mode=ceil).shape == (1, 1, expected)


def test_hand_computed_values_with_padding_and_ceil_mode() -> None:
    x = np.array([[[-1.0, -2.0, -3.0, -4.0, -5.0]]])
    # The padding is -inf: it never wins, even over negative inputs.
    np.testing.assert_array_equal(
        max_pool1d(x, 2, 1, 1).array, [[[-1.0, -1.0, -2.0, -3.0, -4.0, -5.0]]]
    )
    np.testing.assert_array_equal(max_pool1d(x, 2, ceil_mode=True).array, [[[-1.0, -3.0, -5.0]]])
    x2 = np.arange(12.0).reshape(1, 1, 3, 4)
    np.testing.assert_array_equal(
        max_pool2d(x2, 2, ceil_mode=True).array, [[[[5.0, 7.0], [9.0, 11.0]]]]
    )


def test_gradient_goes_to_the_first_maximum_of_a_tie(device) -> None:
    x = gradkit.Variable(device.send(np.array([[[[1.0, 1.0], [1.0, 1.0]]]])))
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), [[[[1.0, 0.0], [0.0, 0.0]]]])
    # Overlapping windows add their gradients where they select the same element.
    v = gradkit.Variable(device.send(np.array([[[0.0, 3.0, 1.0, 2.0]]])))
    max_pool1d(v, 2, 1).sum().backward()
    np.testing.assert_array_equal(gradkit.to_numpy(v.grad), [[[0.0, 2.0, 0.0, 1.0]]])


@pytest.mark.parametrize("config", [CONFIGS[1], CONFIGS[2]], ids=["overlap", "ceil"])
def test_gradients_first_and_second_order(device, gradcheck, rng, config) -> None:
    shape, k, s, p, d, ceil = config
    x = _distinct(rng, (1, *shape[1:]))
    gradcheck(lambda v: max_pool(v, k, s, p, d, ceil), [x], device=str(device))


def test_second_derivative_in_x_is_zero_and_in_gy_is_the_selection(device) -> None:
    """gx is linear in gy with the maxima's positions fixed: d<gx, v>/dx = 0 and
    d<gx, v>/dgy = v at the maxima."""
    x_host = np.array([[[[0.0, 5.0, 1.0, 2.0], [3.0, 4.0, 7.0, 6.0]]]])
    x = gradkit.Variable(device.send(x_host))
    gy = gradkit.Variable(device.send(np.array([[[[1.0, 2.0]]]])))
    v_host = np.arange(8.0).reshape(1, 1, 2, 4) + 1.0
    (gx,) = gradkit.grad([max_pool2d(x, 2)], [x], [gy], enable_double_backprop=True)
    np.testing.assert_array_equal(gradkit.to_numpy(gx.array)[0, 0], [[0, 1, 0, 0], [0, 0, 2, 0]])
    ggx, ggy = gradkit.grad([(gx * device.send(v_host)).sum()], [x, gy])
    assert ggx is None or not np.any(gradkit.to_numpy(ggx.array))
    np.testing.assert_array_equal(gradkit.to_numpy(ggy.array), [[[[2.0, 7.0]]]])


def test_errors_name_the_op_and_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="max_pool2d: padding 2 on spatial axis 0 is more than"):
        max_pool2d(np.zeros((1, 1, 6, 6)), 3, padding=2)
    with pytest.raises(
        ValueError, match=r"max_pool2d: expected an input of shape \(N, C, \*spatial"
    ):
        max_pool2d(np.zeros((1, 6, 6)), 2)
    with pytest.raises(ValueError, match=r"max_pool1d: the kernel .* larger than spatial axis 0"):
        max_pool1d(np.zeros((1, 1, 2)), 3)
    with pytest.raises(ValueError, match="max_pool1d: stride must be >= 1"):
        max_pool1d(np.zeros((1, 1, 5)), 2, stride=0)
