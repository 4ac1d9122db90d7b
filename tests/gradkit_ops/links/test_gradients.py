"""Every standard link is verified by gradkit.check: gradients with respect to its inputs and
its parameters (``params=``), in float64, on cpu and on the strict device.

The table below must list every link exported by gradkit_ops.links: adding a link without an
entry fails ``test_every_standard_link_has_a_gradient_check``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import gradkit
from gradkit.check import GradientCheckError, check_backward
from gradkit_ops import links as gl
from gradkit_ops import tanh

Inputs = Callable[[np.random.Generator], list[np.ndarray]]


@dataclass(frozen=True)
class Case:
    """A link to build, its inputs, and how the checked function calls it (default: the
    link itself, on all the inputs)."""

    make: Callable[[], gradkit.Link]
    inputs: Inputs
    call: Callable[[gradkit.Link], Callable[..., Any]] = lambda link: link


def _normal(*shape: int) -> Inputs:
    return lambda rng: [rng.standard_normal(shape)]


def _ids(vocab: int, *shape: int) -> Inputs:
    return lambda rng: [rng.integers(-1, vocab, shape)]


def _two_steps(link: gradkit.Link) -> Callable[..., Any]:
    """A stateful LSTM as a function: a new sequence of two steps, the last ``h`` out."""

    def run(x1: Any, x2: Any) -> Any:
        link.reset_state()
        link(x1)
        return link(x2)

    return run


CASES: dict[str, Case] = {
    "Linear": Case(lambda: gl.Linear(3, 4), _normal(5, 3)),
    "Linear-lazy-3d-input": Case(lambda: gl.Linear(2), _normal(2, 3, 2)),
    "Linear-nobias": Case(lambda: gl.Linear(3, 2, nobias=True), _normal(4, 3)),
    "Convolution2D": Case(lambda: gl.Convolution2D(2, 3, 3, pad=1), _normal(2, 2, 5, 5)),
    "Convolution2D-strided-groups": Case(
        lambda: gl.Convolution2D(4, 2, (2, 3), stride=2, groups=2), _normal(1, 4, 5, 6)
    ),
    "BatchNormalization": Case(lambda: gl.BatchNormalization(3), _normal(6, 3)),
    "BatchNormalization-images": Case(lambda: gl.BatchNormalization(2), _normal(3, 2, 2, 2)),
    "LayerNormalization": Case(lambda: gl.LayerNormalization(4), _normal(3, 4)),
    "EmbedID": Case(lambda: gl.EmbedID(5, 3, ignore_label=-1), _ids(5, 4, 2)),
    "LSTM": Case(
        lambda: gl.LSTM(3, 2),
        lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((4, 3))],
        _two_steps,
    ),
    "LSTM-shrinking-batch": Case(
        lambda: gl.LSTM(3, 2),
        lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((2, 3))],
        _two_steps,
    ),
    "Sequential": Case(
        lambda: gl.Sequential(gl.Linear(3, 4), tanh, gl.Linear(4, 2)), _normal(5, 3)
    ),
}


def _link_name(case: str) -> str:
    return case.split("-")[0]


@pytest.mark.parametrize("device", ["cpu", "strict"])
@pytest.mark.parametrize("case", list(CASES))
def test_gradients_with_respect_to_inputs_and_parameters(case, device, rng) -> None:
    spec = CASES[case]
    link = spec.make().to_device(device)
    func = spec.call(link)
    dev = gradkit.get_device(device)
    host = spec.inputs(rng)
    xs = [dev.send(x) for x in host]
    # A first call in the parameters' dtype gives lazy parameters their shape; the check
    # then casts the float inputs and the parameters to float64.
    func(*[dev.send(x.astype(np.float32) if x.dtype.kind == "f" else x) for x in host])
    params = list(link.params())
    assert params and all(p.array is not None for p in params)
    result = check_backward(func, xs, params=params, dtype="float64", seed=1)
    assert result.passed, result.render()
    checked = {r.name for r in result.inputs}
    assert {p.name for p in params} <= checked


def test_every_standard_link_has_a_gradient_check() -> None:
    exported = {
        name
        for name in gl.__all__
        if inspect.isclass(getattr(gl, name)) and issubclass(getattr(gl, name), gradkit.Link)
    }
    covered = {_link_name(case) for case in CASES}
    assert exported <= covered, f"links without a gradient check: {sorted(exported - covered)}"


class _WrongWeightGrad(gradkit.FunctionNode):
    """x W^T with a planted bug: the gradient of W is scaled by 1.5."""

    def forward(self, inputs):
        x, W = inputs
        self.retain_inputs((0, 1))
        return (x @ W.T,)

    def backward(self, target_input_indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        (gy,) = grad_outputs
        return gy @ W, 1.5 * (gy.T @ x)


class _Buggy(gradkit.Link):
    def __init__(self):
        super().__init__()
        self.W = gradkit.Parameter(np.random.default_rng(0).standard_normal((2, 3)))

    def forward(self, x):
        return _WrongWeightGrad().apply((x, self.W))[0]


def test_a_wrong_parameter_gradient_is_caught(rng) -> None:
    link = _Buggy()
    with pytest.raises(GradientCheckError) as info:
        check_backward(link, [rng.standard_normal((4, 3))], params=[link.W])
    bad = [r.name for r in info.value.result.inputs if r.worst]
    assert bad == ["W"]
    assert "only input 1 ('W') is wrong" in info.value.result.diagnosis
