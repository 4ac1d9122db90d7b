"""check_device_agreement: same inputs on cpu and another device, same results."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit.check import GradientCheckError
from gradkit.check.device_agreement import check_device_agreement


class Scale(gradkit.FunctionNode):
    """y = x * w, with an integer index input that is not differentiated."""

    def forward(self, inputs):
        x, w, idx = inputs
        self.retain_inputs((0, 1))
        return (x * w[idx],)

    def backward(self, target_input_indexes, grad_outputs):
        x, w = self.get_retained_inputs()
        (gy,) = grad_outputs
        return gy * w, (gy * x).sum(axis=0), None


def scale(x, w, idx):
    (y,) = Scale().apply((x, w, idx))
    return y


def inputs():
    rng = np.random.default_rng(0)
    return [rng.standard_normal((3, 4)), rng.standard_normal(4), np.arange(4)]


def test_a_correct_op_agrees_on_cpu_and_strict() -> None:
    r = check_device_agreement(scale, inputs())
    assert r.passed and r.check == "device" and r.device == "cpu,strict"
    labels = [rep.name for rep in r.inputs]
    assert labels == [
        "output 0 on strict",
        "grad of input 0 on strict",
        "grad of input 1 on strict",
    ]
    assert r.n_evals == 2


def test_inputs_on_the_device_are_taken_to_the_host() -> None:
    strict = gradkit.get_device("strict")
    assert check_device_agreement(scale, [strict.send(a) for a in inputs()]).passed


def test_an_op_that_leaves_the_device_fails() -> None:
    def leaky(x):
        return gradkit.Variable(np.exp(gradkit.to_numpy(x.array)))

    r = check_device_agreement(leaky, [np.ones(3)], raise_on_failure=False)
    assert r.status == "failed" and r.subcheck == "device"
    assert r.diagnosis is not None


def test_an_op_that_raises_on_the_device_fails_with_a_diagnosis() -> None:
    def host_only(x):
        return gradkit.Variable(np.asarray(x.array) * 2)  # refuses implicit conversion

    r = check_device_agreement(host_only, [np.ones(3)], raise_on_failure=False)
    assert r.status == "failed" and r.subcheck == "device"
    assert "on strict it raised" in r.message and r.diagnosis.startswith("device bug")


class Drift(gradkit.FunctionNode):
    """Right on NumPy, off by 1e-3 elsewhere (forward) and wrong backward elsewhere."""

    def __init__(self, where: str) -> None:
        self.where = where

    def forward(self, inputs):
        (x,) = inputs
        xp = gradkit.get_array_module(x)
        self.retain_inputs((0,))
        off = 1e-3 if self.where == "forward" and xp is not np else 0.0
        return (x * 3.0 + off,)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        xp = gradkit.get_array_module(x.array)
        factor = 3.0 if self.where != "backward" or xp is np else -3.0
        return (grad_outputs[0] * factor,)


@pytest.mark.parametrize(("where", "label"), [("forward", "output 0"), ("backward", "grad")])
def test_disagreement_is_localized(where: str, label: str) -> None:
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    r = check_device_agreement(lambda v: Drift(where).apply((v,))[0], [x], raise_on_failure=False)
    assert r.status == "failed" and r.subcheck == "device"
    assert f"{label}" in r.message and "differ from cpu beyond tolerance" in r.message
    bad = [rep for rep in r.inputs if rep.worst]
    assert bad and bad[0].name.startswith(label)
    if where == "backward":
        assert "sign flip" in r.diagnosis


def test_float32_rounding_is_tolerated() -> None:
    x = np.linspace(-2, 2, 8, dtype=np.float32)
    assert check_device_agreement(lambda v: gradkit.arithmetic.exp(v) * v, [x]).passed


def test_a_missing_device_is_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gradkit.device, "gpu_available", lambda: False)
    r = check_device_agreement(scale, inputs(), devices=("cpu", "gpu"))
    assert r.status == "skipped" and "CuPy" in r.reason


def test_an_error_on_the_reference_device_is_an_error() -> None:
    def boom(x):
        raise RuntimeError("broken everywhere")

    r = check_device_agreement(boom, [np.ones(2)], raise_on_failure=False)
    assert r.status == "error" and "broken everywhere" in r.message


def test_explicit_grad_outputs_and_no_grads() -> None:
    seen = []

    def spy(x, y):
        out = x * y
        seen.append(x.requires_grad)
        return out

    gy = np.full((2,), 3.0)
    r = check_device_agreement(spy, [np.ones(2), np.ones(2)], grad_outputs=[gy], no_grads=[1, 0])
    assert r.passed and seen == [False, False]
    assert [rep.name for rep in r.inputs] == ["output 0 on strict", "grad of input 1 on strict"]


def test_arguments_are_validated_and_failures_raise() -> None:
    with pytest.raises(ValueError, match="at least two devices"):
        check_device_agreement(scale, inputs(), devices=("cpu",))
    with pytest.raises(GradientCheckError) as info:
        check_device_agreement(
            lambda v: Drift("forward").apply((v,))[0], [np.ones(3)], repro="gradkit check x"
        )
    assert info.value.result.repro == "gradkit check x"


def subnormals_differ_elsewhere(factor: float, steps: int):
    """x * 0.5 in float32; off the CPU, its subnormal results are multiplied by ``factor`` and
    moved by ``steps`` float32 steps (of 1.4e-45), as another device's rounding could."""

    def func(v):
        xp = gradkit.get_array_module(v.array)
        y = v * 0.5
        if xp is np:
            return y
        tiny = float(np.finfo(np.float32).tiny)
        step = float(np.finfo(np.float32).smallest_subnormal)
        moved = y.array * factor + steps * step
        return y + gradkit.Variable(xp.where(xp.abs(y.array) < tiny, moved - y.array, 0.0))

    return func


def test_subnormal_results_agree_to_the_dtype_resolution() -> None:
    x = np.array([3e-45, 2e-39, -1e-40, 0.0], dtype=np.float32)
    # 10 steps: nothing for a float32 result (the normal range allows 1e-4 / 1.2e-7 = 840)
    r = check_device_agreement(subnormals_differ_elsewhere(1.0, 10), [x], raise_on_failure=False)
    assert r.passed, r.render()
    # far beyond float32's subnormal spacing (1.4e-45): a 5% error at 1e-39 is a bug
    r = check_device_agreement(subnormals_differ_elsewhere(1.05, 0), [x], raise_on_failure=False)
    assert r.status == "failed" and r.subcheck == "device", r.render()
    assert {w.index for w in r.inputs[0].worst} == {(1,), (2,)}  # 1e-39 and -5e-41
