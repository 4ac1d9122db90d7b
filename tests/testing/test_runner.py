"""The runner: a correct op passes, a planted bug fails with its reproduction command, missing
devices are visible skips, spec skips/xfails apply, non-differentiable samples are redrawn."""

from __future__ import annotations

import json

import numpy as np
import pytest

import gradkit
from gradkit.testing import (
    Input,
    OpSpec,
    Selection,
    Skip,
    XFail,
    discover,
    generate_cases,
    op_spec,
    run_case,
    run_cases,
)
from gradkit.testing.runner import MAX_RESAMPLES, Outcome, repro_command, resample_seed

CPU_STRICT = ("cpu", "strict")


@op_spec(
    inputs=[Input(domain=(-2.0, 2.0))],
    shapes=[(3, 4), (), (0, 3), "2x5nc"],
    devices=CPU_STRICT,
    reference=np.tanh,
)
class Tanh(gradkit.FunctionNode):
    def forward(self, inputs):
        xp = gradkit.get_array_module(inputs[0])
        self.retain_outputs((0,))
        return (xp.tanh(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 - y * y),)


class BadTanh(Tanh):
    """Planted bug: the sign of y*y is flipped."""

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 + y * y),)


class ReLU(gradkit.FunctionNode):
    """relu, kinked at 0; specs are attached per test."""

    def forward(self, inputs):
        (x,) = inputs
        xp = gradkit.get_array_module(x)
        self.retain_inputs((0,))
        return (xp.maximum(x, xp.zeros_like(x)),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        xp = gradkit.get_array_module(x)
        return (grad_outputs[0] * gradkit.Variable(xp.astype(x.array > 0, x.dtype)),)


class Linear(gradkit.Function):
    """The seed's classic Function: first order only."""

    def forward(self, inputs):
        x, W = inputs
        return (x @ W,)

    def backward(self, inputs, grad_outputs):
        x, W = inputs
        (gy,) = grad_outputs
        return gy @ W.T, x.T @ gy


def results_of(op, **selection) -> dict[str, object]:
    cases = generate_cases(discover(op).targets, Selection(**selection))
    return {r.case_id: r for r in run_cases(cases)}


def test_a_correct_op_passes_every_case() -> None:
    results = results_of(Tanh)
    # dtypes x shapes x (3 checks on cpu + 4 on strict: forward, backward, double, device)
    assert len(results) == 3 * 4 * (3 + 4)
    outcomes = {i: r.outcome for i, r in results.items()}
    assert {o for i, o in outcomes.items() if "float16" not in i or "cpu" in i} == {"passed"}
    assert all(r.ok for r in results.values())
    # The array API standard has no float16, so neither has the strict device: visible skips.
    r = results["tanh-float16-2x5nc-strict-device"]
    assert r.outcome is Outcome.SKIPPED and "does not support dtype float16" in r.reason
    r = results["tanh-float32-2x5nc-strict-device"]
    assert r.verdict.check == "device" and r.verdict.device == "cpu,strict"


def test_a_planted_bug_fails_with_the_reproduction_command() -> None:
    results = results_of(BadTanh, dtypes="float32", devices="cpu", shapes="3x4")
    r = results["badtanh-float32-3x4-cpu-backward"]
    assert r.outcome is Outcome.FAILED and not r.ok
    assert r.verdict.subcheck == "values" and r.verdict.target == "BadTanh"
    expected = (
        f"gradkit check {__name__}.BadTanh --dtypes float32 --shapes 3x4 "
        "--devices cpu --checks backward --seed 0"
    )
    assert r.repro == expected == r.verdict.repro
    assert r.render().splitlines()[-1] == f"  reproduce: {expected}"
    assert results["badtanh-float32-3x4-cpu-forward"].outcome is Outcome.PASSED
    assert results["badtanh-float32-3x4-cpu-double_backward"].outcome is Outcome.FAILED


def test_the_global_seed_reaches_the_check_and_the_command() -> None:
    (case,) = generate_cases(
        discover(BadTanh).targets,
        Selection(seed=12, dtypes="float64", devices="cpu", shapes="3x4", checks="backward"),
    )
    r = run_case(case)
    assert r.verdict.seed == case.seed
    assert r.repro.endswith("--seed 12")


def test_gpu_cases_are_visible_skips_without_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gradkit.device, "gpu_available", lambda: False)
    spec = OpSpec(devices=["cpu", "gpu"], dtypes="float32")
    op = type("Tanh2", (Tanh,), {"spec": spec})
    results = results_of(op)
    gpu = [r for r in results.values() if r.case.device == "gpu"]
    assert [r.case_id for r in gpu] == [
        "tanh2-float32-3x4-gpu-backward",
        "tanh2-float32-3x4-gpu-double_backward",
        "tanh2-float32-3x4-gpu-device",
    ]
    for r in gpu:
        assert r.outcome is Outcome.SKIPPED and r.ok
        assert "CuPy is not installed or sees no CUDA device" in r.reason
        assert r.verdict.status == "skipped" and r.verdict.reason == r.reason
        assert r.verdict.render().startswith("SKIPPED")
    strict = [run_case(r.case, require_gpu=True) for r in gpu]
    assert {r.outcome for r in strict} == {Outcome.ERROR}
    assert "a GPU is required: " in strict[0].verdict.message


