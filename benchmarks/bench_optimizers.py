"""Optimizer updates: one step of each optimizer over the parameters of a 784-512-512-10 MLP.

Each group's floor is the update written by hand in NumPy, the straightforward way (for SGD
``p -= lr * g`` per parameter; for Adam ``m += (1 - b1) * (g - m)``, ``v += (1 - b2) * (g * g
- v)``, ``p -= lr_t * m / (sqrt(v) + eps_t)``). Written so, each expression makes temporaries as
large as the parameter, which go out to memory and back when the parameter is larger than the
CPU's cache. gradkit's ``optimizer.update()`` runs its per-parameter rules, which on NumPy
update large parameters in cache-sized blocks (``gradkit.optimizers.blocked``), so their
scratch never leaves the cache. A ratio below 1 is expected here.

Run: ``OPENBLAS_NUM_THREADS=1 pytest benchmarks/bench_optimizers.py --benchmark-only``
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import gradkit
from gradkit import optimizers

SHAPES = [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]
LR = 0.01
MOMENTUM = 0.9
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8
ALPHA = 0.99


def _arrays(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape, dtype=np.float32) for shape in SHAPES]


def _gradkit_link(optimizer: optimizers.Optimizer) -> tuple[gradkit.Link, optimizers.Optimizer]:
    link = gradkit.Link()
    for i, (data, grad) in enumerate(zip(_arrays(0), _arrays(1), strict=True)):
        param = gradkit.Parameter(data, name=f"p{i}")
        param.grad = grad
        setattr(link, f"p{i}", param)
    return link, optimizer.setup(link)


def numpy_update(params: list[np.ndarray], grads: list[np.ndarray]) -> None:
    """The SGD floor: ``p -= lr * g`` for every parameter."""
    for p, g in zip(params, grads, strict=True):
        p -= LR * g


# The floors of the optimizers with a state: ``make(params, grads)`` returns one step.
def momentum_sgd_floor(params: list[np.ndarray], grads: list[np.ndarray]) -> Callable[[], None]:
    """MomentumSGD by hand: ``v = momentum * v - lr * g; p += v``."""
    vs = [np.zeros_like(p) for p in params]

    def step() -> None:
        for p, g, v in zip(params, grads, vs, strict=True):
            v *= MOMENTUM
            v -= LR * g
            p += v

    return step


def adam_floor(params: list[np.ndarray], grads: list[np.ndarray]) -> Callable[[], None]:
    """Adam by hand, with the bias corrections folded into the scalars ``lr_t`` and ``eps_t``
    (the same math as ``lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)``)."""
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    t = 0

    def step() -> None:
        nonlocal t
        t += 1
        lr_t = LR * math.sqrt(1.0 - BETA2**t) / (1.0 - BETA1**t)
        eps_t = EPS * math.sqrt(1.0 - BETA2**t)
        for p, g, m, v in zip(params, grads, ms, vs, strict=True):
            m += (1 - BETA1) * (g - m)
            v += (1 - BETA2) * (g * g - v)
            p -= lr_t * m / (np.sqrt(v) + eps_t)

    return step


def rmsprop_floor(params: list[np.ndarray], grads: list[np.ndarray]) -> Callable[[], None]:
    """RMSprop by hand: ``ms = alpha * ms + (1 - alpha) g^2; p -= lr g / (sqrt(ms) + eps)``."""
    mss = [np.zeros_like(p) for p in params]

    def step() -> None:
        for p, g, ms in zip(params, grads, mss, strict=True):
            ms *= ALPHA
            ms += (1 - ALPHA) * g * g
            p -= LR * g / (np.sqrt(ms) + EPS)

    return step


def adagrad_floor(params: list[np.ndarray], grads: list[np.ndarray]) -> Callable[[], None]:
    """AdaGrad by hand: ``h += g^2; p -= lr g / (sqrt(h) + eps)``."""
    hs = [np.zeros_like(p) for p in params]

    def step() -> None:
        for p, g, h in zip(params, grads, hs, strict=True):
            h += g * g
            p -= LR * g / (np.sqrt(h) + EPS)

    return step


# name: (the gradkit optimizer, the floor)
STATEFUL = {
    "momentum-sgd": (lambda: optimizers.MomentumSGD(lr=LR, momentum=MOMENTUM), momentum_sgd_floor),
    "adam": (lambda: optimizers.Adam(lr=LR, beta1=BETA1, beta2=BETA2, eps=EPS), adam_floor),
    "rmsprop": (lambda: optimizers.RMSprop(lr=LR, alpha=ALPHA, eps=EPS), rmsprop_floor),
    "adagrad": (lambda: optimizers.AdaGrad(lr=LR, eps=EPS), adagrad_floor),
}


def test_sgd_matches_the_hand_written_update() -> None:
    link, optimizer = _gradkit_link(optimizers.SGD(lr=LR))
    params, grads = _arrays(0), _arrays(1)
    for _ in range(3):
        optimizer.update()
        numpy_update(params, grads)
    for (name, p), q in zip(link.namedparams(), params, strict=True):
        np.testing.assert_array_equal(p.array, q, err_msg=name)


@pytest.mark.parametrize("name", list(STATEFUL))
def test_optimizer_matches_its_hand_written_update(name: str) -> None:
    make, floor = STATEFUL[name]
    link, optimizer = _gradkit_link(make())
    params = _arrays(0)
    step = floor(params, _arrays(1))
    for _ in range(3):
        optimizer.update()
        step()
    for (pname, p), q in zip(link.namedparams(), params, strict=True):
        np.testing.assert_allclose(p.array, q, rtol=1e-5, atol=1e-6, err_msg=pname)


@pytest.mark.parametrize("impl", ["numpy", "gradkit"])
def test_sgd_update(benchmark, impl: str) -> None:
    """One SGD step over 784-512-512-10's six parameters (665,354 float32 values)."""
    benchmark.group = "sgd-update-784-512-512-10"
    if impl == "numpy":
        benchmark(numpy_update, _arrays(0), _arrays(1))
    else:
        _, optimizer = _gradkit_link(optimizers.SGD(lr=LR))
        benchmark(optimizer.update)


@pytest.mark.parametrize("impl", ["numpy", "gradkit"])
@pytest.mark.parametrize("name", list(STATEFUL))
def test_optimizer_update(benchmark, name: str, impl: str) -> None:
    """One step of an optimizer with a state over the same six parameters, after a first
    step (which creates the state)."""
    benchmark.group = f"{name}-update-784-512-512-10"
    make, floor = STATEFUL[name]
    if impl == "numpy":
        step = floor(_arrays(0), _arrays(1))
    else:
        step = _gradkit_link(make())[1].update
    step()
    benchmark(step)
