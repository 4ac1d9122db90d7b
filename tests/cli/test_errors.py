"""Bad input: one clear paragraph on stderr, nothing on stdout, exit status 2, no traceback
(unless ``--traceback``)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import gradkit
from tests.cli.conftest import Run


@pytest.fixture
def project(tmp_path: Path, examples: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with a few broken op modules, as the current directory."""
    files = {
        "needs_dep.py": "import nonexistent_dependency_xyz\n",
        "raises_at_import.py": "x = 1\nraise RuntimeError('the config file is missing')\n",
        "no_ops.py": "VALUE = 3\n",
        "mixed_ops.py": """
            import gradkit
            from gradkit.testing import OpSpec


            class Double(gradkit.FunctionNode):
                def forward(self, inputs):
                    return (inputs[0] * 2,)

                def backward(self, target_input_indexes, grad_outputs):
                    return (grad_outputs[0] * 2,)


            Double.spec = OpSpec(dtypes="float64", devices="cpu")


            class Pool(gradkit.FunctionNode):
                def __init__(self, window):
                    self.window = window

                def forward(self, inputs):
                    return inputs

                def backward(self, target_input_indexes, grad_outputs):
                    return grad_outputs
        """,
        "conv_ops.py": """
            import gradkit


            class Conv(gradkit.FunctionNode):
                def forward(self, inputs):
                    raise ValueError("Conv expects an NCHW input")

                def backward(self, target_input_indexes, grad_outputs):
                    return grad_outputs
        """,
        "syntax_error.py": "import numpy as np\n\ndef f(:\n    pass\n",
        "failing_ops.py": """
            import gradkit
            from gradkit.testing import OpSpec


            class Triple(gradkit.FunctionNode):
                def forward(self, inputs):
                    return (inputs[0] * 3,)

                def backward(self, target_input_indexes, grad_outputs):
                    return (grad_outputs[0] * 2,)  # planted bug: 2 instead of 3


            Triple.spec = OpSpec(dtypes="float64", devices="cpu", checks="backward")


            class Pool(gradkit.FunctionNode):
                def __init__(self, window):
                    self.window = window

                def forward(self, inputs):
                    return inputs

                def backward(self, target_input_indexes, grad_outputs):
                    return grad_outputs
        """,
    }
    for name, source in files.items():
        (tmp_path / name).write_text(textwrap.dedent(source))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _usage_error(run: Run, *patterns: str) -> None:
    assert run.code == 2, run
    assert run.out == ""
    assert "Traceback" not in run.err
    (paragraph,) = run.err.strip().split("\n\n")[:1]
    assert paragraph.startswith("gradkit: error: ")
    run.err_lines(*patterns)


def test_unknown_module_says_did_you_mean(gradkit_cli: Callable[..., Run], examples: Path) -> None:
    run = gradkit_cli("check", "custom_opz")
    _usage_error(
        run,
        "gradkit: error: no module named 'custom_opz' (looking for 'custom_opz'). Did you mean "
        "'custom_ops'*? A TARGET is a module, a package or an op such as mypkg.ops.Tanh*",
    )
    run = gradkit_cli("check", "custom_ops.activashuns")
    _usage_error(run, "*'custom_ops' has no module or attribute 'activashuns'. Did you mean *")


def test_module_failing_to_import_names_the_missing_dependency(
    gradkit_cli: Callable[..., Run], project: Path
) -> None:
    run = gradkit_cli("check", "needs_dep")
    _usage_error(
        run,
        "gradkit: error: module 'needs_dep' could not be imported: it needs the module "
        "'nonexistent_dependency_xyz', which is not installed*",
    )
    run = gradkit_cli("check", "raises_at_import")
    _usage_error(
        run,
        "*module 'raises_at_import' could not be imported: RuntimeError: the config file is "
        "missing (at *raises_at_import.py:2)*",
    )


def test_traceback_shows_where(gradkit_cli: Callable[..., Run], project: Path) -> None:
    run = gradkit_cli("check", "raises_at_import", "--traceback")
    assert run.code == 2 and run.out == ""
    run.err_lines(
        "Traceback (most recent call last):",
        "*raises_at_import.py*line 2*",
        "RuntimeError: the config file is missing",
        "gradkit: error: module 'raises_at_import' could not be imported*",
    )


