"""Every spec of gradkit_ops.math, .comparison and .activation through the runner: cpu and
strict, every declared dtype, forward, first and second order, and device agreement.

One test per op (its cases run together, so a failure lists every failing case with its
report and reproduction command). Also: every exported op carries a spec with a forward check
(a NumPy reference or hand-computed examples), and discovery finds no op without one.
"""

from __future__ import annotations

import importlib

import pytest

from gradkit.testing import OpSpec, Selection, discover, generate_cases, run_cases
from gradkit.testing.spec import specs_of

PACKAGES = ["gradkit_ops.math", "gradkit_ops.comparison", "gradkit_ops.activation"]
SELECTION = Selection(devices=("cpu", "strict"))
BAD_OUTCOMES = {"failed", "error", "xpassed"}


def _exported(package: str) -> list[tuple[str, object]]:
    module = importlib.import_module(package)
    return [(name, getattr(module, name)) for name in module.__all__]


def _targets() -> list:
    exported = {id(op) for package in PACKAGES for _, op in _exported(package)}
    found = discover(*PACKAGES)
    return [t for t in found.targets if id(t.obj) in exported]


TARGETS = _targets()


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_op_has_a_spec_with_a_forward_check(package: str) -> None:
    for name, op in _exported(package):
        specs = specs_of(op)
        assert isinstance(specs, tuple), f"{package}.{name} has no spec"
        for spec in specs:
            assert isinstance(spec, OpSpec)
            assert spec.reference is not None or spec.examples, f"{name}: no forward check"
            assert "forward" in spec.checks and "double_backward" in spec.checks, name


@pytest.mark.parametrize("package", PACKAGES)
def test_discovery_finds_no_op_without_a_spec(package: str) -> None:
    found = discover(package)
    assert found.needs_spec == ()
    # the FunctionNode classes are checked through the wrappers that apply them
    assert all("checked through" in e.reason for e in found.excluded)


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_spec_passes_on_cpu_and_strict(target) -> None:
    cases = generate_cases([target], SELECTION)
    results = list(run_cases(cases))
    assert results, f"no case generated for {target.name}"
    bad = [r for r in results if str(r.outcome) in BAD_OUTCOMES]
    report = "\n\n".join(f"{r.case.id}: {r.outcome}\n{r.verdict}" for r in bad)
    assert not bad, f"{len(bad)} of {len(results)} cases of {target.name} failed:\n{report}"
    checks = {r.case.check for r in results if str(r.outcome) == "passed"}
    assert {"forward", "backward", "double_backward", "device"} <= checks
