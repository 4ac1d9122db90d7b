"""The pytest plugin as its users run it: pytester sessions, checked on their real output.

Each test writes a tiny op library (``myops``) and a test module or ini file next to it, runs
pytest on them and matches the output with ``fnmatch_lines``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import gradkit

# Loaded here, in the outer session: pytester's in-process runs forget the modules they import,
# and two copies of the engine would not recognize each other's Variables.
import gradkit.cli.check
import gradkit.testing.discovery
import gradkit.testing.runner
import gradkit.testing.strategies

pytest_plugins = ["pytester"]

OPS = """
    import numpy as np
    import gradkit
    from gradkit.testing import OpSpec


    class Square(gradkit.FunctionNode):
        def forward(self, inputs):
            self.retain_inputs((0,))
            return (inputs[0] * inputs[0],)

        def backward(self, target_input_indexes, grad_outputs):
            (x,) = self.get_retained_inputs()
            return (2 * x * grad_outputs[0],)


    Square.spec = OpSpec(
        dtypes=["float32", "float64"], devices=["cpu"], checks=["backward"], shapes=[(3, 4)]
    )


    class Cube(gradkit.FunctionNode):
        def forward(self, inputs):
            self.retain_inputs((0,))
            return (inputs[0] ** 3,)

        def backward(self, target_input_indexes, grad_outputs):
            (x,) = self.get_retained_inputs()
            return (3 * x * x * grad_outputs[0]{bug},)


    Cube.spec = OpSpec(
        dtypes=["float64"], devices=["cpu", "gpu"], checks=["backward"], shapes=[(3, 4)]
    )
"""

SUITE = """
    from gradkit.testing.suite import CheckSuite

    ops = CheckSuite("myops")
"""

SQUARE_IDS = ["square-float32-3x4-cpu-backward", "square-float64-3x4-cpu-backward"]
CUBE_IDS = ["cube-float64-3x4-cpu-backward", "cube-float64-3x4-gpu-backward"]

no_gpu = pytest.mark.skipif(gradkit.gpu_available(), reason="a GPU is available here")


@pytest.fixture
def ops(pytester: pytest.Pytester) -> pytest.Pytester:
    """A correct ``myops`` and a test module holding a suite of it."""
    pytester.makepyfile(myops=textwrap.dedent(OPS).replace("{bug}", ""))
    pytester.makepyfile(test_ops=textwrap.dedent(SUITE))
    pytester.syspathinsert()
    return pytester


@pytest.fixture
def buggy_ops(pytester: pytest.Pytester) -> pytest.Pytester:
    """``myops`` whose Cube backward is off by a factor 2, and a suite of it."""
    pytester.makepyfile(myops=textwrap.dedent(OPS).replace("{bug}", " * 2"))
    pytester.makepyfile(test_ops=textwrap.dedent(SUITE))
    pytester.syspathinsert()
    return pytester


# ----------------------------------------------------------------------------- loading
def test_the_plugin_imports_only_pytest_at_load() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import gradkit.pytest_plugin"],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    top = {name.split(".")[0] for name in loaded}
    assert "gradkit.pytest_plugin" in loaded and "pytest" in top
    assert not top & {"numpy", "cupy", "gradkit_ops", "hypothesis", "array_api_strict"}
    # gradkit's own modules at load: the package's light init (config, exceptions), nothing of
    # the engine, the checker or gradkit.testing.
    own = {n for n in loaded if n.split(".")[0] == "gradkit"}
    assert own <= {"gradkit", "gradkit.config", "gradkit.exceptions", "gradkit.pytest_plugin"}


def test_a_project_that_does_not_use_gradkit_gets_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="""
        import sys

        def test_plain():
            heavy = {"numpy", "cupy", "gradkit_ops", "gradkit.testing.discovery"}
            assert not heavy & set(sys.modules), heavy & set(sys.modules)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["plugins:*gradkit-*"])


def test_help_lists_the_shared_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "gradkit: gradient checks of ops:",
            "*--gradkit-dtypes=DTYPES",
            "*comma-separated dtypes to check*",
            "*--gradkit-devices=DEVICES*",
            "*--gradkit-shapes=SHAPES*",
            "*--gradkit-checks=CHECKS*",
            "*--gradkit-seed=N*",
            "*--gradkit-hypothesis=N*",
            "*--gradkit-require-gpu*",
            "*gradkit_targets (linelist):*",
        ]
    )
    assert "--gradkit-keyword" not in result.stdout.str()  # -k is pytest's own


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.gpu: needs CuPy*", "@pytest.mark.slow:*", "@pytest.mark.gradkit(*targets*"]
    )