def test_spec_skips_and_xfails() -> None:
    spec = OpSpec(
        dtypes="float64",
        devices="cpu",
        checks=["backward", "double_backward"],
        skips=[
            Skip("second order not written yet", checks="double_backward"),
        ],
    )
    good = type("GoodX", (Tanh,), {"spec": spec})
    results = results_of(good)
    skipped = results["goodx-float64-3x4-cpu-double_backward"]
    assert skipped.outcome is Outcome.SKIPPED and skipped.reason == "second order not written yet"
    assert skipped.verdict.n_evals == 0  # not run
    xspec = OpSpec(dtypes="float64", devices="cpu", checks="backward", skips=[XFail("bug #1")])
    bad = type("BadX", (BadTanh,), {"spec": xspec})
    (r,) = results_of(bad).values()
    assert r.outcome is Outcome.XFAILED and r.ok and r.render().startswith("XFAIL (bug #1)")
    passing = type("PassX", (Tanh,), {"spec": xspec})
    (r,) = results_of(passing).values()
    assert r.outcome is Outcome.XPASSED and not r.ok
    assert "remove the XFail entry" in r.render()


def test_a_nondifferentiable_sample_is_redrawn() -> None:
    calls = []

    def first_on_the_kink(rng, shape, dtype):
        calls.append(1)
        values = rng.uniform(0.2, 1.0, size=shape) * rng.choice([-1, 1], size=shape)
        if len(calls) == 1:
            values.flat[0] = 0.0  # exactly on relu's kink
        return values

    spec = OpSpec(
        inputs=[Input(values=first_on_the_kink)], dtypes="float64", devices="cpu", checks="backward"
    )
    op = type("ReLU1", (ReLU,), {"spec": spec})
    (r,) = results_of(op).values()
    assert r.outcome is Outcome.PASSED
    assert r.verdict.discarded_samples == 1 and len(calls) == 2
    assert "1 non-differentiable samples discarded" in r.render()


def test_resampling_is_bounded_and_reported() -> None:
    def always_on_the_kink(rng, shape, dtype):
        values = rng.uniform(0.2, 1.0, size=shape)
        values.flat[0] = 0.0
        return values

    spec = OpSpec(
        inputs=[Input(values=always_on_the_kink)],
        dtypes="float64",
        devices="cpu",
        checks="backward",
    )
    op = type("ReLU2", (ReLU,), {"spec": spec})
    (r,) = results_of(op).values()
    assert r.outcome is Outcome.NONDIFFERENTIABLE and not r.ok
    assert r.verdict.discarded_samples == MAX_RESAMPLES
    assert "every sample was non-differentiable (4 drawn)" in r.verdict.message
    assert "Input(kinks=...)" in r.verdict.message


def test_declared_kinks_keep_samples_away() -> None:
    spec = OpSpec(
        inputs=[Input(kinks=(0.0,), kink_margin=0.2)],
        shapes=[(50,)],
        dtypes="float64",
        devices="cpu",
    )
    op = type("ReLU3", (ReLU,), {"spec": spec})
    results = results_of(op).values()
    assert {r.outcome for r in results} == {Outcome.PASSED}
    assert all(r.verdict.discarded_samples == 0 for r in results)


def test_resample_seeds_are_derived_and_distinct() -> None:
    seeds = {resample_seed(123, k) for k in range(1, 4)}
    assert len(seeds) == 3 and 123 not in seeds
    assert resample_seed(123, 1) == resample_seed(123, 1)


