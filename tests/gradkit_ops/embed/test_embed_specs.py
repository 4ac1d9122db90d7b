"""Every op of gradkit_ops.embed has specs, and every spec passes the runner: all
declared dtypes, first and second order, on cpu and strict (until the CLI and the plugin run
them)."""

from __future__ import annotations

import pytest

import gradkit_ops.embed as category
from gradkit.testing import Selection, discover, generate_cases, run_cases
from gradkit.testing.spec import specs_of

EXPORTED = {name: getattr(category, name) for name in category.__all__}
TARGETS = [t for t in discover(category).targets if any(t.obj is op for op in EXPORTED.values())]


@pytest.mark.parametrize("name", sorted(EXPORTED))
def test_every_op_has_a_spec_with_a_forward_check(name: str) -> None:
    specs = specs_of(EXPORTED[name])
    assert isinstance(specs, tuple), f"{name} is exported without a spec"
    for spec in specs:
        assert spec.reference is not None or spec.examples, f"{spec.name} has no forward check"
        assert "forward" in spec.checks, f"{spec.name} skips its forward check"


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_spec_passes_the_runner(target) -> None:
    cases = generate_cases([target], Selection(devices=("cpu", "strict")))
    results = list(run_cases(cases))
    assert results
    bad = [r for r in results if not r.ok]
    assert not bad, f"{len(bad)} of {len(results)} cases fail:\n\n" + "\n\n".join(
        r.render() for r in bad[:3]
    )
