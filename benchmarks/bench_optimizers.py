"""Optimizer updates: one SGD step over the parameters of a 784-512-512-10 MLP.

The floor is the update written by hand, ``p -= lr * g`` per parameter. gradkit's
``optimizer.update()`` runs its per-parameter rules, which on NumPy update large parameters
in cache-sized blocks (``gradkit.optimizers.blocked``), so the temporary ``lr * g`` never
goes out to memory. A ratio below 1 is expected here.

Run: ``OPENBLAS_NUM_THREADS=1 pytest benchmarks/bench_optimizers.py --benchmark-only``
"""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import optimizers

SHAPES = [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]
LR = 0.01


def _arrays(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape, dtype=np.float32) for shape in SHAPES]


def _gradkit_link() -> tuple[gradkit.Link, optimizers.SGD]:
    link = gradkit.Link()
    for i, (data, grad) in enumerate(zip(_arrays(0), _arrays(1), strict=True)):
        param = gradkit.Parameter(data, name=f"p{i}")
        param.grad = grad
        setattr(link, f"p{i}", param)
    return link, optimizers.SGD(lr=LR).setup(link)


def numpy_update(params: list[np.ndarray], grads: list[np.ndarray]) -> None:
    """The floor: ``p -= lr * g`` for every parameter."""
    for p, g in zip(params, grads, strict=True):
        p -= LR * g


def test_sgd_matches_the_hand_written_update() -> None:
    link, optimizer = _gradkit_link()
    params, grads = _arrays(0), _arrays(1)
    for _ in range(3):
        optimizer.update()
        numpy_update(params, grads)
    for (name, p), q in zip(link.namedparams(), params, strict=True):
        np.testing.assert_array_equal(p.array, q, err_msg=name)


@pytest.mark.parametrize("impl", ["numpy", "gradkit"])
def test_sgd_update(benchmark, impl: str) -> None:
    """One SGD step over 784-512-512-10's six parameters (665,354 float32 values)."""
    benchmark.group = "sgd-update-784-512-512-10"
    if impl == "numpy":
        benchmark(numpy_update, _arrays(0), _arrays(1))
    else:
        _, optimizer = _gradkit_link()
        benchmark(optimizer.update)
