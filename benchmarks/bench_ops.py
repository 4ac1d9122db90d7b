"""Op library throughput: forward+backward at (1024, 1024) float32, against plain NumPy.

Each group holds an op through gradkit (forward recording the graph, then backward from a
ones gradient) and the same computation written by hand in NumPy: the floor, so results read
as ratios. Target: at most 1.2x the floor each.

Run: ``pytest benchmarks/bench_ops.py --benchmark-only --benchmark-group-by=group``
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import gradkit_ops as ops
from gradkit import Variable

SHAPE = (1024, 1024)
RNG = np.random.default_rng(0)
X = RNG.standard_normal(SHAPE, dtype=np.float32)
Y = RNG.standard_normal(SHAPE, dtype=np.float32)
GY = np.ones(SHAPE, dtype=np.float32)
INDEX = RNG.integers(0, SHAPE[0], size=SHAPE[0])  # rows, with repeats


def numpy_tanh() -> np.ndarray:
    y = np.tanh(X)
    return GY * (1 - y * y)


def numpy_softmax() -> np.ndarray:
    e = np.exp(X - X.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    gy = GY
    return y * (gy - (gy * y).sum(axis=1, keepdims=True))


GY_ROWS = np.ones((SHAPE[0], 1), dtype=np.float32)


def numpy_logsumexp() -> np.ndarray:
    m = X.max(axis=1, keepdims=True)
    y = np.log(np.exp(X - m).sum(axis=1, keepdims=True)) + m
    return GY_ROWS * np.exp(X - y)


def numpy_getitem() -> np.ndarray:
    X[INDEX]  # forward
    gx = np.zeros(SHAPE, dtype=np.float32)
    np.add.at(gx, INDEX, GY)
    return gx


GY_TALL = np.ones((2 * SHAPE[0], SHAPE[1]), dtype=np.float32)


def numpy_concat() -> tuple[np.ndarray, np.ndarray]:
    np.concatenate([X, Y], axis=0)
    return GY_TALL[: SHAPE[0]], GY_TALL[SHAPE[0] :]


_SEEDS: dict[tuple[int, ...], np.ndarray] = {}


def _through_gradkit(op: Callable[..., Variable], *arrays: np.ndarray) -> Callable[[], object]:
    def run() -> object:
        xs = [Variable(a) for a in arrays]
        y = op(*xs)
        # The seed gradient is allocated once, as the floor's GY is.
        seed = _SEEDS.get(y.shape)
        if seed is None:
            seed = _SEEDS[y.shape] = np.ones(y.shape, dtype=np.float32)
        y.grad = seed
        y.backward()
        return xs[0].grad

    return run


CASES = {
    "tanh": (numpy_tanh, _through_gradkit(ops.tanh, X)),
    "softmax": (numpy_softmax, _through_gradkit(lambda x: ops.softmax(x, axis=1), X)),
    "logsumexp": (
        numpy_logsumexp,
        _through_gradkit(lambda x: ops.logsumexp(x, axis=1, keepdims=True), X),
    ),
    "getitem-advanced": (numpy_getitem, _through_gradkit(lambda x: x[INDEX], X)),
    "concat": (numpy_concat, _through_gradkit(lambda x, y: ops.concat([x, y], axis=0), X, Y)),
}


@pytest.mark.parametrize("op", sorted(CASES))
@pytest.mark.parametrize("impl", ["numpy", "gradkit"])
def test_op_forward_backward(benchmark, op: str, impl: str) -> None:
    """Forward+backward of one op; the gradkit gradient equals the NumPy one."""
    floor, through = CASES[op]
    expected, actual = floor(), through()
    expected = expected[0] if isinstance(expected, tuple) else expected
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)
    benchmark.group = f"op-{op}-1024x1024"
    benchmark(floor if impl == "numpy" else through)
