"""The failure report of a planted bug, line by line, as a user reads it."""

from __future__ import annotations

import re

import numpy as np
import pytest
from corpus_bugs import TanhSign

import gradkit
from gradkit.check import CheckResult, GradientCheckError, check_backward
from gradkit.check.device_agreement import check_device_agreement
from gradkit.check.reference import check_forward
from gradkit.check.render import MAX_WORST_SHOWN

NUM = r"-?\d+(?:\.\d+)?(?:e[+-]\d+)?"
REPRO = "gradkit check tests/check/corpus_bugs.py -k tanh-sign-float64-3x4-cpu-backward"


@pytest.fixture(scope="module")
def report() -> tuple[CheckResult, list[str]]:
    x = np.linspace(-1.5, 1.2, 12).reshape(3, 4)
    with pytest.raises(GradientCheckError) as info:
        check_backward(lambda v: TanhSign().apply((v,))[0], [x], seed=7, repro=REPRO)
    result = info.value.result
    return result, str(info.value).splitlines()


def test_header_names_verdict_op_dtype_device_subcheck_and_the_evidence(report) -> None:
    _, lines = report
    assert re.fullmatch(
        rf"FAILED backward of TanhSign \(float64, cpu\) \[values\]: directional derivative "
        rf"mismatch: analytic ({NUM}) vs numeric ({NUM}) \(allowed difference {NUM}\); "
        rf"worst: x0\[\d, \d\] analytic {NUM} vs numeric {NUM}",
        lines[0],
    ), lines[0]
    analytic, numeric = re.search(rf"analytic ({NUM}) vs numeric ({NUM})", lines[0]).groups()
    assert float(analytic) == pytest.approx(-float(numeric), rel=1e-6)


def test_input_line_then_worst_elements_largest_error_first(report) -> None:
    result, lines = report
    assert re.fullmatch(
        rf"  input 0 'x0' shape \(3, 4\) float64: max abs err ({NUM}), max rel err 2\.0e\+00",
        lines[1],
    ), lines[1]
    worst = lines[2 : 2 + MAX_WORST_SHOWN]
    errors = []
    for line in worst:
        m = re.fullmatch(
            rf"    at \((\d), (\d)\): analytic ({NUM}), numeric ({NUM}) "
            rf"\(abs err ({NUM}), rel err 2\.0e\+00\)",
            line,
        )
        assert m, line
        assert float(m.group(3)) == pytest.approx(-float(m.group(4)), rel=1e-3)
        errors.append(float(m.group(5)))
    assert errors == sorted(errors, reverse=True)
    assert float(re.search(rf"max abs err ({NUM})", lines[1]).group(1)) == errors[0]
    hidden = len(result.inputs[0].worst) - MAX_WORST_SHOWN
    assert lines[2 + MAX_WORST_SHOWN] == f"    ... {hidden} more listed in the JSON report"


def test_diagnosis_settings_and_reproduction_close_the_report(report) -> None:
    result, lines = report
    assert lines[-3] == "  diagnosis: sign flip (analytic = -numeric) for input 0 ('x0')"
    assert re.fullmatch(
        rf"  seed 7, eps 0\.001, atol 1e-09, rtol 1e-07, 3 directions, tier 2, "
        rf"{result.n_evals} evals, {NUM} ms",
        lines[-2],
    ), lines[-2]
    assert lines[-1] == f"  reproduce: {REPRO}"
    assert len(lines) == 2 + MAX_WORST_SHOWN + 1 + 3


def test_passing_report_is_two_lines() -> None:
    r = check_backward(lambda v: v * v, [np.array([1.0, 2.0])], repro="cmd")
    lines = r.render().splitlines()
    assert lines[0].startswith("PASSED backward of ")
    assert lines[0].endswith(
        "gradients agree with numerical derivatives (element-wise and 3 random directions)"
    )
    assert lines[1].startswith("  seed 0, eps 0.001")
    assert lines[2] == "  reproduce: cmd"


def test_a_forward_report_names_the_output_and_shows_got_against_reference() -> None:
    # A forward check compares values, not gradients: no "input 0 'output 0'", no
    # "analytic"/"numeric" for the op's output and the reference's.
    def off(v):
        return v * np.float32(1.01)

    x = np.array([0.0, 1.0, 2.0], dtype=np.float32)
    r = check_forward(off, [x], lambda a: a, repro="cmd", raise_on_failure=False)
    lines = r.render().splitlines()
    assert lines[0].startswith("FAILED forward of off (float32, cpu) [forward]: outputs differ")
    assert re.fullmatch(
        rf"  output 0 shape \(3,\) float32: max abs err {NUM}, max rel err {NUM}", lines[1]
    ), lines[1]
    assert re.fullmatch(
        rf"    at \(2,\): got 2\.02, reference 2 \(abs err {NUM}, rel err 1\.0e-02\)", lines[2]
    ), lines[2]
    assert re.fullmatch(r"    at \(1,\): got 1\.01, reference 1 .*", lines[3]), lines[3]
    assert "analytic" not in r.render() and "numeric" not in r.render()
    assert lines[-1] == "  reproduce: cmd"


def test_a_device_report_shows_the_value_on_each_device() -> None:
    def drift(v):  # right on NumPy, off elsewhere
        xp = gradkit.get_array_module(v.array)
        return v * 3.0 + (1e-3 if xp is not np else 0.0)

    x = np.array([1.0, 2.0])
    r = check_device_agreement(drift, [x], raise_on_failure=False)
    lines = r.render().splitlines()
    assert lines[1].startswith("  output 0 on strict shape (2,) float64: max abs err 1.0e-03")
    assert re.fullmatch(rf"    at \(\d,\): got {NUM}, cpu {NUM} \(abs err 1\.0e-03, .*", lines[2])
    assert lines[4].startswith("  grad of input 0 on strict shape (2,) float64: max abs err 0.0")
    assert "analytic" not in r.render()


def test_gradient_reports_keep_their_labels() -> None:
    # Element reports of gradients (any check but forward and device) read as before.
    from gradkit.check import InputReport, WorstElement

    worst = WorstElement((0,), 0.5, -0.5, 1.0, 2.0)
    for check in ("backward", "double_backward"):
        r = CheckResult(
            status="failed",
            check=check,
            inputs=[InputReport(1, "x1", (2,), "float32", 1, 2, [worst])],
        )
        assert r.render().splitlines()[1:3] == [
            "  input 1 'x1' shape (2,) float32: max abs err 1.0e+00, max rel err 2.0e+00",
            "    at (0,): analytic 0.5, numeric -0.5 (abs err 1.0e+00, rel err 2.0e+00)",
        ]
