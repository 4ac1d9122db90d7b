"""The summary of a run: counts by outcome, skip reasons, failures, time and exit status.

Every output format (text, JSON, JUnit, GitHub) is rendered from one :class:`Summary`.

>>> format_counts({"passed": 19, "failed": 5, "skipped": 42})
'19 passed, 5 failed, 0 nondifferentiable, 42 skipped'
>>> quantity(1, "case"), quantity(2, "op")
('1 case', '2 ops')
"""

from __future__ import annotations

import collections
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradkit.testing import CaseResult, NeedsSpec

__all__ = ["Summary", "format_counts", "quantity", "OUTCOME_ORDER"]

#: The outcomes in the order summaries list them.
OUTCOME_ORDER: tuple[str, ...] = (
    "passed",
    "failed",
    "error",
    "xpassed",
    "nondifferentiable",
    "skipped",
    "xfailed",
)
# Shown even when zero: a summary always says how many passed, failed, were skipped or hit
# a non-differentiable point.
_ALWAYS = ("passed", "failed", "nondifferentiable", "skipped")


def quantity(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1: ``1 case``, ``66 cases``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def format_counts(counts: Mapping[str, int], *, always: Sequence[str] = _ALWAYS) -> str:
    """``"19 passed, 5 failed, 0 nondifferentiable, 42 skipped"``: the outcomes in
    :data:`OUTCOME_ORDER`, those in ``always`` even when zero."""
    return ", ".join(
        f"{counts.get(name, 0)} {name}"
        for name in OUTCOME_ORDER
        if counts.get(name, 0) or name in always
    )


@dataclass(frozen=True)
class Summary:
    """The results of a run and what they add up to.

    Attributes:
        results: one per case, in case order.
        time_s: wall time of the run (the cases, not the discovery).
        needs_spec: ops found but not checked because they need a spec.
    """

    results: Sequence[CaseResult]
    time_s: float
    needs_spec: Sequence[NeedsSpec] = field(default_factory=tuple)

    @cached_property
    def counts(self) -> collections.Counter[str]:
        """Cases by outcome name."""
        return collections.Counter(r.outcome.value for r in self.results)

    @cached_property
    def skip_reasons(self) -> collections.Counter[str]:
        """Skipped cases by reason, most frequent first."""
        return collections.Counter(
            r.reason or "no reason given" for r in self.results if r.outcome.value == "skipped"
        )

    @cached_property
    def failures(self) -> list[CaseResult]:
        """The cases whose outcome is not ok (failed, error, xpassed, nondifferentiable)."""
        return [r for r in self.results if not r.ok]

    @property
    def ops(self) -> int:
        """How many ops the cases cover."""
        return len({r.case.target.name for r in self.results})

    @property
    def exit_code(self) -> int:
        """1 when a case is not ok, else 2 when an op needs a spec, else 0.

        Failures come first: a run that finds a wrong gradient exits with 1 even when an op
        also went unchecked for want of a spec (the report lists both), so the status never
        hides a failure behind "incomplete"."""
        if self.failures:
            return 1
        return 2 if self.needs_spec else 0

    def verdict(self) -> str:
        """The last line of the text report: ``OK``, ``FAILED`` or ``INCOMPLETE``, with what
        else holds, and the exit status.

        >>> Summary([], 0.0).verdict()
        'OK (exit status 0)'
        """
        needs = len(self.needs_spec)
        unchecked = f"{quantity(needs, 'op')} {'needs' if needs == 1 else 'need'} a spec"
        if self.failures:
            also = f", and INCOMPLETE: {unchecked}" if needs else ""
            return f"FAILED{also} (exit status 1)"
        if needs:
            return f"INCOMPLETE: {unchecked} (exit status 2)"
        return "OK (exit status 0)"

    def line(self) -> str:
        """One line: ``66 cases of 3 ops in 0.31 s: 19 passed, 5 failed, ...``."""
        return (
            f"{quantity(len(self.results), 'case')} of {quantity(self.ops, 'op')} in "
            f"{self.time_s:.2f} s: {format_counts(self.counts)}"
        )
