"""The layering of DESIGN.md: gradkit never imports gradkit_ops.

gradkit_ops (the op library and the standard links built on it) is written against gradkit's
public API, as a third-party library would be; the engine, Link/Chain, the initializers,
optimizers, serializers, the checker, the CLI and the pytest plugin sit below it (the CLI
reaches gradkit_ops by name only, like any other target). Two checks keep it so:

* at runtime: importing gradkit and every module under it, in a fresh interpreter, leaves
  gradkit_ops out of ``sys.modules``;
* in the source: no ``import`` statement under gradkit/ names gradkit_ops, wherever it is
  (inside a function, under ``if TYPE_CHECKING:``), nor does an ``importlib.import_module``
  or ``__import__`` call with a literal name. Docstrings and comments may mention it.

Each check is also run on a planted violation, to show that it can fail.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gradkit

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = "gradkit_ops"

#: Imports a package and every module under it, then prints what was imported, which modules
#: of the forbidden package are in sys.modules, and the first module whose import brought the
#: forbidden package in. Arguments: the package, the forbidden package.
PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    package_name, forbidden = sys.argv[1], sys.argv[2]
    imported, culprit = [], None

    def load(name):
        global culprit
        module = importlib.import_module(name)
        imported.append(name)
        if culprit is None and forbidden in sys.modules:
            culprit = name
        return module

    package = load(package_name)
    for info in pkgutil.walk_packages(package.__path__, prefix=package_name + "."):
        load(info.name)
    leaked = sorted(m for m in sys.modules if m == forbidden or m.startswith(forbidden + "."))
    print(json.dumps({"file": package.__file__, "imported": imported, "leaked": leaked,
                      "culprit": culprit}))
    """
)


def _probe(package: str, forbidden: str, cwd: Path) -> dict:
    """Run :data:`PROBE` in a fresh interpreter started in ``cwd``."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, package, forbidden],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def _is_forbidden(name: str | None, forbidden: str) -> bool:
    return name is not None and (name == forbidden or name.startswith(forbidden + "."))


def forbidden_imports(source: str, forbidden: str = FORBIDDEN) -> list[int]:
    """The line numbers of the statements of ``source`` that import ``forbidden`` or one of
    its submodules: ``import``, ``from ... import`` (absolute), and ``importlib.import_module``
    or ``__import__`` called with a literal name. Strings and comments do not count."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module] if node.level == 0 else []
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            names = [first.value] if called in ("import_module", "__import__") and literal else []
        else:
            continue
        if any(_is_forbidden(name, forbidden) for name in names):
            lines.append(node.lineno)
    return sorted(lines)


def test_importing_every_gradkit_module_leaves_gradkit_ops_out() -> None:
    found = _probe("gradkit", FORBIDDEN, ROOT)
    assert Path(found["file"]).resolve() == Path(gradkit.__file__).resolve()
    # The walk reached the whole package, the layers above the engine included.
    for module in ("gradkit.link", "gradkit.serializers", "gradkit.cli", "gradkit.pytest_plugin"):
        assert module in found["imported"]
    leaked = found["leaked"]
    assert not leaked, (
        f"importing {found['culprit']} imports {len(leaked)} modules of gradkit_ops "
        f"({', '.join(leaked[:3])}...): gradkit never imports gradkit_ops (DESIGN.md, layers)"
    )


def test_no_gradkit_source_imports_gradkit_ops() -> None:
    package = Path(gradkit.__file__).resolve().parent
    offenders = {
        str(path.relative_to(package.parent)): lines
        for path in sorted(package.rglob("*.py"))
        if (lines := forbidden_imports(path.read_text(encoding="utf-8")))
    }
    assert not offenders, f"gradkit imports gradkit_ops (file: lines): {offenders}"


def test_gradkit_has_no_links_and_gradkit_ops_has_them() -> None:
    import gradkit_ops

    assert "links" not in gradkit.__all__
    with pytest.raises(AttributeError):
        gradkit.links  # noqa: B018
    assert issubclass(gradkit_ops.links.Linear, gradkit.Link)
    assert gradkit_ops.links.Linear.__module__ == "gradkit_ops.links.linear"
    # The links are not ops: the op library's exports and categories stay ops only.
    assert "links" not in gradkit_ops.__all__ and gradkit_ops.links not in gradkit_ops.CATEGORIES


def test_the_source_check_catches_a_planted_import() -> None:
    source = textwrap.dedent(
        '''
        """A docstring may say: import gradkit_ops."""
        import importlib
        import gradkit_opsx  # another package, not a submodule
        from gradkit import links  # gradkit's own names are fine
        from . import gradkit_ops  # relative: a module of this package
        import numpy, gradkit_ops.links
        from gradkit_ops import relu
        def lazy():
            from gradkit_ops.linalg import linear
            return importlib.import_module("gradkit_ops"), __import__("gradkit_ops.math")
        '''
    )
    assert forbidden_imports(source) == [7, 8, 10, 11, 11]


def test_the_runtime_check_catches_a_planted_import(tmp_path: Path) -> None:
    """A package whose submodule imports the forbidden one, lazily reached, is reported."""
    (tmp_path / "lowpkg" / "sub").mkdir(parents=True)
    (tmp_path / "lowpkg" / "__init__.py").write_text("")
    (tmp_path / "lowpkg" / "sub" / "__init__.py").write_text("")
    (tmp_path / "lowpkg" / "sub" / "deep.py").write_text("import highpkg.ops\n")
    (tmp_path / "highpkg").mkdir()
    (tmp_path / "highpkg" / "__init__.py").write_text("")
    (tmp_path / "highpkg" / "ops.py").write_text("")
    found = _probe("lowpkg", "highpkg", tmp_path)
    assert found["imported"] == ["lowpkg", "lowpkg.sub", "lowpkg.sub.deep"]
    assert found["leaked"] == ["highpkg", "highpkg.ops"]
    assert found["culprit"] == "lowpkg.sub.deep"
