"""Convolution and pooling throughput: forward+backward in float32, against plain NumPy.

* conv2d: N=32, C=16->32, 32x32, 3x3 kernel, padding 1, with bias;
* max_pool2d: 2x2 windows (stride 2) on the conv2d result (32, 32, 32, 32).

Each group holds the op through gradkit (forward recording the graph, then backward from a
fixed output gradient) and the same computation written by hand in NumPy: the floor, so the
results read as ratios. The NumPy convolution is im2col (one strided slice copy per tap) and
one matrix product forward; the weight gradient is a batched product with the columns, the
input gradient a product with the weights and col2im (one strided slice add per tap). The
NumPy max pooling keeps a running maximum over the four taps and the winning tap, and
scatters the gradient back tap by tap: the fastest NumPy formulation we found (a reshape to
``(N, C, H/2, 2, W/2, 2)`` with ``max`` over two axes and an equality mask is twice as slow).
Target: at most 1.2x the floor each.

Run: ``pytest benchmarks/bench_nn_conv.py --benchmark-only --benchmark-group-by=group``
(on a loaded machine, ``OPENBLAS_NUM_THREADS=1`` steadies the matrix products of both sides).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import gradkit_ops.conv as ops
from gradkit import Variable

N, C, CO, H, W, K = 32, 16, 32, 32, 32, 3
RNG = np.random.default_rng(0)
X = RNG.standard_normal((N, C, H, W), dtype=np.float32)
WEIGHT = RNG.standard_normal((CO, C, K, K), dtype=np.float32) * np.float32(0.1)
BIAS = RNG.standard_normal(CO, dtype=np.float32)
GY_CONV = RNG.standard_normal((N, CO, H, W), dtype=np.float32)
POOL_IN = RNG.standard_normal((N, CO, H, W), dtype=np.float32)  # the conv2d result's shape
GY_POOL = RNG.standard_normal((N, CO, H // 2, W // 2), dtype=np.float32)
TAPS = [(i, j) for i in range(K) for j in range(K)]


def numpy_conv2d() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """im2col + matmul forward, then the three gradients by hand."""
    xp = np.zeros((N, C, H + 2, W + 2), dtype=np.float32)
    xp[:, :, 1:-1, 1:-1] = X
    col = np.empty((N, C, K, K, H, W), dtype=np.float32)
    for i, j in TAPS:
        col[:, :, i, j] = xp[:, :, i : i + H, j : j + W]
    col = col.reshape(N, C * K * K, H * W)
    w2 = WEIGHT.reshape(CO, C * K * K)
    y = w2 @ col + BIAS[:, None]  # (N, CO, H*W)
    y.reshape(N, CO, H, W)
    gy = GY_CONV.reshape(N, CO, H * W)
    gb = gy.sum(axis=(0, 2))
    gw = (gy @ col.transpose(0, 2, 1)).sum(axis=0).reshape(WEIGHT.shape)
    gcol = (w2.T @ gy).reshape(N, C, K, K, H, W)
    gxp = np.zeros((N, C, H + 2, W + 2), dtype=np.float32)
    for i, j in TAPS:
        gxp[:, :, i : i + H, j : j + W] += gcol[:, :, i, j]
    return gxp[:, :, 1:-1, 1:-1], gw, gb


def numpy_max_pool2d() -> np.ndarray:
    """Running maximum over the 2x2 taps with the winning tap; the gradient scattered back."""
    taps = [(0, 0), (0, 1), (1, 0), (1, 1)]
    y = POOL_IN[:, :, 0::2, 0::2]
    arg = np.zeros(y.shape, dtype=np.int8)
    for t, (i, j) in enumerate(taps[1:], 1):
        v = POOL_IN[:, :, i::2, j::2]
        better = v > y
        y = np.where(better, v, y)
        arg = np.where(better, np.int8(t), arg)
    gx = np.empty(POOL_IN.shape, dtype=np.float32)
    for t, (i, j) in enumerate(taps):
        gx[:, :, i::2, j::2] = np.where(arg == t, GY_POOL, np.float32(0))
    return gx


def gradkit_conv2d() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """conv2d through gradkit: forward with the graph, backward from GY_CONV."""
    x, w, b = Variable(X), Variable(WEIGHT), Variable(BIAS)
    y = ops.conv2d(x, w, b, padding=1)
    y.grad = GY_CONV
    y.backward()
    return x.grad, w.grad, b.grad


def gradkit_max_pool2d() -> np.ndarray:
    """max_pool2d through gradkit: forward with the graph, backward from GY_POOL."""
    x = Variable(POOL_IN)
    y = ops.max_pool2d(x, 2)
    y.grad = GY_POOL
    y.backward()
    return x.grad


CASES: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
    "conv2d-32x16to32x32x32-k3p1": (numpy_conv2d, gradkit_conv2d),
    "max_pool2d-32x32x32x32-k2": (numpy_max_pool2d, gradkit_max_pool2d),
}


def _as_tuple(value: object) -> tuple[np.ndarray, ...]:
    return value if isinstance(value, tuple) else (value,)  # type: ignore[return-value]


@pytest.mark.parametrize("op", sorted(CASES))
@pytest.mark.parametrize("impl", ["numpy", "gradkit"])
def test_forward_backward(benchmark, op: str, impl: str) -> None:
    """Forward+backward of one op; the gradkit gradients equal the NumPy ones."""
    floor, through = CASES[op]
    for got, want in zip(_as_tuple(through()), _as_tuple(floor()), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
    benchmark.group = f"nn-{op}"
    benchmark(floor if impl == "numpy" else through)
