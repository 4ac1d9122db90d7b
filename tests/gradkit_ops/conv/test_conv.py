"""conv1d, conv2d, conv3d: plain-loop references, hand-computed values, groups, gradients of
first and second order, errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.conv import conv1d, conv2d, conv3d, convolution
from gradkit_ops.conv.conv import conv_reference

# (x shape, W shape, stride, padding, dilation, groups, bias)
CONFIGS = [
    ((2, 3, 6, 5), (4, 3, 3, 3), 1, 1, 1, 1, True),
    ((2, 4, 7, 6), (6, 2, 2, 3), (2, 1), (1, 2), (2, 1), 2, False),
    ((1, 4, 5, 5), (4, 1, 3, 3), 2, 1, 1, 4, True),  # depthwise
    ((2, 3, 4, 4), (5, 3, 1, 1), 1, 0, 1, 1, True),  # pointwise
    ((2, 2, 9), (3, 2, 3), 2, 3, 2, 1, True),
    ((1, 2, 4, 3, 5), (2, 2, 2, 1, 3), (1, 2, 1), (1, 0, 1), (1, 1, 2), 1, True),
    ((0, 3, 4, 4), (2, 3, 2, 2), 1, 0, 1, 1, True),  # empty batch
]
IDS = [f"{len(c[0]) - 2}d-{i}" for i, c in enumerate(CONFIGS)]


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_matches_direct_loops(device, forward, rng, config) -> None:
    xs, ws, s, p, d, g, bias = config
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bias:
        arrays.append(rng.standard_normal(ws[0]))

    def fn(x, W, b=None):
        return convolution(x, W, b, s, p, d, g)

    def ref(x, W, b=None):
        return conv_reference(x, W, b, s, p, d, g)

    forward(fn, ref, *arrays, device=device, rtol=1e-12, atol=1e-12)


def test_hand_computed_1d() -> None:
    x = np.array([[[1.0, 2.0, 4.0, 8.0, 16.0, 32.0]]])
    diff = np.array([[[1.0, -1.0]]])
    np.testing.assert_array_equal(conv1d(x, diff, stride=2).array, [[[-1.0, -4.0, -16.0]]])
    np.testing.assert_array_equal(conv1d(x, diff, dilation=2).array, [[[-3.0, -6.0, -12.0, -24.0]]])
    # zero padding on both sides, and a bias
    np.testing.assert_array_equal(
        conv1d(x[:, :, :2], diff, np.array([10.0]), padding=1).array, [[[9.0, 9.0, 12.0]]]
    )


def test_output_size_formula() -> None:
    """Per axis (n + 2p - d(k - 1) - 1) // s + 1, computed by hand."""
    y = conv2d(np.zeros((1, 1, 7, 9)), np.zeros((1, 1, 3, 2)), None, (2, 3), (1, 0), (2, 1))
    assert y.shape == (1, 1, 3, 3)
    assert conv3d(np.zeros((1, 1, 5, 5, 5)), np.zeros((2, 1, 3, 3, 3)), padding=1).shape == (
        1,
        2,
        5,
        5,
        5,
    )


def test_groups_are_independent_convolutions(rng) -> None:
    x = rng.standard_normal((2, 4, 5, 5))
    W = rng.standard_normal((6, 2, 3, 3))
    y = conv2d(x, W, groups=2, padding=1).array
    first = conv2d(x[:, :2], W[:3], padding=1).array
    second = conv2d(x[:, 2:], W[3:], padding=1).array
    np.testing.assert_allclose(y, np.concatenate([first, second], axis=1), rtol=1e-12)


@pytest.mark.parametrize("config", [CONFIGS[1], CONFIGS[4]], ids=["2d-groups", "1d-bias"])
def test_gradients_first_and_second_order(device, gradcheck, rng, config) -> None:
    xs, ws, s, p, d, g, bias = config
    xs = (1, *xs[1:-1], min(xs[-1], 5))
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bias:
        arrays.append(rng.standard_normal(ws[0]))
    gradcheck(
        lambda *v: convolution(*v[:2], v[2] if bias else None, s, p, d, g),
        arrays,
        device=str(device),
    )


def test_float32_stays_float32_on_its_device(device, rng) -> None:
    x = gradkit.Variable(device.send(rng.standard_normal((1, 2, 4, 4)).astype(np.float32)))
    W = gradkit.Variable(device.send(rng.standard_normal((3, 2, 3, 3)).astype(np.float32)))
    y = conv2d(x, W, padding=1)
    assert str(y.dtype).endswith("float32") and y.device == device
    y.sum().backward()
    assert gradkit.to_numpy(x.grad).dtype == np.float32 and W.grad.shape == (3, 2, 3, 3)


def test_errors_name_the_op_and_what_is_wrong() -> None:
    x = np.zeros((1, 4, 5, 5))
    with pytest.raises(ValueError, match=r"conv2d: W \(input 1\) of shape .* expects 3 input"):
        conv2d(x, np.zeros((2, 3, 3, 3)))
    with pytest.raises(ValueError, match="conv2d: groups=3 must divide the input channels"):
        conv2d(x, np.zeros((3, 1, 3, 3)), groups=3)
    with pytest.raises(ValueError, match="conv2d: groups must be a positive int"):
        conv2d(x, np.zeros((4, 4, 3, 3)), groups=0)
    with pytest.raises(TypeError, match=r"conv2d: W \(input 1\) has dtype float32"):
        conv2d(x, np.zeros((2, 4, 3, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"conv2d: the bias \(input 2\) must have shape \(2,\)"):
        conv2d(x, np.zeros((2, 4, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"conv2d: W \(input 1\) must have 4 dimensions"):
        conv2d(x, np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=r"conv1d: expected an input of shape \(N, C, \*spatial"):
        conv1d(np.zeros((4, 5)), np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=r"conv3d: the kernel .* larger than spatial axis 0"):
        conv3d(np.zeros((1, 1, 2, 5, 5)), np.zeros((1, 1, 3, 3, 3)))
