"""The coverage table: op x check (forward, first and second order, device agreement) by
dtype x device, each cell saying what the run established.

::

                                float32                float64
    op       check            cpu     strict  gpu      cpu     strict  gpu
    linear   backward         ok      ok      skip[1]  FAIL    ok      skip[1]
    linear   double_backward  skip[2] skip[2] skip[1]  skip[2] skip[2] skip[1]

Cells: ``ok`` every case verified; ``part[n]`` some verified, the others skipped for reason
[n]; ``skip[n]`` all skipped for reason [n]; ``xfail`` expected failures (a spec XFail);
``FAIL`` at least one failing case; ``-`` no case there. The reasons follow the table.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gradkit.testing.options import CHECKS, DTYPES

if TYPE_CHECKING:
    from gradkit.testing import CaseResult

__all__ = ["render_coverage", "LEGEND"]

#: What the cells mean.
LEGEND = (
    "ok: every case verified; part[n]: some verified, the others skipped ([n]); skip[n]: "
    "skipped ([n]); xfail: expected to fail; FAIL: a case fails; -: no case"
)


def _order(names: Sequence[str], known: Sequence[str]) -> list[str]:
    rank = {name: i for i, name in enumerate(known)}
    return sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n))


def render_coverage(results: Sequence[CaseResult]) -> str:
    """The table of ``results`` (any run's), with the legend and the skip reasons."""
    cells: dict[tuple[str, str, str, str], list[CaseResult]] = collections.defaultdict(list)
    rows: dict[tuple[str, str], None] = {}
    for r in results:
        c = r.case
        rows.setdefault((c.target.name, c.check), None)
        cells[(c.target.name, c.check, c.dtype, c.device)].append(r)
    dtypes = _order([r.case.dtype for r in results], DTYPES)
    devices = list(dict.fromkeys(r.case.device for r in results))
    devices = _order(devices, ["cpu", "strict", "gpu"])
    reasons: dict[str, int] = {}

    def cell(group: list[CaseResult]) -> str:
        if not group:
            return "-"
        outcomes = collections.Counter(r.outcome.value for r in group)
        if any(not r.ok for r in group):
            return "FAIL"
        skipped = [r.reason or "no reason given" for r in group if r.outcome.value == "skipped"]
        tag = ""
        if skipped:
            reason = collections.Counter(skipped).most_common(1)[0][0]
            tag = f"[{reasons.setdefault(reason, len(reasons) + 1)}]"
        if outcomes["passed"]:
            return f"part{tag}" if skipped else "ok"
        if outcomes["xfailed"]:
            return "xfail"
        return f"skip{tag}"

    ordered_rows = sorted(rows, key=lambda row: (row[0], CHECKS.index(row[1])))
    body = [
        [op, check] + [cell(cells[(op, check, d, v)]) for d in dtypes for v in devices]
        for op, check in ordered_rows
    ]
    head2 = ["op", "check"] + [v for _ in dtypes for v in devices]
    widths = [max(len(row[i]) for row in [head2, *body]) for i in range(len(head2))]
    # A dtype heads its group of device columns: widen the group's last column to fit it.
    for g, d in enumerate(dtypes):
        first_col = 2 + g * len(devices)
        group = widths[first_col : first_col + len(devices)]
        span = sum(group) + 2 * (len(devices) - 1)
        widths[first_col + len(devices) - 1] += max(0, len(d) - span)
    top = "  ".join(f"{'':<{w}}" for w in widths[:2])
    for g, d in enumerate(dtypes):
        first_col = 2 + g * len(devices)
        span = sum(widths[first_col : first_col + len(devices)]) + 2 * (len(devices) - 1)
        top += "  " + f"{d:<{span}}"
    lines = [top.rstrip()]
    for row in [head2, *body]:
        lines.append("  ".join(f"{v:<{w}}" for v, w in zip(row, widths, strict=True)).rstrip())
    lines += ["", LEGEND]
    lines += [f"[{n}] {reason}" for reason, n in reasons.items()]
    return "\n".join(lines)
