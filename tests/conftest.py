"""Shared fixtures of the engine tests: seeded generators and a small float64 gradient checker.

The checker here is deliberately independent of :mod:`gradkit.check`: the engine's tests must
not depend on the layer built on top of the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import gradkit

EPS = 1e-6


def numerical_grad(
    f: Callable[[list[np.ndarray]], float], arrays: Sequence[np.ndarray], eps: float = EPS
) -> list[np.ndarray]:
    """Central differences of the scalar ``f(arrays)`` with respect to each float64 array.

    The arrays are perturbed in place, one element at a time, and restored.
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            orig = a[idx]
            a[idx] = orig + eps
            f_plus = f(arrays)
            a[idx] = orig - eps
            f_minus = f(arrays)
            a[idx] = orig
            g[idx] = (f_plus - f_minus) / (2 * eps)
        grads.append(g)
    return grads


def _as_host(v: Any, like: np.ndarray) -> np.ndarray:
    """A gradient (Variable, array or None) as a float64 host array shaped like ``like``."""
    if v is None:
        return np.zeros_like(like)
    data = v.array if isinstance(v, gradkit.Variable) else v
    return np.asarray(gradkit.to_numpy(data), dtype=np.float64)


def check_grads(
    fn: Callable[..., gradkit.Variable],
    arrays: Sequence[np.ndarray],
    *,
    device: str = "cpu",
    order: int = 2,
    seed: int = 0,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Assert that the first (and, with ``order=2``, second) order gradients of ``fn`` match
    float64 central differences.

    ``fn`` takes Variables and returns a Variable of any shape; it is reduced to a scalar with
    fixed random weights. The second order is checked on ``h(x) = sum_i <grad_i f(x), v_i>``
    for fixed random ``v_i``: its gradient (by double backprop) is compared with central
    differences of the first-order gradients.
    """
    dev = gradkit.get_device(device)
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    y0 = gradkit.to_numpy(fn(*[gradkit.Variable(a.copy()) for a in arrays]).array)
    w = rng.standard_normal(y0.shape)
    vs = [rng.standard_normal(a.shape) for a in arrays]

    def leaves(arrs: Sequence[np.ndarray]) -> list[gradkit.Variable]:
        return [gradkit.Variable(dev.send(a.copy())) for a in arrs]

    def loss(xs: list[gradkit.Variable]) -> gradkit.Variable:
        y = fn(*xs)
        assert y.device == dev, f"output on {y.device}, inputs on {dev}"
        return (y * dev.send(w)).sum()

    def loss_value(arrs: list[np.ndarray]) -> float:
        with gradkit.no_backprop_mode():
            y = fn(*leaves(arrs))
        return float(np.sum(gradkit.to_numpy(y.array) * w))

    def first_grads(arrs: Sequence[np.ndarray], double: bool = False) -> tuple[list, list]:
        xs = leaves(arrs)
        return xs, gradkit.grad([loss(xs)], xs, enable_double_backprop=double)

    xs, gxs = first_grads(arrays)
    for x, gx in zip(xs, gxs, strict=True):
        if gx is not None:
            assert gx.shape == x.shape and gx.dtype == x.dtype and gx.device == x.device
    analytic = [_as_host(g, a) for g, a in zip(gxs, arrays, strict=True)]
    numeric = numerical_grad(loss_value, arrays)
    for i, (ga, gn) in enumerate(zip(analytic, numeric, strict=True)):
        np.testing.assert_allclose(
            ga, gn, rtol=rtol, atol=atol, err_msg=f"first-order gradient of input {i}"
        )
    if order < 2:
        return

    def h_value(arrs: list[np.ndarray]) -> float:
        _, gs = first_grads(arrs)
        return float(sum(np.sum(_as_host(g, a) * v) for g, a, v in zip(gs, arrs, vs, strict=True)))

    xs, gxs = first_grads(arrays, double=True)
    terms = [(g * dev.send(v)).sum() for g, v in zip(gxs, vs, strict=True) if g is not None]
    if terms:
        h = terms[0]
        for t in terms[1:]:
            h = h + t
        ggxs = gradkit.grad([h], xs)
    else:
        ggxs = [None] * len(xs)
    analytic2 = [_as_host(g, a) for g, a in zip(ggxs, arrays, strict=True)]
    numeric2 = numerical_grad(h_value, arrays)
    for i, (ga, gn) in enumerate(zip(analytic2, numeric2, strict=True)):
        np.testing.assert_allclose(
            ga, gn, rtol=rtol * 10, atol=atol * 10, err_msg=f"second-order gradient of input {i}"
        )


@pytest.fixture
def rng() -> np.random.Generator:
    """A NumPy generator with a fixed seed, fresh for each test."""
    return np.random.default_rng(20240601)


@pytest.fixture(scope="session")
def gradcheck() -> Callable[..., None]:
    """:func:`check_grads`: first and second order gradients against central differences."""
    return check_grads


@pytest.fixture(scope="session")
def numgrad() -> Callable[..., list[np.ndarray]]:
    """:func:`numerical_grad`: float64 central differences of a scalar function."""
    return numerical_grad


def run_in_threads(run: Callable[[int], None], n: int) -> None:
    """Call ``run(i)`` for ``i`` in ``range(n)``, each in its own thread, all at once; fail
    with every thread's exception, by index, if any raised."""
    errors: list[tuple[int, BaseException]] = []

    def guarded(i: int) -> None:
        try:
            run(i)
        except BaseException as e:  # reported below, with the thread's index
            errors.append((i, e))

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, "; ".join(f"thread {i}: {e!r}" for i, e in sorted(errors, key=str))


@pytest.fixture(scope="session")
def in_threads() -> Callable[[Callable[[int], None], int], None]:
    """:func:`run_in_threads`: ``in_threads(run, n)`` runs ``run(i)`` in ``n`` threads."""
    return run_in_threads


@pytest.fixture(scope="session")
def strict() -> gradkit.Device:
    """The ``strict`` device (array-api-strict's non-default device)."""
    return gradkit.get_device("strict")
