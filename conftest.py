"""Repository-wide pytest configuration.

The doctests in ``README.md`` and ``docs/*.md`` are collected through ``--doctest-glob`` (see
``[tool.pytest.ini_options]`` in pyproject.toml). Every example there imports what it uses;
``np`` and ``gradkit`` are also put in the doctest namespace so a short follow-up example can
stay short. This file imports nothing beyond NumPy and gradkit.
"""

from __future__ import annotations

import numpy as np
import pytest

import gradkit


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict) -> None:
    """Make ``np`` and ``gradkit`` available in every doctest."""
    doctest_namespace["np"] = np
    doctest_namespace["gradkit"] = gradkit


def pytest_report_header(config: pytest.Config) -> str:
    """Name the versions under test at the top of the run."""
    return f"gradkit {gradkit.__version__}, numpy {np.__version__}"
