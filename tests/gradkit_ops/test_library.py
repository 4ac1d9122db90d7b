"""The op library as a whole, generated from its specs (no test written per op or category):
every exported op carries specs with a forward check, discovery finds every op with nothing
left needing a spec, and every spec passes the runner on cpu and strict, in every declared
dtype, forward, first and second order and device agreement."""

from __future__ import annotations

import pytest

import gradkit_ops
from gradkit.testing import OpSpec, Selection, Unchecked, discover, generate_cases, run_cases
from gradkit.testing.spec import specs_of

FOUND = discover(gradkit_ops, probe_missing=False)
TARGETS = FOUND.targets
#: Elementwise categories: every one of their ops is differentiable twice.
TWICE_DIFFERENTIABLE = ("math", "comparison", "activation")


@pytest.mark.parametrize("name", gradkit_ops.__all__)
def test_every_exported_op_has_a_spec_with_a_forward_check(name: str) -> None:
    """An op exported without a spec, or with a spec that never checks forward values
    against a reference or hand-computed examples, fails here."""
    specs = specs_of(getattr(gradkit_ops, name))
    assert isinstance(specs, tuple), f"gradkit_ops.{name} is exported without an OpSpec"
    for spec in specs:
        assert spec.reference is not None or spec.examples, (
            f"spec {spec.name!r} of gradkit_ops.{name} has neither reference= nor examples="
        )
        assert "forward" in spec.checks, f"spec {spec.name!r} skips its forward check"


@pytest.mark.parametrize("category", TWICE_DIFFERENTIABLE)
def test_elementwise_ops_check_their_double_backward(category: str) -> None:
    module = getattr(gradkit_ops, category)
    for name in module.__all__:
        for spec in specs_of(getattr(module, name)):
            assert "double_backward" in spec.checks, f"{spec.name} skips double backward"


def test_discovery_finds_the_whole_library_without_missing_specs() -> None:
    """Every Function/FunctionNode in gradkit_ops has a spec or says where it is checked."""
    assert not FOUND.needs_spec, [t.path for t in FOUND.needs_spec]
    assert all(e.reason for e in FOUND.excluded)
    names = {t.obj for t in TARGETS}
    for name in gradkit_ops.__all__:
        assert getattr(gradkit_ops, name) in names, f"discovery misses gradkit_ops.{name}"


def test_no_category_is_named_like_an_op() -> None:
    """An op named like its category would shadow the category as gradkit_ops.<name>."""
    for category in gradkit_ops.CATEGORIES:
        short = category.__name__.rpartition(".")[2]
        assert short not in gradkit_ops.__all__, f"category {short!r} is also an op's name"
        assert getattr(gradkit_ops, short) is category


def test_a_spec_free_export_would_be_caught() -> None:
    """The checks above can fail: an unspecified function has no specs, an Unchecked marker
    is not a spec, and an OpSpec is."""

    def bare(x):
        return x

    assert specs_of(bare) is None
    bare.spec = Unchecked("checked elsewhere")
    assert not isinstance(specs_of(bare), tuple)
    bare.spec = OpSpec(name="bare", reference=lambda x: x)
    assert isinstance(specs_of(bare), tuple)


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_spec_passes_the_runner(target) -> None:
    """One test per spec; its cases run together, so a failure lists every failing case with
    its report and reproduction command."""
    results = list(run_cases(generate_cases([target], Selection(devices=("cpu", "strict")))))
    assert results, f"no case generated for {target.name}"
    bad = [r for r in results if not r.ok]
    assert not bad, f"{len(bad)} of {len(results)} cases of {target.name} fail:\n\n" + (
        "\n\n".join(r.render() for r in bad[:3])
    )
    assert any(str(r.outcome) == "passed" for r in results), f"{target.name}: nothing passed"
