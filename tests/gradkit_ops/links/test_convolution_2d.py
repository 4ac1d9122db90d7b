"""Convolution2D: values against a loop, the lazy channel count, options and errors."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit import initializers
from gradkit_ops.links import Convolution2D


def _reference(x, W, b, stride, pad):
    n, _, h, w = x.shape
    o, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (w + 2 * pad - kw) // stride + 1
    y = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            y[:, :, i, j] = np.einsum("nchw,ochw->no", patch, W)
    return y + b[None, :, None, None]


def test_values_match_a_loop(rng) -> None:
    conv = Convolution2D(2, 3, 3, stride=2, pad=1, initial_bias=initializers.Normal(1.0))
    x = rng.standard_normal((2, 2, 7, 6)).astype(np.float32)
    y = conv(x)
    want = _reference(x, conv.W.array, conv.b.array, 2, 1)
    assert y.shape == (2, 3, 4, 3)
    np.testing.assert_allclose(y.array, want, rtol=1e-5, atol=1e-5)


def test_the_channel_count_is_taken_from_the_first_call() -> None:
    conv = Convolution2D(8, (3, 1))
    assert conv.in_channels is None and conv.W.array is None and conv.ksize == (3, 1)
    conv(np.ones((1, 5, 4, 4), dtype=np.float32))
    assert conv.W.shape == (8, 5, 3, 1) and conv.in_channels == 5
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        Convolution2D(8, 3)(np.ones((5, 4, 4), dtype=np.float32))


def test_groups_nobias_and_repr() -> None:
    conv = Convolution2D(4, 6, 3, groups=2, nobias=True)
    assert conv.W.shape == (6, 2, 3, 3) and conv.b is None
    assert conv(np.ones((1, 4, 5, 5), dtype=np.float32)).shape == (1, 6, 3, 3)
    assert "in_channels=4, out_channels=6, ksize=(3, 3)" in repr(conv)


def test_bad_arguments_are_errors() -> None:
    with pytest.raises(ValueError, match="multiple of groups"):
        Convolution2D(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match="multiple of groups"):
        Convolution2D(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="stride"):
        Convolution2D(3, 6, 3, stride=(1, 2, 3))
