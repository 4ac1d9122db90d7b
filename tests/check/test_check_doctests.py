"""Every example in gradkit.check's docstrings runs and shows what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gradkit.check

MODULES = sorted(f"gradkit.check.{m.name}" for m in pkgutil.iter_modules(gradkit.check.__path__))


@pytest.mark.parametrize("name", ["gradkit.check", *MODULES])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert failures == 0


@pytest.mark.parametrize("name", ["gradkit.check", *MODULES])
def test_public_symbols_are_documented(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__
    for symbol in getattr(module, "__all__", []):
        obj = getattr(module, symbol)
        if callable(obj) or isinstance(obj, type):
            assert obj.__doc__, f"{name}.{symbol} has no docstring"


def test_the_public_api() -> None:
    for symbol in [
        "check_backward", "check_double_backward", "CheckResult", "InputReport", "WorstElement",
        "GradientCheckError", "Status", "TolerancePolicy", "DEFAULT_TOLERANCES", "tolerance_for",
        "numerical_grad",
    ]:  # fmt: skip
        assert symbol in gradkit.check.__all__
        assert hasattr(gradkit.check, symbol)


def test_no_pytest_import_in_the_package() -> None:
    import sys

    saved = {k: v for k, v in sys.modules.items() if k.startswith("gradkit.check")}
    for path in gradkit.check.__path__:
        import pathlib

        for source in pathlib.Path(path).glob("*.py"):
            assert "import pytest" not in source.read_text(), source
    assert saved