def test_an_exception_outside_the_check_is_an_error_result() -> None:
    def broken(rng, shape, dtype):
        raise RuntimeError("generator bug")

    spec = OpSpec(inputs=[Input(values=broken)], dtypes="float64", devices="cpu", checks="backward")
    op = type("Broken", (Tanh,), {"spec": spec})
    (r,) = results_of(op).values()
    assert r.outcome is Outcome.ERROR and r.verdict.subcheck == "exception"
    assert "RuntimeError: generator bug" in r.verdict.message
    assert r.verdict.repro == r.repro


def test_an_error_result_points_at_the_users_line_not_numpys() -> None:
    def broken(rng, shape, dtype):
        return np.reshape(np.ones(3), (2, 2))  # raises inside NumPy

    spec = OpSpec(inputs=[Input(values=broken)], dtypes="float64", devices="cpu", checks="backward")
    op = type("Broken", (Tanh,), {"spec": spec})
    (r,) = results_of(op).values()
    line = broken.__code__.co_firstlineno + 1
    assert f"(at {__file__}:{line} in " in r.verdict.message, r.verdict.message


def test_hand_computed_examples() -> None:
    spec = OpSpec(
        dtypes="float32,float64",
        devices="cpu",
        checks="forward",
        examples=[([[0.0, 1.0]], [0.0, np.tanh(1.0)]), ([[0.5]], [0.5])],
    )
    op = type("TanhEx", (Tanh,), {"spec": spec})
    results = results_of(op)
    assert results["tanhex-float32-ex0-cpu-forward"].outcome is Outcome.PASSED
    wrong = results["tanhex-float64-ex1-cpu-forward"]
    assert wrong.outcome is Outcome.FAILED
    assert wrong.verdict.inputs[0].worst[0].numeric == 0.5
    assert "--shapes ex1" in wrong.repro


def test_classic_function_double_backward_is_a_skip() -> None:
    spec = OpSpec(
        inputs=[Input(), Input(shape=lambda s: (s[1], 2))],
        shapes=[(3, 4)],
        dtypes="float64",
        devices=CPU_STRICT,
    )
    op = type("Linear1", (Linear,), {"spec": spec})
    results = results_of(op)
    assert results["linear1-float64-3x4-cpu-backward"].outcome is Outcome.PASSED
    assert results["linear1-float64-3x4-strict-device"].outcome is Outcome.PASSED
    second = results["linear1-float64-3x4-cpu-double_backward"]
    assert second.outcome is Outcome.SKIPPED and second.ok
    assert "double backward" in second.reason


def test_variants_get_their_own_names_and_commands() -> None:
    def scale(x, factor=2.0):
        return x * factor

    op_spec(name="scale3", kwargs={"factor": 3.0}, dtypes="float64", devices="cpu")(scale)
    op_spec(name="scale2", dtypes="float64", devices="cpu")(scale)
    results = results_of(scale, checks="backward")
    assert sorted(results) == ["scale2-float64-3x4-cpu-backward", "scale3-float64-3x4-cpu-backward"]
    r = results["scale3-float64-3x4-cpu-backward"]
    assert r.outcome is Outcome.PASSED and r.verdict.target.endswith("scale[scale3]")
    assert r.repro.endswith("--seed 0 -k scale3-float64-3x4-cpu-backward")


def test_hypothesis_cases_shrink_and_say_how_to_rerun() -> None:
    results = results_of(BadTanh, dtypes="float64", devices="cpu", checks="backward", hypothesis=10)
    r = results["badtanh-float64-hypothesis-cpu-backward"]
    assert r.outcome is Outcome.FAILED
    assert r.verdict.message.startswith(
        "minimal failing example after shrinking: shapes scalar, inputs "
    )
    assert r.repro.endswith(
        "--shapes hypothesis --devices cpu --checks backward --seed 0 --hypothesis 10"
    )
    good = results_of(Tanh, dtypes="float64", devices="cpu", checks="backward", hypothesis=10)
    assert good["tanh-float64-hypothesis-cpu-backward"].verdict.message == (
        "10 hypothesis examples passed"
    )


def test_results_come_in_case_order_lazily_and_serialize() -> None:
    cases = generate_cases(discover(Tanh).targets, Selection(dtypes="float32", devices="cpu"))
    stream = run_cases(cases)
    first = next(stream)
    assert first.case is cases[0]
    rest = list(stream)
    assert [r.case for r in rest] == cases[1:]
    data = json.loads(json.dumps(first.to_dict()))
    assert data["id"] == "tanh-float32-3x4-cpu-forward" and data["outcome"] == "passed"
    assert data["verdict"]["check"] == "forward" and data["repro"] == repro_command(cases[0])
