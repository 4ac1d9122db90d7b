"""``gradkit check`` on the example library: verdicts, output streams, exit status, jobs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import EXAMPLES, Run

pytestmark = pytest.mark.usefixtures("examples")


def test_the_correct_library_passes(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli("check", "custom_ops", "--devices", "cpu,strict")
    assert run.code == 0
    run.out_lines(
        "*= summary =*",
        "147 cases of 3 ops in * s: 109 passed, 0 failed, 0 nondifferentiable, 38 skipped",
        "skipped:",
        "  28  device strict does not support dtype float16: *",
        "  10  double backward not supported (classic Function)",
        "OK (exit status 0)",
    )
    assert "failures" not in run.out


def test_the_planted_bug_fails_with_its_diagnosis(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli("check", "custom_ops_buggy", "--devices", "cpu", "--dtypes", "float64")
    assert run.code == 1
    run.out_lines(
        "*= failures =*",
        "___ linear-float64-4x3_3x2_2-cpu-backward ___",
        "FAILED backward of LinearFunction (float64, cpu) [[]values[]]: *",
        "  input 1 'x1' shape (3, 2) float64: max abs err *",
        "  diagnosis: constant scale factor 0.25 (analytic = 0.25 x numeric) for input 1 "
        "('x1'); only input 1 ('x1') is wrong; *",
        "  reproduce: gradkit check custom_ops_buggy.linear.LinearFunction --dtypes float64 "
        "--shapes 4x3_3x2_2 --devices cpu --checks backward --seed 0",
        "*= summary =*",
        "6 cases of 1 op in * s: 3 passed, 1 failed, 0 nondifferentiable, 2 skipped",
        "failing:",
        "  linear-float64-4x3_3x2_2-cpu-backward  constant scale factor 0.25 *",
        "FAILED (exit status 1)",
    )
    # A batch of one hides the bug (the mean of one row is its sum): that case passes.
    assert "linear-float64-1x5_5x3_3-cpu-backward" not in run.out


def test_progress_goes_to_stderr_one_line_per_op(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli("check", "custom_ops", "--devices", "cpu", "--checks", "backward")
    run.err_lines(
        "gradkit check: 21 cases of 3 ops (seed 0, this process)",
        "linear   ok      6 passed",
        "logcosh  ok      6 passed",
        "tanh     ok      9 passed",
    )
    assert "gradkit check:" not in run.out and "linear   ok" not in run.out
    quiet = gradkit_cli("check", "custom_ops", "--devices", "cpu", "--checks", "backward", "-q")
    assert quiet.err == "" and quiet.out == run.out.replace(_time(run), _time(quiet))


def _time(run: Run) -> str:
    (line,) = [ln for ln in run.out.splitlines() if " cases of " in ln]
    return line.split(" in ")[1].split(" s:")[0]


def test_every_form_of_target(gradkit_cli: Callable[..., Run]) -> None:
    for target in (
        "custom_ops.activations.Tanh",
        "custom_ops.activations:Tanh",
        "custom_ops.activations",
        "custom_ops",
    ):
        run = gradkit_cli("check", target, "--devices", "cpu", "-k", "tanh and float64", "-q")
        assert run.code == 0, (target, run.err)
        run.out_lines("9 cases of 1 op in * s: 9 passed, *")


def test_at_most_three_reports_per_op_unless_verbose(gradkit_cli: Callable[..., Run]) -> None:
    args = ("check", "custom_ops_buggy", "--devices", "cpu,strict", "--checks", "backward")
    run = gradkit_cli(*args)
    assert run.code == 1 and run.out.count("___ linear-") == 3
    run.out_lines(
        "(2 more failing cases of linear not shown here, listed below; -v shows every report)",
        "failing:",
        "  linear-float16-4x3_3x2_2-cpu-backward *",
    )
    assert run.out.count("\n  linear-") == 5  # every failing case listed in the summary
    assert gradkit_cli(*args, "-v").out.count("___ linear-") == 5


def test_seed_and_hypothesis_options(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli(
        "check", "custom_ops_buggy", "--devices", "cpu", "--dtypes", "float64", "--seed", "3"
    )
    run.out_lines("*reproduce: gradkit check * --seed 3")
    run = gradkit_cli(
        "check", "custom_ops_buggy", "--hypothesis", "10", "-k", "hypothesis and cpu and float64"
    )
    assert run.code == 1
    run.out_lines(
        "___ linear-float64-hypothesis-cpu-backward ___",
        "*diagnosis: constant scale factor *",
        "*reproduce: * --hypothesis 10",
    )


def test_jobs_give_the_same_verdicts(gradkit_cli: Callable[..., Run]) -> None:
    targets = ("custom_ops_buggy", "custom_ops.activations")
    args = ("check", *targets, "--output-format", "json", "-q")
    serial = json.loads(gradkit_cli(*args).out)
    parallel_run = gradkit_cli(*args, "--jobs", "2")
    parallel = json.loads(parallel_run.out)
    assert parallel_run.code == 1

    def verdicts(report: dict) -> list[tuple]:
        return [
            (r["id"], r["outcome"], r["verdict"]["subcheck"], r["verdict"]["diagnosis"])
            for r in report["results"]
        ]

    assert verdicts(parallel) == verdicts(serial)
    assert len(verdicts(serial)) == 66 + 165


def test_the_console_script_and_python_m(gradkit_process: Callable[..., Run]) -> None:
    run = gradkit_process("check", "custom_ops_buggy", "--devices", "cpu", "--dtypes", "float32")
    assert run.code == 1
    run.out_lines("*constant scale factor 0.25*", "FAILED (exit status 1)")
    script = shutil.which("gradkit", path=str(Path(sys.executable).parent))
    assert script is not None
    done = subprocess.run(
        [script, "check", "custom_ops", "--devices", "cpu", "--dtypes", "float32", "-q"],
        cwd=EXAMPLES,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("OK (exit status 0)")
