"""The examples in the docstrings of gradkit.testing and of the forward and device checks run,
so each public function's example stays true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "gradkit.testing",
    "gradkit.testing.options",
    "gradkit.testing.shapes",
    "gradkit.testing.keyword",
    "gradkit.testing.spec",
    "gradkit.testing.inputs",
    "gradkit.testing.target",
    "gradkit.testing.discovery",
    "gradkit.testing.selection",
    "gradkit.testing.cases",
    "gradkit.testing.runner",
    "gradkit.testing.strategies",
    "gradkit.check.reference",
    "gradkit.check.device_agreement",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    assert result.attempted > 0, f"{name} has no example"
    assert result.failed == 0


def test_every_public_symbol_has_a_docstring() -> None:
    for name in MODULES:
        module = importlib.import_module(name)
        assert module.__doc__, name
        for symbol in module.__all__:
            obj = getattr(module, symbol)
            if callable(obj) or isinstance(obj, type):
                assert obj.__doc__, f"{name}.{symbol} has no docstring"