def test_a_typo_in_an_option_is_a_usage_error(ops: pytest.Pytester) -> None:
    result = ops.runpytest("--gradkit-dtypes", "flaot32")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gradkit-dtypes: unknown dtype 'flaot32'; the dtypes are*"])


@no_gpu
def test_an_unavailable_device_asked_for_is_a_usage_error(ops: pytest.Pytester) -> None:
    """As with gradkit check --devices: asking for the GPU where there is none must not pass
    by skipping every case."""
    for devices in ("gpu", "cpu,gpu"):
        result = ops.runpytest("--gradkit-devices", devices)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(
            [
                f"ERROR: --gradkit-devices {devices}: device 'gpu' is not available: CuPy is not "
                "installed or sees no CUDA device. * Leave it out of --gradkit-devices, or run "
                "where it is available (without --gradkit-devices, cases on devices that are "
                "missing here are reported as skipped)."
            ]
        )
        assert "passed" not in result.stdout.str() and "skipped" not in result.stdout.str()
    result = ops.runpytest("--gradkit-devices", "tpu")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --gradkit-devices: unknown device 'tpu'*"])


# ----------------------------------------------------------------------------- a suite
@no_gpu
def test_a_suite_gives_one_item_per_case(ops: pytest.Pytester) -> None:
    result = ops.runpytest("-v", "-rs")
    result.stdout.fnmatch_lines(
        [
            "test_ops.py::ops::cube-float64-3x4-cpu-backward PASSED*",
            "test_ops.py::ops::cube-float64-3x4-gpu-backward SKIPPED*",
            "test_ops.py::ops::square-float32-3x4-cpu-backward PASSED*",
            "test_ops.py::ops::square-float64-3x4-cpu-backward PASSED*",
            "SKIPPED [[]1[]] myops.py:*: device 'gpu' is not available: CuPy is not installed*",
        ]
    )
    result.assert_outcomes(passed=3, skipped=1)


def test_ids_are_the_clis(ops: pytest.Pytester) -> None:
    from gradkit.cli import main

    result = ops.runpytest("--collect-only", "-q")
    collected = [line.split("::")[-1] for line in result.outlines if "::" in line]
    assert collected == CUBE_IDS + SQUARE_IDS
    assert main(["list", "myops", "--ids"]) == 0


