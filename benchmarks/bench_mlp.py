"""One training step of an MLP, through gradkit, against the same step written in NumPy.

The model is 784-512-512-10 with ReLU and a softmax cross-entropy loss, batch 128, float32;
a step is forward, backward and an SGD update of the six parameters. The NumPy version is
the floor: the forward keeps what the backward needs, the backward is written by hand, and
the update is ``p -= lr * g`` per parameter. Both start from the same parameters and are
checked to compute the same step before they are timed. Target: gradkit within 1.05x.

Where the time goes: the matrix products dominate both sides and cost the same. gradkit adds
its Python bookkeeping (links, graph, backprop: about 110 us per step on warm caches, and
about twice that here, since the large products evict the interpreter's data between calls)
and wins some back in the update, which its SGD does in cache-sized blocks
(``gradkit.optimizers.blocked``; ``bench_optimizers.py`` times it alone).

Run: ``pytest benchmarks/bench_mlp.py --benchmark-only``
"""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import optimizers
from gradkit_ops import relu
from gradkit_ops.links import Linear
from gradkit_ops.loss import softmax_cross_entropy

SIZES = (784, 512, 512, 10)
BATCH = 128
LR = 0.01


class MLP(gradkit.Chain):
    """784-512-512-10 with ReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.l1 = Linear(SIZES[0], SIZES[1])
        self.l2 = Linear(SIZES[1], SIZES[2])
        self.l3 = Linear(SIZES[2], SIZES[3])

    def forward(self, x):
        return self.l3(relu(self.l2(relu(self.l1(x)))))


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32)
    t = rng.integers(0, SIZES[-1], BATCH)
    return x, t


def _gradkit_model() -> tuple[MLP, optimizers.SGD]:
    gradkit.initializers.seed(0)
    model = MLP()
    return model, optimizers.SGD(lr=LR).setup(model)


def gradkit_step(model: MLP, optimizer: optimizers.SGD, x: np.ndarray, t: np.ndarray) -> None:
    """Forward, backward and update, as a user writes it."""
    model.cleargrads()
    loss = softmax_cross_entropy(model(x), t)
    loss.backward()
    optimizer.update()


def numpy_step(params: list[np.ndarray], x: np.ndarray, t: np.ndarray) -> None:
    """The floor: the same step by hand. ``params`` is ``[W1, b1, W2, b2, W3, b3]``."""
    W1, b1, W2, b2, W3, b3 = params
    h1 = x @ W1.T + b1
    a1 = np.maximum(h1, 0)
    h2 = a1 @ W2.T + b2
    a2 = np.maximum(h2, 0)
    y = a2 @ W3.T + b3
    # softmax cross entropy, averaged over the batch
    e = np.exp(y - y.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    rows = np.arange(len(t))
    gy = p
    gy[rows, t] -= 1
    gy /= len(t)
    # backward
    gW3 = gy.T @ a2
    gb3 = gy.sum(axis=0)
    gh2 = (gy @ W3) * (h2 > 0)
    gW2 = gh2.T @ a1
    gb2 = gh2.sum(axis=0)
    gh1 = (gh2 @ W2) * (h1 > 0)
    gW1 = gh1.T @ x
    gb1 = gh1.sum(axis=0)
    for param, grad in zip(params, (gW1, gb1, gW2, gb2, gW3, gb3), strict=True):
        param -= LR * grad


def _numpy_params(model: MLP) -> list[np.ndarray]:
    return [p.array.copy() for _, p in model.namedparams()]


def test_both_steps_compute_the_same_update() -> None:
    x, t = _data()
    model, optimizer = _gradkit_model()
    params = _numpy_params(model)
    for _ in range(2):
        gradkit_step(model, optimizer, x, t)
        numpy_step(params, x, t)
    for (name, p), q in zip(model.namedparams(), params, strict=True):
        np.testing.assert_allclose(p.array, q, rtol=1e-4, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("impl", ["numpy", "gradkit"])
def test_mlp_training_step(benchmark, impl: str) -> None:
    """One step of 784-512-512-10, batch 128, float32."""
    benchmark.group = "mlp-train-step-784-512-512-10-batch128"
    x, t = _data()
    model, optimizer = _gradkit_model()
    if impl == "numpy":
        params = _numpy_params(model)
        benchmark(numpy_step, params, x, t)
    else:
        benchmark(gradkit_step, model, optimizer, x, t)
