"""conv_transpose1d/2d: plain-loop references, the adjoint of conv, output sizes, gradients,
errors."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.conv import conv_transpose, conv_transpose1d, conv_transpose2d, convolution
from gradkit_ops.conv.conv_transpose import conv_transpose_reference

# (x shape, W shape, stride, padding, output_padding, dilation, groups, bias)
CONFIGS = [
    ((2, 3, 3, 4), (3, 2, 3, 3), 2, 1, 1, 1, 1, True),
    ((2, 4, 3, 3), (4, 1, 2, 3), (1, 2), (0, 1), (2, 1), (3, 1), 2, False),
    ((1, 2, 4), (2, 3, 4), 3, 2, 2, 1, 1, True),
    ((2, 2, 2, 3, 2), (2, 1, 2, 2, 3), (2, 1, 2), 0, (1, 0, 0), 1, 1, True),
]
IDS = [f"{len(c[0]) - 2}d-{i}" for i, c in enumerate(CONFIGS)]


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_matches_scatter_loops(device, forward, rng, config) -> None:
    xs, ws, s, p, po, d, g, bias = config
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bias:
        arrays.append(rng.standard_normal(ws[1] * g))

    def fn(x, W, b=None):
        return conv_transpose(x, W, b, s, p, po, d, g)

    def ref(x, W, b=None):
        return conv_transpose_reference(x, W, b, s, p, po, d, g)

    forward(fn, ref, *arrays, device=device, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_is_the_adjoint_of_conv_in_its_input(rng, config) -> None:
    """<conv(z, W), x> == <z, conv_transpose(x, W)>, group by group, with the same stride,
    padding and dilation, for z of the transposed convolution's output shape. (An output
    padding of at least the stride gives conv more windows than x has positions; the first
    ones correspond.)"""
    xs, ws, s, p, po, d, g, _ = config
    x = rng.standard_normal(xs)
    W = rng.standard_normal(ws)
    y = conv_transpose(x, W, None, s, p, po, d, g).array
    z = rng.standard_normal(y.shape)
    cg, og = xs[1] // g, ws[1]
    lhs = 0.0
    for k in range(g):
        # As conv weights, W's group block (C/G, O/G, *k) maps O/G channels to C/G.
        conv_z = convolution(z[:, k * og : (k + 1) * og], W[k * cg : (k + 1) * cg], None, s, p, d)
        first = conv_z.array[(..., *[slice(0, n) for n in xs[2:]])]
        lhs += np.vdot(first, x[:, k * cg : (k + 1) * cg])
    assert lhs == pytest.approx(np.vdot(z, y), rel=1e-10)


def test_output_size_and_hand_computed_values() -> None:
    # (n - 1) s - 2p + d (k - 1) + output_padding + 1 = 2 * 2 - 2 + 2 + 1 + 1 = 6
    assert conv_transpose2d(
        np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3)), None, 2, 1, 1
    ).shape == (
        1,
        1,
        6,
        6,
    )
    # Each input element scatters its scaled kernel; overlaps add; padding crops.
    x = np.array([[[1.0, 2.0, 3.0]]])
    W = np.array([[[1.0, 10.0, 100.0]]])
    np.testing.assert_array_equal(
        conv_transpose1d(x, W).array, [[[1.0, 12.0, 123.0, 230.0, 300.0]]]
    )
    np.testing.assert_array_equal(conv_transpose1d(x, W, padding=1).array, [[[12.0, 123.0, 230.0]]])
    np.testing.assert_array_equal(
        conv_transpose1d(x, W, stride=2, output_padding=1).array,
        [[[1.0, 10.0, 102.0, 20.0, 203.0, 30.0, 300.0, 0.0]]],
    )


@pytest.mark.parametrize("config", [CONFIGS[0], CONFIGS[1]], ids=["bias", "groups"])
def test_gradients_first_and_second_order(device, gradcheck, rng, config) -> None:
    xs, ws, s, p, po, d, g, bias = config
    arrays = [rng.standard_normal((1, *xs[1:])), rng.standard_normal(ws)]
    if bias:
        arrays.append(rng.standard_normal(ws[1] * g))
    gradcheck(
        lambda *v: conv_transpose(*v[:2], v[2] if bias else None, s, p, po, d, g),
        arrays,
        device=str(device),
    )


def test_errors_name_the_op_and_what_is_wrong() -> None:
    x = np.zeros((1, 2, 3, 3))
    with pytest.raises(ValueError, match="conv_transpose2d: output_padding 2 on axis 0 must"):
        conv_transpose2d(x, np.zeros((2, 1, 3, 3)), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"conv_transpose2d: W \(input 1\) .* expects 3 input"):
        conv_transpose2d(x, np.zeros((3, 1, 3, 3)))
    with pytest.raises(ValueError, match="conv_transpose2d: the output would have -1 elements"):
        conv_transpose2d(x, np.zeros((2, 1, 1, 1)), padding=2)
    with pytest.raises(ValueError, match="conv_transpose1d: groups=3 must divide"):
        conv_transpose1d(np.zeros((1, 2, 3)), np.zeros((2, 1, 3)), groups=3)
    with pytest.raises(ValueError, match=r"conv_transpose1d: the bias \(input 2\) must have"):
        conv_transpose1d(np.zeros((1, 2, 3)), np.zeros((2, 1, 3)), np.zeros(2))