def test_failing_case_reports_the_checkers_report(buggy_ops: pytest.Pytester) -> None:
    result = buggy_ops.runpytest("--gradkit-devices", "cpu")
    result.stdout.fnmatch_lines(
        [
            "*_ cube-float64-3x4-cpu-backward _*",
            "FAILED backward of Cube (float64, cpu) [[]values[]]: *",
            "  input 0 'x0' shape (3, 4) float64: max abs err *",
            "    at (*): analytic *, numeric *",
            "  diagnosis: constant scale factor 2 (analytic = 2 x numeric)*",
            "  reproduce: gradkit check myops.Cube --dtypes float64 --shapes 3x4 --devices cpu "
            "--checks backward --seed 0",
            "FAILED test_ops.py::ops::cube-float64-3x4-cpu-backward - FAILED backward of C*",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    result.assert_outcomes(passed=2, failed=1)


def test_the_reproduction_command_reproduces(
    buggy_ops: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    from gradkit.cli import main

    result = buggy_ops.runpytest("--gradkit-devices", "cpu", "--gradkit-seed", "7")
    # One reproduction command (the summary repeats it in full where CI=true is set).
    (line,) = {ln for ln in result.outlines if ln.startswith("  reproduce: ")}
    command = line.removeprefix("  reproduce: ").split()
    assert command[:2] == ["gradkit", "check"] and command[-2:] == ["--seed", "7"]
    capsys.readouterr()
    assert main([*command[1:], "-q"]) == 1
    out = capsys.readouterr().out
    assert "___ cube-float64-3x4-cpu-backward ___" in out
    assert "constant scale factor 2" in out


def test_command_line_options_and_k_select_cases(ops: pytest.Pytester) -> None:
    result = ops.runpytest(
        "-v", "--gradkit-dtypes", "float32", "--gradkit-checks", "backward", "-k", "square"
    )
    result.stdout.fnmatch_lines(["*::square-float32-3x4-cpu-backward PASSED*"])
    # The gradkit options select at generation, as the CLI does; -k deselects.
    result.assert_outcomes(passed=1)
    result = ops.runpytest("-q", "-k", "square-float64-3x4-cpu-backward")
    result.assert_outcomes(passed=1, deselected=3)


def test_hypothesis_option_adds_hypothesis_cases(ops: pytest.Pytester) -> None:
    result = ops.runpytest(
        "-v", "--gradkit-hypothesis", "5", "--gradkit-devices", "cpu", "-k", "square"
    )
    result.stdout.fnmatch_lines(["*::square-float32-hypothesis-cpu-backward PASSED*"])
    result.assert_outcomes(passed=4, deselected=2)  # cube's two


@no_gpu
def test_require_gpu_turns_the_gpu_skip_into_a_failure(ops: pytest.Pytester) -> None:
    result = ops.runpytest("--gradkit-require-gpu", "-m", "gpu")
    result.stdout.fnmatch_lines(
        ["ERROR backward of Cube (float64, gpu): a GPU is required: device 'gpu'*"]
    )
    result.assert_outcomes(failed=1, deselected=3)


def test_xdist_runs_the_same_items(buggy_ops: pytest.Pytester) -> None:
    serial = buggy_ops.runpytest("-q", "-p", "no:cacheprovider")
    parallel = buggy_ops.runpytest("-q", "-n", "2", "-p", "no:cacheprovider")
    parallel.stdout.fnmatch_lines(["[[]gw?[]] *", "*1 failed, 2 passed, 1 skipped*"])
    assert serial.parseoutcomes() == parallel.parseoutcomes()


def test_last_failed_reruns_the_failing_case(buggy_ops: pytest.Pytester) -> None:
    buggy_ops.runpytest("-q")
    result = buggy_ops.runpytest("-v", "--lf")
    result.stdout.fnmatch_lines(["run-last-failure: rerun previous 1 failure*"])
    result.stdout.fnmatch_lines(["*::cube-float64-3x4-cpu-backward FAILED*"])
    result.assert_outcomes(failed=1, deselected=3)


def test_a_suite_naming_an_unknown_module_is_a_collection_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_ops="""
        from gradkit.testing.suite import CheckSuite

        ops = CheckSuite("myopz_not_there")
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(
        ["*ERROR collecting test_ops.py*", "*no module named 'myopz_not_there'*"]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED


NOT_ON_PATH = (
    "no module named 'myops' on sys.path{looking}: myops.py is in {where}, but that directory "
    "is not on sys.path, and plain pytest does not add the current directory as python -m "
    'pytest does. Add pythonpath = ["."] to [tool.pytest.ini_options] in pyproject.toml '
    "(pythonpath = . under [pytest] in pytest.ini), run python -m pytest, or install the "
    "package (pip install -e .)."
)


def test_a_project_module_off_sys_path_says_how_to_put_it_there(
    pytester: pytest.Pytester,
) -> None:
    """Plain pytest (no current directory on sys.path) on a project whose ops sit next to its
    tests/ folder: the messages name the right module and the three ways to fix it."""
    pytester.makepyfile(myops=textwrap.dedent(OPS).replace("{bug}", ""))
    tests = pytester.mkdir("tests")
    (tests / "test_suite.py").write_text(textwrap.dedent(SUITE))
    (tests / "test_mark.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.gradkit("myops.Square", devices="cpu")
            def test_square(gradcase):
                gradcase.assert_ok()
            """
        )
    )
    pytester.makeini("[pytest]\n")

    def pytest_run(*args: str, current_directory: bool = False) -> pytest.RunResult:
        # As the pytest script runs it: -P keeps the current directory off sys.path, and so
        # does a PYTHONPATH without it (pytester's own run() would add it there).
        python = [sys.executable] if current_directory else [sys.executable, "-P"]
        command = [*python, "-m", "pytest", "-p", "no:cacheprovider", *args]
        paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
        kept = os.pathsep.join(p for p in paths if p not in ("", "."))
        env = {**os.environ, "PYTHONPATH": kept}
        done = subprocess.run(
            command, cwd=pytester.path, env=env, capture_output=True, text=True, timeout=300
        )
        out, err = done.stdout.splitlines(), done.stderr.splitlines()
        return pytest.RunResult(done.returncode, out, err, 0.0)

    result = pytest_run("tests/test_suite.py")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    where = pytester.path
    result.stdout.fnmatch_lines(
        ["tests/test_suite.py::ops: " + NOT_ON_PATH.format(looking="", where=where)]
    )
    assert "Did you mean" not in result.stdout.str()
    result = pytest_run("tests/test_mark.py")
    looking = " (looking for 'myops.Square')"
    result.stdout.fnmatch_lines(
        ["tests/test_mark.py::test_square: " + NOT_ON_PATH.format(looking=looking, where=where)]
    )
    # Each fix works: the pythonpath ini option, or python -m pytest.
    pytester.makeini("[pytest]\npythonpath = .\n")
    pytest_run("tests", "--gradkit-devices", "cpu").assert_outcomes(passed=5)
    pytester.makeini("[pytest]\n")
    pytest_run("tests", "--gradkit-devices", "cpu", current_directory=True).assert_outcomes(
        passed=5
    )


def test_a_suite_of_an_op_that_needs_a_spec_says_how_to_write_one(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_ops="""
        import gradkit
        from gradkit.testing.suite import CheckSuite

        class Conv(gradkit.FunctionNode):
            def forward(self, inputs):
                raise ValueError("needs an NCHW input")

            def backward(self, target_input_indexes, grad_outputs):
                return grad_outputs

        ops = CheckSuite(__name__)
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(
        [
            "*test_ops.Conv needs a spec: its forward failed on every probed input*",
            "*Conv.spec = OpSpec(*",
        ]
    )


# ----------------------------------------------------------------------------- ini option
def test_ini_targets_need_no_test_file(ops: pytest.Pytester) -> None:
    (ops.path / "test_ops.py").unlink()
    ops.makeini("[pytest]\ngradkit_targets = myops\n")
    result = ops.runpytest("-v", "--gradkit-devices", "cpu")
    result.stdout.fnmatch_lines(
        [
            "gradkit_targets::cube-float64-3x4-cpu-backward PASSED*",
            "gradkit_targets::square-float32-3x4-cpu-backward PASSED*",
            "gradkit_targets::square-float64-3x4-cpu-backward PASSED*",
        ]
    )
    result.assert_outcomes(passed=3)


def test_ini_targets_stay_out_of_a_run_restricted_to_files(ops: pytest.Pytester) -> None:
    ops.makeini("[pytest]\ngradkit_targets = myops\n")
    ops.makepyfile(test_other="def test_other():\n    pass\n")
    result = ops.runpytest("-q", "test_other.py")
    result.assert_outcomes(passed=1)
    result = ops.runpytest("-q", ".", "--gradkit-devices", "cpu", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)  # the suite's 3, the ini's 3 and test_other


# ----------------------------------------------------------------------------- gradcase
GRADCASE_TESTS = """
    import numpy as np
    import pytest


    @pytest.mark.gradkit("myops.Square", devices="cpu")
    def test_square(gradcase):
        (x,) = gradcase.variables()
        y = gradcase.function()(x)
        y.grad = np.ones_like(y.array)
        y.backward()
        np.testing.assert_allclose(x.grad, 2 * x.array)
        assert gradcase.assert_ok().outcome.value == "passed"


    @pytest.mark.gradkit("myops.Cube")
    def test_cube(gradcase):
        gradcase.assert_ok()


    def test_unmarked(gradcase):
        pass
"""


@no_gpu
def test_gradcase_runs_a_test_per_case(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(myops=textwrap.dedent(OPS).replace("{bug}", " * 2"))
    pytester.makepyfile(test_own=textwrap.dedent(GRADCASE_TESTS))
    pytester.syspathinsert()
    result = pytester.runpytest("-v", "-rs")
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_own.py*",
            "*test_own.py::test_unmarked uses the gradcase fixture but has no "
            "@pytest.mark.gradkit(TARGET, ...)*",
        ]
    )
    (pytester.path / "test_own.py").write_text(
        textwrap.dedent(GRADCASE_TESTS).split("\n\n\ndef test_unmarked")[0] + "\n"
    )
    result = pytester.runpytest("-v", "-rs")
    result.stdout.fnmatch_lines(
        [
            "test_own.py::test_square[[]square-float32-3x4-cpu-backward[]] PASSED*",
            "test_own.py::test_square[[]square-float64-3x4-cpu-backward[]] PASSED*",
            "test_own.py::test_cube[[]cube-float64-3x4-cpu-backward[]] FAILED*",
            "test_own.py::test_cube[[]cube-float64-3x4-gpu-backward[]] SKIPPED*",
            "*diagnosis: constant scale factor 2*",
            "SKIPPED [[]1[]] *: device 'gpu' is not available*",
        ]
    )
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result = pytester.runpytest("-q", "-m", "gpu", "--gradkit-require-gpu")
    result.stdout.fnmatch_lines(["*a GPU is required (--gradkit-require-gpu)*"])
    result.assert_outcomes(errors=1, deselected=3)
