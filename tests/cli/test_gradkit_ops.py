"""End to end on the standard op library, as its CI runs it, on a small subset of the ops."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from tests.cli.conftest import Run

ROOT = Path(__file__).resolve().parents[2]

#: In a fresh interpreter, as ``gradkit check PATH`` starts: resolve each path of stdin
#: (``{path: [op names]}``) and print the problems. The paths outside gradkit_ops go first:
#: importing gradkit_ops attaches every spec, so they must resolve with their specs before.
RESOLVE = textwrap.dedent(
    """
    import json, sys
    from gradkit.testing import DiscoveryError, resolve
    from gradkit.testing.target import targets_of

    wanted = json.load(sys.stdin)
    problems = []
    for path in sorted(wanted, key=lambda p: p.split(".")[0] == "gradkit_ops"):
        try:
            names = {t.name for t in targets_of(resolve(path))}
        except DiscoveryError as error:
            problems.append(f"{path}: {error}")
            continue
        if not set(wanted[path]) <= names:
            problems.append(f"{path}: resolves to the specs {sorted(names)}, not {wanted[path]}")
    print(json.dumps(problems, indent=1))
    """
)


def test_every_listed_and_reproduce_path_resolves_to_its_op() -> None:
    """The path of every op of ``gradkit list gradkit_ops``, and of every reproduce command,
    names the op *with its spec* in a fresh process (the engine's arithmetic gets its spec in
    gradkit_ops, not in gradkit.arithmetic): target resolution only, no check is run."""
    from gradkit.testing import discover, generate_cases
    from gradkit.testing.runner import repro_command

    found = discover("gradkit_ops")
    wanted: dict[str, set[str]] = {}
    for target in found.targets:
        wanted.setdefault(target.path, set()).add(target.name)
    reproduced: set[str] = set()
    for case in generate_cases(found.targets):
        if case.target.name not in reproduced:
            reproduced.add(case.target.name)
            command = shlex.split(repro_command(case))
            assert command[:2] == ["gradkit", "check"]
            wanted.setdefault(command[2], set()).add(case.target.name)
    assert reproduced == {t.name for t in found.targets}
    done = subprocess.run(
        [sys.executable, "-c", RESOLVE],
        input=json.dumps({path: sorted(names) for path, names in wanted.items()}),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout) == []
    assert {t.path for t in found.targets if t.name == "matmul"} == {
        "gradkit_ops.math.arithmetic.matmul"
    }


def test_the_engines_own_path_of_an_op_says_which_path_works(
    gradkit_process: Callable[..., Run],
) -> None:
    args = ["--dtypes", "float64", "--shapes", "3x4_4x2", "--devices", "cpu", "--checks"]
    args += ["backward", "--seed", "0"]
    run = gradkit_process("check", "gradkit.arithmetic.matmul.matmul", *args, cwd=ROOT)
    assert run.code == 2 and run.out == "" and "Traceback" not in run.err
    run.err_lines(
        "gradkit: error: gradkit.arithmetic.matmul.matmul is a function without a spec here: "
        "its spec is attached by gradkit_ops.math.arithmetic, which re-exports it (importing "
        "gradkit.arithmetic.matmul does not attach it). Name it "
        "gradkit_ops.math.arithmetic.matmul instead."
    )
    run = gradkit_process("check", "gradkit_ops.math.arithmetic.matmul", *args, cwd=ROOT)
    assert run.code == 0, run.err
    run.out_lines("1 case of 1 op in * s: 1 passed, 0 failed, 0 nondifferentiable, 0 skipped")


def test_a_subset_of_gradkit_ops_passes_with_two_workers(
    gradkit_process: Callable[..., Run], tmp_path: Path
) -> None:
    xml = tmp_path / "gradkit-check.xml"
    run = gradkit_process(
        "check",
        "gradkit_ops",
        "--devices",
        "cpu,strict",
        "-k",
        "tanh or matmul",
        "--jobs",
        "2",
        "--junit-xml",
        str(xml),
        cwd=ROOT,
    )
    assert run.code == 0, run.out[-3000:] + run.err[-3000:]
    run.err_lines("gradkit check: * cases of * ops (seed 0, 2 worker processes)", "tanh  *ok  *")
    run.out_lines("* cases of * ops in * s: * passed, 0 failed, 0 nondifferentiable, * skipped")
    root = ET.parse(xml).getroot()
    assert int(root.get("tests")) > 100
    assert (root.get("failures"), root.get("errors")) == ("0", "0")
    assert "gradkit_ops.math.hyperbolic.tanh" in {suite.get("name") for suite in root}


def test_a_closed_pipe_is_not_a_crash() -> None:
    done = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m gradkit list gradkit_ops --ids | head -n 1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr == ""
