"""The output formats of ``gradkit check``: JSON, JUnit XML and GitHub annotations."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from gradkit.cli.formats.github import escape_data, escape_property
from tests.cli.conftest import Run

pytestmark = pytest.mark.usefixtures("examples")

BUGGY = ("check", "custom_ops_buggy", "--devices", "cpu,strict", "--dtypes", "float32,float64")


def test_json_on_stdout_text_on_stderr(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli(*BUGGY, "--output-format", "json")
    assert run.code == 1
    report = json.loads(run.out)
    summary = report["summary"]
    assert report["targets"] == ["custom_ops_buggy"]
    assert report["options"]["devices"] == ["cpu", "strict"]
    assert (summary["cases"], summary["failed"], summary["exit_code"]) == (28, 4, 1)
    assert summary["passed"] + summary["failed"] + summary["skipped"] == 28
    failing = [r for r in report["results"] if r["outcome"] == "failed"]
    assert {r["id"] for r in failing} == {
        f"linear-{d}-4x3_3x2_2-{v}-backward"
        for d in ("float32", "float64")
        for v in ("cpu", "strict")
    }
    verdict = failing[0]["verdict"]
    assert verdict["subcheck"] == "values" and "scale factor 0.25" in verdict["diagnosis"]
    assert verdict["inputs"][1]["worst"][0]["rel_err"] == pytest.approx(0.75, abs=1e-3)
    assert failing[0]["repro"].startswith("gradkit check custom_ops_buggy.linear.LinearFunction")
    run.err_lines("gradkit check: 28 cases *", "*= failures =*", "FAILED (exit status 1)")


def test_junit_document_and_file(gradkit_cli: Callable[..., Run], tmp_path: Path) -> None:
    path = tmp_path / "reports" / "gradkit.xml"
    run = gradkit_cli(*BUGGY, "--output-format", "junit", "--junit-xml", str(path))
    assert run.code == 1
    for text in (run.out, path.read_text()):
        root = ET.fromstring(text)
        assert root.tag == "testsuites"
        assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("28", "4", "0")
        (suite,) = root
        assert suite.get("name") == "custom_ops_buggy.linear.LinearFunction"
        cases = {case.get("name"): case for case in suite}
        failing = cases["linear-float32-4x3_3x2_2-strict-backward"]
        assert failing.get("file") == "custom_ops_buggy/linear.py"
        assert failing.get("line") == "15"
        (failure,) = failing.findall("failure")
        assert failure.get("type") == "values"
        assert failure.get("message").startswith("FAILED backward of LinearFunction")
        assert "diagnosis: constant scale factor 0.25" in failure.text
        skipped = cases["linear-float32-4x3_3x2_2-cpu-double_backward"].find("skipped")
        assert skipped.get("message") == "double backward not supported (classic Function)"
        assert cases["linear-float64-1x5_5x3_3-cpu-backward"].find("failure") is None


def test_github_annotations_point_at_the_backward(
    gradkit_cli: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    step_summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    run = gradkit_cli(*BUGGY, "--output-format", "github", "-q")
    assert run.code == 1
    annotations = [line for line in run.out.splitlines() if line.startswith("::")]
    assert len(annotations) == 1  # one per failing op
    (line,) = annotations
    head, message = line.split("::", 2)[1:]
    assert head == (
        "error file=custom_ops_buggy/linear.py,line=15,"
        "title=gradkit%3A LinearFunction fails 4 cases"
    )
    assert "\n" not in message
    message = message.replace("%0A", "\n").replace("%25", "%")
    assert message.startswith("FAILED backward of LinearFunction (float32, cpu) [values]")
    assert "diagnosis: constant scale factor 0.25" in message
    assert message.splitlines()[-1] == (
        "also failing: linear-float32-4x3_3x2_2-strict-backward, "
        "linear-float64-4x3_3x2_2-cpu-backward, linear-float64-4x3_3x2_2-strict-backward"
    )
    run.out_lines("*= failures =*", "FAILED (exit status 1)")  # and the text report follows
    summary = step_summary.read_text()
    assert "### gradkit check" in summary and "| failed | 4 |" in summary


def test_github_output_of_a_passing_run_has_no_annotation(
    gradkit_cli: Callable[..., Run],
) -> None:
    run = gradkit_cli("check", "custom_ops", "--devices", "cpu", "--output-format", "github")
    assert run.code == 0 and "::error" not in run.out


def test_workflow_command_escaping() -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a: b, c") == "a%3A b%2C c"


RAISES = """
import gradkit
from gradkit.testing import OpSpec


class Broken(gradkit.FunctionNode):
    def forward(self, inputs):
        return (inputs[0] * 2,)

    def backward(self, target_input_indexes, grad_outputs):
        return (grad_outputs[0] @ grad_outputs[0],)  # raises: 2-d by 2-d of shape (3, 4)


Broken.spec = OpSpec(dtypes="float64", devices="cpu", checks="backward", shapes=[(3, 4)])
"""


@pytest.fixture
def raising_op(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A module whose op raises in backward, in the current directory."""
    path = tmp_path / "raising_ops.py"
    path.write_text(RAISES)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "raising_ops", raising=False)  # this test's file
    return path


def test_an_error_report_names_the_line_and_traceback_adds_the_traceback(
    gradkit_cli: Callable[..., Run], raising_op: Path
) -> None:
    line = 1 + RAISES.splitlines().index(
        "        return (grad_outputs[0] @ grad_outputs[0],)  # raises: 2-d by 2-d of shape (3, 4)"
    )
    plain = gradkit_cli("check", "raising_ops")
    assert plain.code == 1
    assert f"(at {raising_op}:{line} in Broken.backward)" in plain.out
    assert "Traceback (most recent call last)" not in plain.out + plain.err
    traced = gradkit_cli("check", "raising_ops", "--traceback")
    assert traced.code == 1
    report, _, rest = traced.out.partition("Traceback (most recent call last):")
    assert "ERROR backward of Broken" in report
    assert f'File "{raising_op}", line {line}, in backward' in rest
    assert "ValueError: matmul: Input operand 1 has a mismatch" in rest


def test_json_and_junit_carry_the_traceback_of_an_error(
    gradkit_cli: Callable[..., Run], raising_op: Path
) -> None:
    document = json.loads(gradkit_cli("check", "raising_ops", "--output-format", "json").out)
    (case,) = [c for c in document["results"] if c["outcome"] == "error"]
    assert f'File "{raising_op}"' in case["verdict"]["traceback"]
    root = ET.fromstring(gradkit_cli("check", "raising_ops", "--output-format", "junit").out)
    (error,) = root.iter("error")
    assert f'File "{raising_op}"' in error.text
