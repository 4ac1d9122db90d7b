"""The op library as a whole: every exported op carries specs with a forward check, and
discovery finds every op of the library with nothing left needing a spec."""

from __future__ import annotations

import pytest

import gradkit_ops
from gradkit.testing import OpSpec, Unchecked, discover
from gradkit.testing.spec import specs_of


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


def test_discovery_finds_the_whole_library_without_missing_specs() -> None:
    """Every Function/FunctionNode in gradkit_ops has a spec or says where it is checked."""
    found = discover(gradkit_ops, probe_missing=False)
    assert not found.needs_spec, [t.path for t in found.needs_spec]
    names = {t.obj for t in found.targets}
    for name in gradkit_ops.__all__:
        assert getattr(gradkit_ops, name) in names, f"discovery misses gradkit_ops.{name}"


def test_a_spec_free_export_would_be_caught() -> None:
    """The check above can fail: an unspecified function has no specs, an Unchecked marker
    is not a spec, and an OpSpec is."""

    def bare(x):
        return x

    assert specs_of(bare) is None
    bare.spec = Unchecked("checked elsewhere")
    assert not isinstance(specs_of(bare), tuple)
    bare.spec = OpSpec(name="bare", reference=lambda x: x)
    assert isinstance(specs_of(bare), tuple)


def test_no_category_is_named_like_an_op() -> None:
    """An op named like its category would shadow the category as gradkit_ops.<name>."""
    for category in gradkit_ops.CATEGORIES:
        short = category.__name__.rpartition(".")[2]
        assert short not in gradkit_ops.__all__, f"category {short!r} is also an op's name"
        assert getattr(gradkit_ops, short) is category
