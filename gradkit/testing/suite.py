"""CheckSuite: what a test module asks the pytest plugin to check, declared in one line.

A test module that holds a :class:`CheckSuite` at module level gets one pytest item per case of
the ops it names, with the ids the CLI uses (``linear-float32-4x3_3x2_2-cpu-backward``), and no
test function written by hand::

    # tests/test_gradients.py
    from gradkit.testing.suite import CheckSuite

    ops = CheckSuite("custom_ops")                      # every op of the package
    linear = CheckSuite("custom_ops.linear.LinearFunction", dtypes="float64")

The suite's filters narrow the cases of its ops; the command line (``--gradkit-dtypes``, ``-k``
and the other options) narrows them further. Creating a suite is cheap: names are validated at
once (a typo fails at import, with a clear message), the ops are imported and discovered when
pytest collects the module.

>>> suite = CheckSuite("custom_ops", dtypes="float32,float64", checks=["backward"])
>>> suite.targets, suite.filters.dtypes, suite.filters.checks
(('custom_ops',), ('float32', 'float64'), ('backward',))
>>> CheckSuite("custom_ops", dtypes="flaot32")
Traceback (most recent call last):
...
ValueError: CheckSuite('custom_ops'): unknown dtype 'flaot32'; the dtypes are float16, ...

This module imports only the standard library and :mod:`gradkit.testing.selection`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gradkit.testing.selection import Selection

__all__ = ["CheckSuite"]


class CheckSuite:
    """The ops a test module checks, and the filters that narrow their cases.

    Args:
        targets: what to check, as the CLI's TARGET: a module or package name
            (``"custom_ops"``, or the test module's own ``__name__`` for ops defined in it), an
            op as ``"pkg.mod.Op"`` or ``"pkg.mod:Op"``, or the module or op object itself.
        dtypes, devices, shapes, checks: names (a comma-separated string or a list) to keep;
            default: each op's own.
        keyword: a ``-k`` expression over case ids (``"float64 and not strict"``).

    Raises ``ValueError`` for an unknown dtype, device, shape token or check, or no target.
    """

    def __init__(
        self,
        *targets: Any,
        dtypes: str | Iterable[str] | None = None,
        devices: str | Iterable[str] | None = None,
        shapes: str | Iterable[str] | None = None,
        checks: str | Iterable[str] | None = None,
        keyword: str | None = None,
    ) -> None:
        label = f"CheckSuite({', '.join(_describe(t) for t in targets)})"
        if not targets:
            raise ValueError(f"{label}: name at least one module, package or op to check")
        try:
            filters = Selection(
                dtypes=dtypes, devices=devices, shapes=shapes, checks=checks, keyword=keyword
            )
        except ValueError as error:
            raise ValueError(f"{label}: {error}") from None
        self.targets: tuple[Any, ...] = targets
        self.filters: Selection = filters
        self.label: str = label

    def accepts(self, case: Any) -> bool:
        """Whether the suite's filters keep ``case`` (a :class:`~gradkit.testing.Case`)."""
        return self.filters.accepts(case.id, case.dtype, case.shape_token, case.device, case.check)

    def __repr__(self) -> str:
        return self.label


def _describe(target: Any) -> str:
    if isinstance(target, str):
        return repr(target)
    return getattr(target, "__qualname__", None) or getattr(target, "__name__", repr(target))
