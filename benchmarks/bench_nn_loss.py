"""Loss throughput: softmax_cross_entropy forward+backward at (128, 1000) float32, against
plain NumPy.

The group holds the loss through gradkit (forward recording the graph, then backward from the
scalar loss) and the same computation written by hand in NumPy, as lean as NumPy allows: the
stable log-sum-exp, the mean negative log-likelihood of the labels, and the hand-written
gradient ``(softmax - onehot) / N`` in one pass plus a scatter. That is the floor, so results
read as ratios. Target: at most 1.2x the floor.

Arrays of this size (512 KiB) sit at glibc's mmap/trim thresholds: depending on the heap's
state when the process starts, each fresh one may cost its page faults, and the floor (three
such arrays per call) takes either about 190 us or about twice that, in the same run and from
one run to the next. gradkit allocates one (its gradient is built in the exponentials' array),
so it is seldom affected. Compare the floor's fast state, or remove the page faults from both
sides with ``MALLOC_MMAP_THRESHOLD_=4194304 MALLOC_TRIM_THRESHOLD_=67108864`` in the
environment; ``-k numpy`` and ``-k gradkit`` in separate processes show each side's own state.

Run: ``pytest benchmarks/bench_nn_loss.py --benchmark-only --benchmark-group-by=group``
"""

from __future__ import annotations

import numpy as np
import pytest

from gradkit import Variable
from gradkit_ops.loss import softmax_cross_entropy

N, C = 128, 1000
RNG = np.random.default_rng(0)
X = RNG.standard_normal((N, C), dtype=np.float32)
T = RNG.integers(0, C, size=N)


ROWS = np.arange(N)


def numpy_forward() -> tuple[float, np.ndarray, np.ndarray]:
    """The floor's forward: the loss, keeping what backward needs (the exponentials and their
    sums; the log-softmax is taken at the labels only)."""
    shifted = X - X.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(s[:, 0]) - shifted[ROWS, T]))  # to the host, as training does
    return loss, e, s


def numpy_softmax_cross_entropy() -> np.ndarray:
    """The floor: the forward, then the gradient by hand in one pass and a scatter."""
    _, e, s = numpy_forward()
    gx = e * (np.float32(1.0 / N) / s)
    gx[ROWS, T] -= np.float32(1.0 / N)
    return gx


def gradkit_softmax_cross_entropy() -> np.ndarray:
    """softmax_cross_entropy through gradkit: forward with graph, backward."""
    x = Variable(X)
    loss = softmax_cross_entropy(x, T)
    float(loss.array)
    loss.backward()
    return x.grad


CASES = {"numpy": numpy_softmax_cross_entropy, "gradkit": gradkit_softmax_cross_entropy}


@pytest.mark.parametrize("impl", ["numpy", "gradkit"])
def test_softmax_cross_entropy_forward_backward(benchmark, impl: str) -> None:
    """Forward+backward of softmax_cross_entropy; the gradkit gradient equals the NumPy one."""
    expected, actual = numpy_softmax_cross_entropy(), gradkit_softmax_cross_entropy()
    assert actual.dtype == np.float32
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-7)
    benchmark.group = f"loss-softmax_cross_entropy-{N}x{C}"
    benchmark(CASES[impl])
