"""The failure report of a planted bug, line by line, as a user reads it."""

from __future__ import annotations

import re

import numpy as np
import pytest
from corpus_bugs import TanhSign

from gradkit.check import CheckResult, GradientCheckError, check_backward
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