def test_a_syntax_error_points_at_the_users_file(
    gradkit_cli: Callable[..., Run], project: Path
) -> None:
    run = gradkit_cli("check", "syntax_error")
    _usage_error(
        run,
        "gradkit: error: module 'syntax_error' could not be imported: SyntaxError: invalid "
        f"syntax (at {project / 'syntax_error.py'}:3). Fix the module, then run again.",
    )
    assert "<frozen" not in run.err


def test_object_that_is_not_a_function(gradkit_cli: Callable[..., Run], examples: Path) -> None:
    run = gradkit_cli("check", "custom_ops.linear.linear")
    _usage_error(
        run,
        "gradkit: error: custom_ops.linear.linear is a function without a spec: only Function "
        "and FunctionNode classes are checked without one. Attach a spec to it with "
        "gradkit.testing.op_spec*",
    )
    run = gradkit_cli("check", "os")
    _usage_error(run, "gradkit: error: found no op to check in os: *")


def test_a_file_name_or_an_imported_module_is_not_a_target(
    gradkit_cli: Callable[..., Run], examples: Path
) -> None:
    run = gradkit_cli("check", "custom_ops/linear.py")
    _usage_error(
        run,
        "gradkit: error: custom_ops/linear.py looks like a file name, but a TARGET is a module "
        "name: custom_ops.linear (without the .py, *",
    )
    run = gradkit_cli("check", "custom_ops.linear.gradkit")
    _usage_error(
        run,
        "gradkit: error: custom_ops.linear.gradkit: 'gradkit' in custom_ops.linear is the "
        "module 'gradkit', which custom_ops.linear imports: it is neither one of its ops nor a "
        "submodule. Name custom_ops.linear to check all its ops, or one of them, such as "
        "custom_ops.linear.LinearFunction.",
    )


def test_function_whose_forward_always_raises_needs_a_spec(
    gradkit_cli: Callable[..., Run], project: Path
) -> None:
    run = gradkit_cli("check", "conv_ops")
    assert run.code == 2 and run.out == "" and "Traceback" not in run.err
    run.err_lines(
        "gradkit: error: conv_ops.Conv needs a spec: its forward failed on every probed input "
        "(1 to 3 float inputs of shapes *); the last failure: ValueError: Conv expects an NCHW "
        "input. Attach one next to the op, for example:",
        "    from gradkit.testing import Input, OpSpec",
        "    Conv.spec = OpSpec(",
        "*(see gradkit.testing.OpSpec for every field).",
    )


def test_invalid_names_in_filters(gradkit_cli: Callable[..., Run], examples: Path) -> None:
    cases = {
        ("--dtypes", "flaot32"): "*argument --dtypes: unknown dtype 'flaot32'; the dtypes are "
        "float16, float32, float64. Run 'gradkit check --help' for usage.",
        ("--devices", "tpu"): "*argument --devices: unknown device 'tpu'*",
        ("--checks", "backwards"): "*argument --checks: unknown check 'backwards'*",
        ("--shapes", "3y4"): "*argument --shapes: invalid shape '3y4'*",
        ("--jobs", "0"): "*argument -j/--jobs: expected a number of worker processes >= 1*",
        ("--seed", "-1"): "*argument --seed: the seed must be a non-negative integer*",
        ("--seed", "abc"): "*argument --seed: the seed must be a non-negative integer, e.g. 0; "
        "got 'abc'. Run 'gradkit check --help' for usage.",
        ("--hypothesis", "x"): "*argument --hypothesis: the number of examples must be an "
        "integer >= 0*",
        ("-k", "tanh and"): "invalid -k expression 'tanh and': expected a word*",
    }
    for args, pattern in cases.items():
        _usage_error(gradkit_cli("check", "custom_ops", *args), "gradkit: error: " + pattern)


def test_nothing_selected_is_an_error(gradkit_cli: Callable[..., Run], examples: Path) -> None:
    run = gradkit_cli("check", "custom_ops", "-k", "tahn", "--dtypes", "float64")
    _usage_error(
        run,
        "gradkit: error: no case selected: of the 231 cases of 3 ops in custom_ops, none "
        "matches --dtypes float64 -k 'tahn'. 'gradkit list custom_ops' shows the ops*",
    )


