"""The text report: the failing cases with the checker's reports, then the summary.

Layout::

    ============================== failures ==============================
    ___ linear-float32-4x3_3x2_2-cpu-backward ___
    FAILED backward of LinearFunction (float32, cpu) [values]: ...
      ...
      reproduce: gradkit check custom_ops_buggy.linear.LinearFunction --dtypes float32 ...

    ============================== summary ===============================
    66 cases of 1 op in 0.31 s: 19 passed, 5 failed, 0 nondifferentiable, 42 skipped
    skipped:
         28  device 'gpu' is not available: ...
    failing:
      linear-float32-4x3_3x2_2-cpu-backward  constant scale factor 0.25 ...
    FAILED (exit status 1)

At most :data:`REPORTS_PER_OP` full reports per op (all of them with ``verbose``); the summary
lists every failing case with its diagnosis, or its message when there is none.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradkit.cli.summary import Summary
    from gradkit.testing import CaseResult

__all__ = ["render_text", "section", "REPORTS_PER_OP", "LISTED_FAILURES"]

#: Full reports per op in the failures section, without ``--verbose``.
REPORTS_PER_OP = 3
#: Failing cases listed in the summary, without ``--verbose``.
LISTED_FAILURES = 50
_WIDTH = 80


def section(title: str) -> str:
    """A section rule: ``===== title =====`` on 80 columns."""
    return f" {title} ".center(_WIDTH, "=")


def _short(result: CaseResult) -> str:
    verdict = result.verdict
    text = verdict.diagnosis or verdict.message or result.outcome.value
    if result.outcome.value == "xpassed":
        text = f"passed, but the spec expects a failure ({result.reason})"
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:117] + "..."


def _failures(summary: Summary, verbose: bool, tracebacks: bool) -> list[str]:
    lines = [section("failures")]
    shown: collections.Counter[str] = collections.Counter()
    hidden: dict[str, list[str]] = {}
    for result in summary.failures:
        name = result.op_name
        if verbose or shown[name] < REPORTS_PER_OP:
            shown[name] += 1
            lines += [f"___ {result.case_id} ___", result.render(), ""]
            if tracebacks and result.verdict.traceback:
                lines += [result.verdict.traceback, ""]
        else:
            hidden.setdefault(name, []).append(result.case_id)
    for name, ids in hidden.items():
        lines += [
            f"({len(ids)} more failing case{'s' if len(ids) > 1 else ''} of {name} not shown "
            "here, listed below; -v shows every report)",
            "",
        ]
    return lines


def _summary(summary: Summary, verbose: bool) -> list[str]:
    lines = [section("summary"), summary.line()]
    if summary.skip_reasons:
        lines.append("skipped:")
        width = len(str(max(summary.skip_reasons.values())))
        for reason, count in summary.skip_reasons.most_common():
            lines.append(f"  {count:>{width}}  {reason}")
    if summary.failures:
        lines.append("failing:")
        listed = summary.failures if verbose else summary.failures[:LISTED_FAILURES]
        width = max(len(r.case_id) for r in listed)
        for result in listed:
            lines.append(f"  {result.case_id:<{width}}  {_short(result)}")
        if len(listed) < len(summary.failures):
            lines.append(
                f"  ... and {len(summary.failures) - len(listed)} more (-v lists them all)"
            )
    if summary.needs_spec:
        lines.append(f"needing a spec ({len(summary.needs_spec)}, not checked):")
        lines += [f"  {n.path}" for n in summary.needs_spec]
    lines.append(summary.verdict())
    return lines


def render_text(summary: Summary, *, verbose: bool = False, tracebacks: bool = False) -> str:
    """The whole text report (no trailing newline); with ``tracebacks``, each error's report
    is followed by the traceback of the exception raised in the user's code."""
    lines: list[str] = []
    if summary.failures:
        lines += _failures(summary, verbose, tracebacks)
    if summary.needs_spec:
        lines.append(section("ops that need a spec"))
        for needs in summary.needs_spec:
            lines += [needs.message, ""]
    lines += _summary(summary, verbose)
    return "\n".join(lines)
