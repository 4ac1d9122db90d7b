"""Sphinx configuration of gradkit's documentation (Markdown pages through MyST)."""

from __future__ import annotations

import sys
from pathlib import Path

# Document the gradkit of this checkout even when another one is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The project's own extensions (the op reference, generated from the ops' specs).
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

import gradkit

project = "gradkit"
author = "the gradkit authors"
copyright = "the gradkit authors"
version = release = gradkit.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "opreference",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# Unresolved cross-references to third-party types (NumPy arrays, typing aliases) are not
# errors; everything else that Sphinx warns about is, since the build runs with -W.
nitpicky = False

# Headings get anchors, so pages can link to a section: [errors](engine.md#errors).
myst_heading_anchors = 3

autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
autodoc_member_order = "bysource"
# Type hints go into the descriptions of the documented parameters, where they read better
# than in long signatures.
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
# An op's forward and backward repeat FunctionNode's docstrings word for word; list a method
# only where it has its own.
autodoc_inherit_docstrings = False
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "alabaster"
html_title = f"gradkit {release}"