@pytest.mark.skipif(gradkit.gpu_available(), reason="a GPU is available here")
def test_unavailable_device(gradkit_cli: Callable[..., Run], examples: Path) -> None:
    run = gradkit_cli("check", "custom_ops", "--devices", "cpu,gpu")
    _usage_error(
        run,
        "gradkit: error: --devices cpu,gpu: device 'gpu' is not available: CuPy is not "
        "installed or sees no CUDA device. *Leave it out of --devices, or run where it is "
        "available*",
    )


def test_usage_errors_of_the_command_line(gradkit_cli: Callable[..., Run]) -> None:
    _usage_error(gradkit_cli(), "gradkit: error: the following arguments are required: COMMAND*")
    _usage_error(gradkit_cli("chek", "x"), "gradkit: error: argument COMMAND: invalid choice*")
    _usage_error(
        gradkit_cli("check"), "gradkit: error: the following arguments are required: TARGET*"
    )


def test_two_ops_with_one_name(gradkit_cli: Callable[..., Run], examples: Path) -> None:
    run = gradkit_cli("check", "custom_ops", "custom_ops_buggy")
    _usage_error(
        run,
        "gradkit: error: two ops would both be named 'linear' in case ids: "
        "custom_ops*.linear.LinearFunction and custom_ops*.linear.LinearFunction. Give one of "
        "them a distinct name*",
    )


def test_version_and_help(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli("--version")
    assert run.code == 0 and run.out == f"gradkit {gradkit.__version__}\n"
    run = gradkit_cli("check", "--help")
    assert run.code == 0
    run.out_lines(
        "usage: gradkit check *",
        "selection (the same options as pytest's --gradkit-*):",
        "  --dtypes DTYPES *",
        "  -k EXPR, --keyword EXPR",
        "exit status: 0 every selected check passed; 1 at least one failed; 2 usage or",
    )


def test_an_op_that_needs_a_spec_beside_checked_ones(
    gradkit_cli: Callable[..., Run], project: Path
) -> None:
    run = gradkit_cli("check", "mixed_ops")
    assert run.code == 2  # the others pass, but an op went unchecked
    run.err_lines("gradkit check: * cases of 1 op *", "not checked: mixed_ops.Pool needs a spec *")
    run.out_lines(
        "*= ops that need a spec =*",
        "mixed_ops.Pool needs a spec: its constructor needs arguments (window). Attach one *",
        "*= summary =*",
        "2 cases of 1 op in * s: 2 passed, 0 failed, 0 nondifferentiable, 0 skipped",
        "needing a spec (1, not checked):",
        "  mixed_ops.Pool",
        "INCOMPLETE: 1 op needs a spec (exit status 2)",
    )
    listing = gradkit_cli("list", "mixed_ops")
    assert listing.code == 2
    listing.out_lines(
        "double  mixed_ops.Double", "needing a spec (1):", "mixed_ops.Pool needs a spec*"
    )


def test_failures_take_precedence_over_an_op_that_needs_a_spec(
    gradkit_cli: Callable[..., Run], project: Path
) -> None:
    """Exit status 1, not 2: "incomplete" must not hide a wrong gradient; the report still
    says which op went unchecked, with a spec to start from."""
    run = gradkit_cli("check", "failing_ops")
    assert run.code == 1
    run.out_lines(
        "___ triple-float64-3x4-cpu-backward ___",
        "*= ops that need a spec =*",
        "failing_ops.Pool needs a spec: its constructor needs arguments (window). Attach one *",
        '        kwargs={"window": ...},  # the constructor*',
        "*= summary =*",
        "1 case of 1 op in * s: 0 passed, 1 failed, 0 nondifferentiable, 0 skipped",
        "failing:",
        "  triple-float64-3x4-cpu-backward  *",
        "needing a spec (1, not checked):",
        "  failing_ops.Pool",
        "FAILED, and INCOMPLETE: 1 op needs a spec (exit status 1)",
    )
    run.err_lines("gradkit check: 1 case of 1 op (seed 0, this process)")
    document = json.loads(gradkit_cli("check", "failing_ops", "--output-format", "json").out)
    assert document["summary"]["exit_code"] == 1
    assert [n["path"] for n in document["needs_spec"]] == ["failing_ops.Pool"]
