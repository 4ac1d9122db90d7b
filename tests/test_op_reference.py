"""The op reference (docs/_ext/opreference.py) shows what the ops' specs declare.

The renderer is called directly on real ops and on small ops defined here (for the skips,
known failures and classic Functions that no op of gradkit_ops has today); two small Sphinx
builds check the directives themselves, including the literal fallback for a docstring that is
not valid reStructuredText. The full documentation build is tests/test_docs.py.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import gradkit
import gradkit_ops
from gradkit.testing import Input, OpSpec, Skip, XFail, op_spec
from gradkit.testing.target import targets_of

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _load_extension() -> ModuleType:
    spec = importlib.util.spec_from_file_location("opreference", DOCS / "_ext" / "opreference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


opref = _load_extension()


def _summary(op: object, name: str | None = None) -> object:
    targets = targets_of(op)
    if name is not None:
        targets = [t for t in targets if t.name == name]
    (target,) = targets
    return opref.spec_summary(target)


def _category(name: str, **ops: object) -> ModuleType:
    """A category module holding ``ops``, as a third-party op library would define one."""
    module = ModuleType(name, f"The {name} ops.")
    for key, op in ops.items():
        setattr(module, key, op)
    module.__all__ = list(ops)
    return module


# ------------------------------------------------------------------------- real ops


def test_tanh_lists_its_dtypes_devices_checks_and_double_backward() -> None:
    summary = _summary(gradkit_ops.tanh)
    assert summary.name == "tanh"
    assert summary.dtypes == ("float16", "float32", "float64")
    assert summary.devices == ("cpu", "strict", "gpu")
    assert summary.checks == (
        "forward vs reference",
        "backward",
        "double backward",
        "device agreement",
    )
    assert summary.double_backward == "yes"
    assert summary.inputs == (("x", "in (-3, 3)"),)

    text = opref.render_op("tanh", gradkit_ops.tanh, gradkit_ops.math)
    assert text.startswith(".. py:function:: tanh(x: Any) -> Variable\n   :module: gradkit_ops\n")
    row = re.search(r"\* - ``tanh``\n((?:\s+- .*\n){5})", text)
    assert row is not None, text
    cells = [line.strip().removeprefix("- ") for line in row.group(1).splitlines()]
    assert cells == [
        "float16, float32, float64",
        "cpu, strict, gpu",
        "forward vs reference, backward, double backward, device agreement",
        "yes",
        "x: in (-3, 3)",
    ]
    # The docstring, with its example, is in the object's body.
    assert "   Hyperbolic tangent, elementwise" in text


def test_the_math_category_renders_each_family_with_its_module_math() -> None:
    text = opref.render_category(gradkit_ops.math)
    # The hyperbolic family: a section titled with its ops, the module's math, then each op.
    title = "sinh, cosh, tanh, arcsinh, arccosh, arctanh"
    start = text.index(f"{title}\n{'-' * len(title)}\n")
    section = text[start : text.index("\n.. py:function:: arcsinh", start)]
    assert ".. math::" in section
    assert r"\tanh' &= 1 - \tanh^2" in section
    assert ".. py:function:: tanh(x: Any) -> Variable" in section
    # Engine ops belong to the family module that attaches their specs.
    families = {m.__name__: [n for n, _ in ops] for m, ops in opref.op_families(gradkit_ops.math)}
    assert {"exp", "log"} <= set(families["gradkit_ops.math.exponential"])
    assert "exp" not in families.get("gradkit.arithmetic.elementwise", [])


@pytest.mark.parametrize("category", gradkit_ops.CATEGORIES, ids=opref.category_name)
def test_every_export_of_a_category_is_documented_once(category: ModuleType) -> None:
    text = opref.render_category(category)
    documented = re.findall(r"^\.\. py:(?:function|class):: (\w+)\(", text, flags=re.MULTILINE)
    assert documented == [name for _, ops in opref.op_families(category) for name, _ in ops]
    assert sorted(documented) == sorted(category.__all__)
    # Every op with specs gets a table with one row per spec.
    for name in category.__all__:
        targets = targets_of(getattr(category, name))
        if targets:
            table = text.index(f".. list-table:: Specs of {opref._text(name)}\n")
            for target in targets:
                assert f"* - ``{target.name}``" in text[table:]


def test_a_variant_spec_shows_its_arguments_and_a_spec_that_does_not_check_double_backward() -> (
    None
):
    summary = _summary(gradkit_ops.argmax, "argmax.ties")
    assert summary.call == "axis=1"
    assert summary.checks == ("forward vs examples",)
    assert summary.double_backward == "not checked: this spec checks forward vs examples"


# ------------------------------------------------------------------------- skips and kinds


@op_spec(
    inputs=[Input(domain=(0.5, 2.0), kinks=(1.0,)), Input(dtype="int64", domain=(0, 3))],
    reference=lambda x, n: x * n,
    skips=[
        Skip("the backward is a fused kernel without a gradient", checks="double_backward"),
        Skip("float16 overflows *everywhere*", dtypes="float16"),
        Skip("the reference is float64 only", dtypes="float32", checks="forward"),
    ],
)
def scaled(x: object, n: object) -> gradkit.Variable:
    """``x * n`` for integer ``n``: the gradient is ``n``."""
    return x * n


def test_a_spec_that_skips_double_backward_shows_the_reason() -> None:
    summary = _summary(scaled)
    assert summary.double_backward == "no: the backward is a fused kernel without a gradient"
    assert "double backward" not in summary.checks
    assert summary.checks == ("forward vs reference", "backward", "device agreement")
    # float16 is skipped in every case; float32 only for the forward check.
    assert summary.dtypes == ("float32", "float64")
    assert summary.inputs == (
        ("x", "in (0.5, 2), kinks at 1 (margin 0.05)"),
        ("n", "int64, integers in [0, 3)"),
    )
    assert summary.skips == (
        ("skipped", "check double backward", "the backward is a fused kernel without a gradient"),
        ("skipped", "dtype float16", "float16 overflows *everywhere*"),
        ("skipped", "dtype float32; check forward vs reference", "the reference is float64 only"),
    )

    text = opref.render_op("scaled", scaled, _category("fake", scaled=scaled))
    assert "     - no: the backward is a fused kernel without a gradient\n" in text
    assert "   Skips:\n" in text
    # Reasons are text, never markup: the asterisks are escaped.
    assert r"skipped: float16 overflows \*everywhere\*" in text
    assert ":module: fake\n" in text


@op_spec(
    inputs=[Input(domain=(-2.0, 2.0))], skips=[XFail("the checker is wrong", checks="backward")]
)
def known_bad(x: object) -> gradkit.Variable:
    """``x``, with a known failure of the checker."""
    return x * 1.0


class Square(gradkit.Function):
    """A classic Function: ``x ** 2``."""

    spec = OpSpec(reference=np.square)

    def forward(self, inputs: tuple) -> tuple:
        (x,) = inputs
        return (x * x,)

    def backward(self, inputs: tuple, grad_outputs: tuple) -> tuple:
        (x,) = inputs
        return (2 * x * grad_outputs[0],)


def test_a_known_failure_and_a_classic_function_are_named_as_such() -> None:
    bad = _summary(known_bad)
    assert bad.checks == ("backward (known failure)", "double backward", "device agreement")
    assert bad.skips == (("expected to fail", "check backward", "the checker is wrong"),)

    square = _summary(Square)
    assert square.double_backward == "no: a classic Function supports first-order gradients only"
    text = opref.render_op("Square", Square, _category("fake", Square=Square))
    assert text.startswith(".. py:class:: Square()\n")


def test_a_signature_shows_annotations_unquoted() -> None:
    assert opref.signature_of(gradkit_ops.softmax) == "(x: Any, axis: int = -1) -> Variable"
    assert opref.signature_of(lambda a, *, b=2: a) == "(a, *, b=2)"


# ------------------------------------------------------------------------- categories


def test_categories_link_their_pages_and_inline_the_others() -> None:
    text = opref.render_categories(gradkit_ops.CATEGORIES, has_page=lambda name: name != "array")
    assert "   * - :doc:`math`\n" in text
    assert "   * - array (below)\n" in text
    assert ":py:obj:`tanh <gradkit_ops.tanh>`" in text
    toctree = text[text.index(".. toctree::") :].split("\n\n")[1].split()
    expected = [c.__name__.rpartition(".")[2] for c in gradkit_ops.CATEGORIES]
    assert toctree == [name for name in expected if name != "array"]
    # The category without a page gets its whole reference on the index page.
    inline = text[text.index("array\n=====\n") :]
    assert ".. py:function:: reshape(" in inline
    assert ".. py:function:: tanh(" not in inline


def test_an_op_exported_by_two_categories_is_indexed_in_the_first_only() -> None:
    """matmul is exported by math (first) and by linalg."""
    linalg = opref.category_module("linalg")
    assert linalg in gradkit_ops.CATEGORIES
    assert gradkit_ops.CATEGORIES.index(opref.category_module("math")) < (
        gradkit_ops.CATEGORIES.index(linalg)
    )
    assert ":no-index:" not in opref.render_op(
        "matmul", gradkit_ops.matmul, opref.category_module("math")
    )
    again = opref.render_op("matmul", gradkit_ops.matmul, linalg)
    assert again.startswith(".. py:function:: matmul(a: Any, b: Any) -> Variable\n")
    assert "   :module: gradkit_ops\n   :no-index:\n" in again


def test_the_category_pages_name_categories_of_gradkit_ops() -> None:
    names = {opref.category_name(c) for c in gradkit_ops.CATEGORIES}
    pages = sorted((DOCS / "ops").glob("*.md"))
    assert "{op-categories}" in (DOCS / "ops" / "index.md").read_text()
    for page in pages:
        if page.stem == "index":
            continue
        directives = re.findall(r"^```\{op-reference\} (\S+)$", page.read_text(), re.MULTILINE)
        assert directives == [page.stem], f"{page.name} should hold one op-reference {page.stem}"
        assert page.stem in names, f"{page.name}: no category {page.stem} in CATEGORIES"


# ------------------------------------------------------------------------- the directives

_FAKE_OPS = '''
r"""Fake ops for the op reference.

