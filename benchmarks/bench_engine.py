"""Engine overhead: a chain of 100 elementwise ops, forward with graph and forward+backward.

The chain cycles through ``x * 1.0001``, ``tanh`` and ``+ 0.1``. Each group holds the same
computation written by hand in NumPy (forward keeping what backward needs, then the backward
by hand): that is the floor, so results read as ratios. Where PyTorch is installed, its eager
mode runs the same chain in the same groups, for comparison (it is not a dependency).

Run: ``pytest benchmarks/bench_engine.py --benchmark-only --benchmark-group-by=group``
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gradkit
from gradkit import FunctionNode, Variable

CHAIN_LENGTH = 100
SHAPES = [(4,), (256, 256)]


class Tanh(FunctionNode):
    """tanh, written here so the engine benchmark does not depend on the op library."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        return (np.tanh(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 - y * y),)


def gradkit_forward(x0: np.ndarray) -> tuple[Variable, Variable]:
    """The chain through gradkit, recording the graph."""
    x = Variable(x0)
    h = x
    for i in range(CHAIN_LENGTH):
        step = i % 3
        if step == 0:
            h = h * 1.0001
        elif step == 1:
            (h,) = Tanh().apply((h,))
        else:
            h = h + 0.1
    return x, h


def gradkit_forward_backward(x0: np.ndarray) -> np.ndarray:
    """The chain through gradkit, then backward from a ones gradient."""
    x, h = gradkit_forward(x0)
    h.grad = np.ones_like(h.array)
    h.backward()
    return x.grad


def numpy_forward(x0: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The floor: the same chain in NumPy, keeping the tanh outputs backward needs."""
    h = x0
    saved = []
    for i in range(CHAIN_LENGTH):
        step = i % 3
        if step == 0:
            h = h * 1.0001
        elif step == 1:
            h = np.tanh(h)
            saved.append(h)
        else:
            h = h + 0.1
    return h, saved


def numpy_forward_backward(x0: np.ndarray) -> np.ndarray:
    """The floor: forward, then the hand-written backward of the chain."""
    h, saved = numpy_forward(x0)
    g = np.ones_like(h)
    for i in reversed(range(CHAIN_LENGTH)):
        step = i % 3
        if step == 0:
            g = g * 1.0001
        elif step == 1:
            y = saved.pop()
            g = g * (1 - y * y)
    return g


def torch_forward(x0: np.ndarray) -> tuple[Any, Any]:
    """The chain through PyTorch's eager autograd (only where torch is installed)."""
    import torch

    x = torch.from_numpy(x0).requires_grad_()
    h = x
    for i in range(CHAIN_LENGTH):
        step = i % 3
        if step == 0:
            h = h * 1.0001
        elif step == 1:
            h = torch.tanh(h)
        else:
            h = h + 0.1
    return x, h


def torch_forward_backward(x0: np.ndarray) -> Any:
    """PyTorch's forward, then backward from a ones gradient."""
    import torch

    x, h = torch_forward(x0)
    h.backward(torch.ones_like(h))
    return x.grad


IMPLS = {
    "numpy": (numpy_forward, numpy_forward_backward),
    "gradkit": (gradkit_forward, gradkit_forward_backward),
    "torch": (torch_forward, torch_forward_backward),
}


def _impl(name: str) -> tuple[Any, Any]:
    if name == "torch":
        torch = pytest.importorskip("torch")
        torch.set_num_threads(1)  # NumPy's elementwise loops run on one thread too
    return IMPLS[name]


def _input(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(0).random(shape, dtype=np.float32)


def _id(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


@pytest.mark.parametrize("shape", SHAPES, ids=_id)
@pytest.mark.parametrize("impl", sorted(IMPLS))
def test_chain_forward(benchmark, impl: str, shape: tuple[int, ...]) -> None:
    """Forward with graph recording."""
    benchmark.group = f"chain-forward-{_id(shape)}"
    forward, _ = _impl(impl)
    benchmark(forward, _input(shape))


@pytest.mark.parametrize("shape", SHAPES, ids=_id)
@pytest.mark.parametrize("impl", sorted(IMPLS))
def test_chain_forward_backward(benchmark, impl: str, shape: tuple[int, ...]) -> None:
    """Forward, then backward; every implementation gives the NumPy floor's gradient."""
    benchmark.group = f"chain-forward-backward-{_id(shape)}"
    x0 = _input(shape)
    _, forward_backward = _impl(impl)
    got = np.asarray(forward_backward(x0))
    np.testing.assert_allclose(got, numpy_forward_backward(x0), rtol=1e-5)
    benchmark(forward_backward, x0)


def test_chain_no_backprop(benchmark) -> None:
    """Forward in no_backprop_mode: no graph node is built at all."""
    benchmark.group = "chain-forward-4"
    x0 = _input((4,))

    def run() -> Variable:
        with gradkit.no_backprop_mode():
            return gradkit_forward(x0)[1]

    assert run().creator is None
    benchmark(run)
