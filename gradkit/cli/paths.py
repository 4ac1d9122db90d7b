"""How reports name source files: relative to the project root where they are inside it.

>>> import os
>>> display_path(os.path.join(os.getcwd(), "mypkg", "ops.py"))
'mypkg/ops.py'
>>> display_path("/elsewhere/ops.py", root="/project")
'/elsewhere/ops.py'
"""

from __future__ import annotations

import os

__all__ = ["display_path", "project_root"]


def project_root() -> str:
    """The root that paths are shown relative to: ``$GITHUB_WORKSPACE`` in GitHub Actions
    (annotations must name files relative to the repository), else the current directory."""
    return os.environ.get("GITHUB_WORKSPACE") or os.getcwd()


def display_path(path: str, root: str | None = None) -> str:
    """``path`` relative to ``root`` (default: :func:`project_root`) with ``/`` separators when
    it lies inside it, else unchanged."""
    root = project_root() if root is None else root
    try:
        relative = os.path.relpath(path, root)
    except ValueError:  # another drive, on Windows
        return path
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return path
    return relative.replace(os.sep, "/")