.. math:: y = 2 x
"""
from gradkit.testing import Input, Skip, op_spec

__all__ = {exports!r}


@op_spec(
    inputs=[Input(domain=(-2.0, 2.0), kinks=(0.0,))],
    reference=lambda x: 2 * x,
    skips=[Skip("a reason with *stars*, `ticks`, |bars| and trailing_", dtypes="float16")],
)
def double(x):
    """Twice ``x``; see :math:`y = 2x`."""
    return x * 2.0


@op_spec(reference=lambda x: 3 * x)
def broken(x):
    """Three times x, with *unclosed emphasis."""
    return x * 3.0
'''


def _build(
    tmp_path: Path, page: str, *, strict: bool, exports: tuple[str, ...] = ("double", "broken")
) -> subprocess.CompletedProcess[str]:
    """Build a one-page project whose page holds ``op-reference page``; the fake ops module
    exports ``exports``."""
    pytest.importorskip("sphinx", reason="Sphinx is not installed: pip install -e '.[docs]'")
    pytest.importorskip("myst_parser", reason="MyST-Parser is not installed")
    src = tmp_path / "src"
    src.mkdir()
    (tmp_path / "opref_fake_ops.py").write_text(
        _FAKE_OPS.replace("{exports!r}", repr(list(exports)))
    )
    (src / "conf.py").write_text(
        textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(tmp_path)!r}, {str(DOCS / "_ext")!r}]
        extensions = ["myst_parser", "opreference"]
        source_suffix = {{".md": "markdown"}}
        """)
    )
    (src / "index.md").write_text(f"# Fake ops\n\n```{{op-reference}} {page}\n```\n")
    args = ["-W", "--keep-going"] if strict else []
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            *args,
            "-q",
            "-b",
            "html",
            str(src),
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_directive_renders_a_module_of_ops_in_a_myst_page(tmp_path: Path) -> None:
    result = _build(tmp_path, "opref_fake_ops", strict=False)
    html = (tmp_path / "out" / "index.html").read_text()
    text = re.sub(r"<[^>]+>", "", html)  # literal blocks are highlighted token by token
    assert 'id="opref_fake_ops.double"' in html
    assert 'class="math' in html  # the module's math and the docstring's role are math
    assert "a reason with *stars*, `ticks`, |bars| and trailing_" in html
    assert "<td><p>float32, float64</p></td>" in html
    # The broken docstring is shown as written, and the build names the op and the problem.
    assert "Three times x, with *unclosed emphasis." in text
    assert "the docstring of opref_fake_ops.broken is not valid reStructuredText" in result.stderr
    assert "Inline emphasis start-string without end-string" in result.stderr
    assert result.stderr.count("WARNING") == 1, result.stderr


def test_a_clean_module_builds_under_w_and_a_broken_or_unknown_one_fails(tmp_path: Path) -> None:
    for name in ("clean", "broken", "unknown"):
        (tmp_path / name).mkdir()
    result = _build(tmp_path / "clean", "opref_fake_ops", strict=True, exports=("double",))
    assert result.returncode == 0, result.stderr
    result = _build(tmp_path / "broken", "opref_fake_ops", strict=True)
    assert result.returncode != 0
    assert "opref_fake_ops.broken" in result.stderr
    result = _build(tmp_path / "unknown", "no_such_ops", strict=True)
    assert result.returncode != 0
    assert "'no_such_ops' is neither a category of gradkit_ops" in result.stderr
