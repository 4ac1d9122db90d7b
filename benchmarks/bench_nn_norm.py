"""batch_norm and layer_norm on (128, 512) float32: forward+backward through gradkit against
the same computation written by hand in plain NumPy (the floor), in one benchmark group per op
so the results read as ratios. Target: at most 1.2x the floor.

The floors keep x-hat from forward for backward (the cheapest NumPy can do); gradkit retains
only x and the per-group statistics and recomputes ``x - mean`` in backward (as Chainer and
PyTorch do), so its graph holds one array of x's size instead of two.

Arrays of this size (256 KiB) sit at glibc's mmap/trim thresholds: depending on the heap's
state, every fresh one may cost ~64 page faults, which can double the floor. CPU time
(``--benchmark-timer=time.process_time``) is steadier on a busy machine, and
``MALLOC_MMAP_THRESHOLD_=4194304 MALLOC_TRIM_THRESHOLD_=67108864`` in the environment removes
the page faults from both sides.

Run: ``pytest benchmarks/bench_nn_norm.py --benchmark-only``
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from gradkit import Variable
from gradkit_ops.normalization import batch_norm, layer_norm

SHAPE = (128, 512)
BN_EPS = 2e-5
LN_EPS = 1e-5


def _data() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE, dtype=np.float32)
    gamma = rng.uniform(0.5, 1.5, SHAPE[1]).astype(np.float32)
    beta = rng.standard_normal(SHAPE[1], dtype=np.float32)
    gy = rng.standard_normal(SHAPE, dtype=np.float32)
    return x, gamma, beta, gy


def numpy_batch_norm(x, gamma, beta, gy):
    """The floor: batch normalization over axis 0, forward then the hand-written backward."""
    n = x.shape[0]
    xhat = x - x.mean(axis=0, keepdims=True)
    inv_std = 1 / np.sqrt((xhat * xhat).mean(axis=0, keepdims=True) + BN_EPS)
    xhat *= inv_std
    y = xhat * gamma
    y += beta
    gbeta = gy.sum(axis=0)
    ggamma = (gy * xhat).sum(axis=0)
    xhat *= ggamma / n
    gx = gy - xhat
    gx -= gbeta / n
    gx *= gamma * inv_std
    return y, gx, ggamma, gbeta


def numpy_layer_norm(x, gamma, beta, gy):
    """The floor: layer normalization over the last axis, forward then backward."""
    xhat = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1 / np.sqrt((xhat * xhat).mean(axis=-1, keepdims=True) + LN_EPS)
    xhat *= inv_std
    y = xhat * gamma
    y += beta
    gbeta = gy.sum(axis=0)
    ggamma = (gy * xhat).sum(axis=0)
    g = gy * gamma
    mean_g = g.mean(axis=-1, keepdims=True)
    xhat *= (g * xhat).mean(axis=-1, keepdims=True)
    g -= xhat
    g -= mean_g
    g *= inv_std
    return y, g, ggamma, gbeta


def _gradkit(op: Callable[..., Variable], **kwargs):
    def run(x0, gamma0, beta0, gy):
        x, gamma, beta = Variable(x0), Variable(gamma0), Variable(beta0)
        y = op(x, gamma, beta, **kwargs)
        y.grad = gy
        y.backward()
        return y.array, x.grad, gamma.grad, beta.grad

    return run


CASES = {
    "batch_norm": (numpy_batch_norm, _gradkit(batch_norm, eps=BN_EPS)),
    "layer_norm": (numpy_layer_norm, _gradkit(layer_norm, eps=LN_EPS)),
}


@pytest.mark.parametrize("impl", ["numpy", "gradkit"])
@pytest.mark.parametrize("op", sorted(CASES))
def test_forward_backward(benchmark, op: str, impl: str) -> None:
    """Forward, then backward of a fixed output gradient; both give the same results."""
    benchmark.group = f"{op}-forward-backward-128x512-float32"
    floor, ours = CASES[op]
    data = _data()
    for got, expected in zip(ours(*data), floor(*data), strict=True):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    benchmark(floor if impl == "numpy" else ours, *data)
