"""CheckResult: fields, verdict helpers, JSON form, and the exception that carries it."""

from __future__ import annotations

import json
import math

import pytest

from gradkit.check import CheckResult, GradientCheckError, InputReport, Status, WorstElement
from gradkit.check.result import SUBCHECKS


def _failed() -> CheckResult:
    worst = WorstElement((1, 2), 0.5, -0.5, 1.0, 2.0)
    report = InputReport(0, "x0", (3, 4), "float32", 1.0, math.inf, [worst])
    return CheckResult(
        status="failed",
        check="backward",
        subcheck="values",
        message="mismatch",
        diagnosis="sign flip",
        target="Tanh",
        dtype="float32",
        device="cpu",
        seed=3,
        eps=1e-3,
        atol=1e-5,
        rtol=1e-4,
        directions=3,
        tier=2,
        n_evals=41,
        time_s=0.002,
        inputs=[report],
        repro="gradkit check tests/ops.py -k tanh-float32",
    )


def test_status_is_a_string_enum_and_strings_are_accepted() -> None:
    r = _failed()
    assert r.status is Status.FAILED
    assert r.status == "failed"
    assert {s.value for s in Status} == {
        "passed",
        "failed",
        "nondifferentiable",
        "skipped",
        "error",
    }


@pytest.mark.parametrize(
    ("status", "passed", "failure"),
    [
        ("passed", True, False),
        ("failed", False, True),
        ("error", False, True),
        ("nondifferentiable", False, False),
        ("skipped", False, False),
    ],
)
def test_verdict_helpers(status, passed, failure) -> None:
    r = CheckResult(status=status, check="backward")
    assert r.passed is passed
    assert r.is_failure is failure


def test_to_dict_is_strict_json() -> None:
    d = _failed().to_dict()
    text = json.dumps(d, allow_nan=False)  # no NaN/Infinity tokens
    back = json.loads(text)
    assert back["status"] == "failed"
    assert back["subcheck"] == "values"
    assert back["inputs"][0]["max_rel_err"] == "inf"
    assert back["inputs"][0]["worst"][0] == {
        "index": [1, 2],
        "analytic": 0.5,
        "numeric": -0.5,
        "abs_err": 1.0,
        "rel_err": 2.0,
    }
    assert back["repro"].startswith("gradkit check")


def test_str_is_the_rendered_report() -> None:
    r = _failed()
    assert str(r) == r.render()
    assert r.render().splitlines()[0].startswith("FAILED backward of Tanh (float32, cpu) [values]")


def test_gradient_check_error_carries_the_result() -> None:
    r = _failed()
    err = GradientCheckError(r)
    assert isinstance(err, AssertionError)
    assert err.result is r
    assert str(err) == r.render()


def test_every_subcheck_is_documented() -> None:
    used = {
        "values", "grad_count", "grad_shape", "grad_dtype", "grad_device", "int_input_grad",
        "forward_mutates_input", "backward_mutates_input", "backward_mutates_grad_output",
        "nondeterministic", "nonfinite", "zero_grad_output", "exception",
    }  # fmt: skip
    assert used <= set(SUBCHECKS)
