"""Every module of gradkit imports on its own, whichever is imported first.

The engine's modules refer to each other (Variable's operators come from the arithmetic,
which builds on FunctionNode), so an import cycle can hide behind the usual ``import
gradkit`` order and break only a user who starts with, say, ``from gradkit.parameter import
Parameter``. This test imports each module first, in a clean state, in one fresh interpreter.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import textwrap

import gradkit

#: For each module name given, forget every gradkit module, import that one, and report the
#: error if any. NumPy and the other dependencies stay loaded, so the loop is quick.
PROBE = textwrap.dedent(
    """
    import importlib, json, sys, traceback

    failures = {}
    for name in sys.argv[1:]:
        for loaded in [m for m in sys.modules if m == "gradkit" or m.startswith("gradkit.")]:
            del sys.modules[loaded]
        try:
            importlib.import_module(name)
        except Exception:
            failures[name] = traceback.format_exc(limit=-3)
    print(json.dumps(failures))
    """
)


def test_every_module_imports_first_on_its_own() -> None:
    names = ["gradkit"] + [
        info.name for info in pkgutil.walk_packages(gradkit.__path__, prefix="gradkit.")
    ]
    assert "gradkit.parameter" in names and "gradkit.arithmetic.elementwise" in names
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *names], capture_output=True, text=True, check=True
    )
    failures = json.loads(done.stdout.strip().splitlines()[-1])
    assert not failures, "\n".join(f"import {n} first:\n{tb}" for n, tb in failures.items())
