"""The documentation builds without a single warning.

The examples in the pages are doctests collected by pytest itself (``--doctest-glob=*.md``);
this test checks the Sphinx build: MyST syntax, cross-references, and autodoc of gradkit's
docstrings, with warnings turned into errors exactly as ``sphinx-build -W`` does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_docs_build_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("sphinx", reason="Sphinx is not installed: pip install -e '.[docs]'")
    pytest.importorskip(
        "myst_parser", reason="MyST-Parser is not installed: pip install -e '.[docs]'"
    )
    # A separate process: Sphinx and docutils keep global state that should not leak into
    # the rest of the test session. --keep-going reports every warning, not just the first.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"sphinx-build -W failed:\n{result.stdout}\n{result.stderr}"
    assert (tmp_path / "html" / "index.html").is_file()
    assert (tmp_path / "html" / "api.html").is_file()
