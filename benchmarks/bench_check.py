"""Tier-1 cost of gradkit.check.check_backward, next to a raw-NumPy floor.

Run with ``pytest benchmarks/bench_check.py --benchmark-only`` (benchmarks are skipped in
normal test runs). Each op has a group per size holding two rows: the check itself (tier 1,
three signed directions, float64) and the floor, the same number of plain NumPy forward
evaluations on perturbed inputs, which no checker of this design can go below.

Target (issue 3): median at most 1.0 ms small (3x4; matmul 8x16 @ 16x4) and 1.3 ms medium
(64x64), with the number of forward evaluations independent of the input size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from gradkit import FunctionNode
from gradkit.arithmetic import broadcast_to, exp, log, matmul, reshape
from gradkit.arithmetic import sum as gsum
from gradkit.check import check_backward


# ----------------------------------------------------------------------------- ops
class Tanh(FunctionNode):
    def forward(self, inputs):
        self.retain_outputs((0,))
        return (np.tanh(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 - y * y),)


class Softmax(FunctionNode):
    def forward(self, inputs):
        (x,) = inputs
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        self.retain_outputs((0,))
        return (e / e.sum(axis=-1, keepdims=True),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        gyy = grad_outputs[0] * y
        return (gyy - y * broadcast_to(gsum(gyy, -1, keepdims=True), y.shape),)


class Relu(FunctionNode):
    def forward(self, inputs):
        self.retain_outputs((0,))
        return (np.maximum(inputs[0], 0),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (y.array > 0).astype(y.dtype),)


class MaxAxis(FunctionNode):
    def forward(self, inputs):
        (x,) = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return (x.max(axis=-1),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        mask = (x.array == y.array[..., None]).astype(x.dtype)
        gy = broadcast_to(reshape(grad_outputs[0], (*y.shape, 1)), x.shape)
        return (gy * mask,)


class Mean(FunctionNode):
    def forward(self, inputs):
        (x,) = inputs
        self.in_shape = x.shape
        return (x.mean(axis=-1),)

    def backward(self, target_input_indexes, grad_outputs):
        shape = self.in_shape
        gy = broadcast_to(reshape(grad_outputs[0], (*shape[:-1], 1)), shape)
        return (gy / shape[-1],)


def _apply(cls: type[FunctionNode]) -> Callable[..., Any]:
    return lambda x: cls().apply((x,))[0]


def _np_softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Op:
    """An op of the benchmark: the checked function, its NumPy forward, its input shapes."""

    name: str
    func: Callable[..., Any]
    numpy_forward: Callable[..., Any]
    small: tuple[tuple[int, ...], ...]
    medium: tuple[tuple[int, ...], ...]
    low: float = -1.0


def _distinct(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    n = int(np.prod(shape))
    return rng.permutation(np.linspace(-1, 1, n)).reshape(shape)


S, M = (3, 4), (64, 64)
OPS = [
    Op("tanh", _apply(Tanh), np.tanh, (S,), (M,)),
    Op("exp", exp, np.exp, (S,), (M,)),
    Op("log", log, np.log, (S,), (M,), low=0.5),
    Op("add-broadcast", lambda x, b: x + b, np.add, (S, (4,)), (M, (64,))),
    Op("mul", lambda x, y: x * y, np.multiply, (S, S), (M, M)),
    Op("sum-axis", lambda x: gsum(x, 1), lambda x: x.sum(axis=1), (S,), (M,)),
    Op("matmul", matmul, np.matmul, ((8, 16), (16, 4)), (M, M)),
    Op("softmax", _apply(Softmax), _np_softmax, (S,), (M,)),
    Op("relu", _apply(Relu), lambda x: np.maximum(x, 0), (S,), (M,)),
    Op("max-axis", _apply(MaxAxis), lambda x: x.max(axis=-1), (S,), (M,)),
    Op("mean", _apply(Mean), lambda x: x.mean(axis=-1), (S,), (M,)),
]


def _inputs(op: Op, shapes: tuple[tuple[int, ...], ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    if op.name == "max-axis":
        return [_distinct(shapes[0], rng)]
    if op.name == "relu":  # away from the kink at 0
        x = rng.uniform(0.1, 1, size=shapes[0])
        return [x * rng.choice([-1.0, 1.0], size=shapes[0])]
    return [rng.uniform(op.low, 1.0, size=s) for s in shapes]


CASES = [
    pytest.param(op, size, id=f"{op.name}-{size}") for op in OPS for size in ("small", "medium")
]


def _setup(op: Op, size: str) -> list[np.ndarray]:
    return _inputs(op, op.small if size == "small" else op.medium)


@pytest.mark.parametrize(("op", "size"), CASES)
def test_check_backward_tier1(benchmark: Any, op: Op, size: str) -> None:
    """check_backward, tier 1 only, three directions, float64."""
    xs = _setup(op, size)
    benchmark.group = f"{op.name}-{size}"
    benchmark.extra_info["target_ms"] = 1.0 if size == "small" else 1.3
    result = benchmark(check_backward, op.func, xs, jacobian="never", directions=3)
    assert result.passed, result.render()
    assert result.tier == 1


@pytest.mark.parametrize(("op", "size"), CASES)
def test_numpy_floor(benchmark: Any, op: Op, size: str) -> None:
    """As many plain NumPy forward evaluations (perturbed inputs, weighted sum) as the check
    makes: the floor of any checker that evaluates the function."""
    xs = _setup(op, size)
    n_evals = check_backward(op.func, xs, jacobian="never").n_evals
    rng = np.random.default_rng(1)
    steps = [1e-3 * rng.uniform(-1, 1, size=x.shape) for x in xs]
    u = rng.uniform(-1, 1, size=np.shape(op.numpy_forward(*xs)))
    benchmark.group = f"{op.name}-{size}"

    def floor() -> float:
        total = 0.0
        for i in range(n_evals):
            t = i % 4 - 2
            moved = [x + t * d for x, d in zip(xs, steps, strict=True)]
            total += float(np.vdot(u, op.numpy_forward(*moved)))
        return total

    benchmark(floor)
