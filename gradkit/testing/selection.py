"""Selection: which cases to generate, from the shared options (CLI flags or pytest options).

A :class:`Selection` holds the filters (dtypes, devices, shapes, checks, a ``-k`` expression)
and the two settings that decide which cases exist and their seeds (the global seed and the
number of hypothesis examples). Names are validated on construction, so a typo is an error,
never a silently empty run.

>>> from gradkit.testing import Selection
>>> sel = Selection.from_options({"dtypes": "float32", "keyword": "tanh and not strict"})
>>> sel.dtypes, sel.accepts("tanh-float32-3x4-cpu-backward", "float32", "3x4", "cpu", "backward")
(('float32',), True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gradkit.testing.keyword import KeywordExpression
from gradkit.testing.options import (
    OPTIONS_BY_NAME,
    parse_checks,
    parse_devices,
    parse_dtypes,
    parse_shape_tokens,
)

__all__ = ["Selection"]

_PARSERS = {
    "dtypes": parse_dtypes,
    "devices": parse_devices,
    "shapes": parse_shape_tokens,
    "checks": parse_checks,
}


@dataclass(frozen=True)
class Selection:
    """Filters and settings of case generation. ``None`` filters select everything.

    Attributes:
        dtypes, devices, shapes, checks: names (or comma-separated strings) to keep; shapes
            as tokens (``3x4``, ``scalar``, ``3x4_4``, ``3x4nc``).
        keyword: a ``-k`` expression over case ids (see :mod:`gradkit.testing.keyword`).
        seed: the global seed, combined with each case id into the case seed.
        hypothesis: examples per hypothesis-driven case; 0 (default) adds no such case.
    """

    dtypes: tuple[str, ...] | None = None
    devices: tuple[str, ...] | None = None
    shapes: tuple[str, ...] | None = None
    checks: tuple[str, ...] | None = None
    keyword: str | None = None
    seed: int = 0
    hypothesis: int = 0
    _expression: KeywordExpression | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for name, parse in _PARSERS.items():
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, parse(value))
        if self.keyword is not None:
            object.__setattr__(self, "_expression", KeywordExpression.compile(self.keyword))
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"the seed must be a non-negative integer; got {self.seed!r}")
        if not isinstance(self.hypothesis, int) or self.hypothesis < 0:
            raise ValueError(f"hypothesis must be a number of examples >= 0; got {self.hypothesis}")

    @classmethod
    def from_options(cls, values: Mapping[str, Any]) -> Selection:
        """Build a selection from parsed option values keyed by :data:`~gradkit.testing.OPTIONS`
        names (strings are parsed, ``None`` means the option's default; keys that are not
        selection options, such as ``require_gpu``, are ignored)."""
        kwargs: dict[str, Any] = {}
        for name in ("dtypes", "devices", "shapes", "checks", "keyword", "seed", "hypothesis"):
            value = values.get(name)
            option = OPTIONS_BY_NAME[name]
            if value is None:
                value = option.default
            elif isinstance(value, str) and option.parse is not None:
                value = option.parse(value)
            kwargs[name] = value
        return cls(**kwargs)

    def accepts(self, case_id: str, dtype: str, shape: str, device: str, check: str) -> bool:
        """Whether the case with this id and these names (``shape`` as a token) is selected."""
        return (
            (self.dtypes is None or dtype in self.dtypes)
            and (self.devices is None or device in self.devices)
            and (self.shapes is None or shape in self.shapes)
            and (self.checks is None or check in self.checks)
            and (self._expression is None or self._expression.matches(case_id))
        )
