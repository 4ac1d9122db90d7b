"""Where in the user's code an exception was raised, for the ``error`` verdicts of checks.

A check calls the user's function, which calls gradkit, which calls NumPy: the innermost frame
of an exception is rarely the user's. :func:`user_location` finds the user's frame, and
:func:`format_traceback` keeps the whole traceback for ``gradkit check --traceback`` and the
machine-readable reports.
"""

from __future__ import annotations

import linecache
import os
import sysconfig
import traceback
from dataclasses import dataclass

__all__ = ["UserFrame", "user_location", "format_traceback"]


@dataclass(frozen=True)
class UserFrame:
    """Where in the user's code an exception was raised: file, line, function, source line."""

    filename: str
    lineno: int
    name: str
    line: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno} in {self.name}"


_GRADKIT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_LIBRARY_DIRS = tuple(
    sorted(
        {
            os.path.abspath(path) + os.sep
            for key in ("stdlib", "platstdlib", "purelib", "platlib")
            if (path := sysconfig.get_paths().get(key))
        }
    )
)


def _is_gradkit(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_GRADKIT_DIR)


def _is_library(filename: str) -> bool:
    """Whether ``filename`` belongs to Python or an installed package (NumPy, CuPy...)."""
    if filename.startswith("<"):  # <frozen importlib...> is Python's; <doctest ...>, <stdin>,
        return filename.startswith("<frozen")  # <string> and notebook cells are the user's
    path = os.path.abspath(filename)
    parts = path.split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts:
        return True
    return path.startswith(_LIBRARY_DIRS)


#: Installed packages that are array libraries, never an op's own code.
_ARRAY_LIBRARIES = frozenset(
    {"numpy", "cupy", "cupyx", "cupy_backends", "array_api_strict", "scipy", "numba"}
)


def _is_op_code(filename: str) -> bool:
    """Whether ``filename`` may hold an op's code: not Python's, not an array library's."""
    if filename.startswith("<"):
        return not filename.startswith("<frozen")
    parts = os.path.abspath(filename).split(os.sep)
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            at = parts.index(marker)
            return at + 1 < len(parts) and parts[at + 1] not in _ARRAY_LIBRARIES
    return not os.path.abspath(filename).startswith(_LIBRARY_DIRS)


def format_traceback(exc: BaseException) -> str:
    """``exc`` with its traceback, as Python prints it (for an ``error`` verdict)."""
    return "".join(traceback.format_exception(exc)).rstrip()


def user_location(exc: BaseException) -> UserFrame | None:
    """The innermost frame of ``exc``'s traceback in the user's code.

    Frames of gradkit itself, of the standard library and of installed packages (NumPy,
    CuPy...) are skipped. When none is left (an op of an installed package, or a gradkit op
    checked directly), the frame gradkit called last is taken (the op's ``forward`` or
    ``backward``), else the innermost frame outside the standard library, else the innermost
    one; ``None`` for an exception without a traceback.

    >>> def f():
    ...     raise ValueError("here")
    >>> try:
    ...     f()
    ... except ValueError as exc:
    ...     print(user_location(exc).name, user_location(exc).line)
    f raise ValueError("here")
    """
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append((tb.tb_frame.f_code, tb.tb_lineno))
        tb = tb.tb_next
    if not frames:
        return None
    files = [code.co_filename for code, _ in frames]
    own = [_is_gradkit(f) for f in files]
    library = [_is_library(f) for f in files]
    pick = next((i for i in reversed(range(len(frames))) if not own[i] and not library[i]), None)
    if pick is None and any(own):
        last = max(i for i in range(len(frames)) if own[i])
        pick = next((i for i in range(last + 1, len(frames)) if _is_op_code(files[i])), None)
    if pick is None:
        pick = next(
            (i for i in reversed(range(len(frames))) if own[i] or not library[i]), len(frames) - 1
        )
    code, lineno = frames[pick]
    name = getattr(code, "co_qualname", code.co_name).split("<locals>.")[-1]
    line = linecache.getline(code.co_filename, lineno).strip()
    return UserFrame(code.co_filename, lineno, name, line)
