"""``gradkit list TARGET...``: the ops found, their specs and the case matrix.

For each op: its name in case ids and its path, whether its spec is given or inferred by
probing, the dtypes, shapes, devices and checks of its spec, its Skip and XFail entries, and
how many cases the selection keeps, by check. Then the ops marked Unchecked and those that need
a spec. ``--ids`` prints the selected case ids only, one per line (for ``-k``); ``--coverage``
runs the cases and prints the coverage table (see :mod:`gradkit.cli.coverage`).
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from typing import TYPE_CHECKING

from gradkit.cli.check import header
from gradkit.cli.coverage import render_coverage
from gradkit.cli.execution import execute
from gradkit.cli.plan import Plan, make_plan
from gradkit.cli.progress import Progress
from gradkit.cli.stdout import emit
from gradkit.cli.summary import Summary, quantity

if TYPE_CHECKING:
    from gradkit.testing import Target

__all__ = ["run_list", "render_listing"]


def _entry(skip: object) -> str:
    parts = []
    for name in ("dtypes", "devices", "checks", "shapes"):
        value = getattr(skip, name, ())
        if value:
            parts.append(",".join(value) if isinstance(value, tuple) else str(value))
    kind = "xfail" if getattr(skip, "xfail", False) else "skip"
    where = " ".join(parts) or "every case"
    return f"{kind} {where}: {skip.reason}"  # type: ignore[attr-defined]


def _describe(target: Target, selected: collections.Counter[str]) -> list[str]:
    spec = target.spec
    kind = "classic Function, first order only" if target.is_classic else None
    notes = [n for n in (kind, "spec inferred by probing" if target.inferred else None) if n]
    lines = [f"{target.name}  {target.path}" + (f"  ({'; '.join(notes)})" if notes else "")]
    rows = [
        ("inputs", str(len(spec.inputs))),
        ("dtypes", ", ".join(spec.dtypes)),
        ("shapes", ", ".join(s.token for s in spec.shapes) or "-"),
        ("devices", ", ".join(spec.devices)),
        ("checks", ", ".join(spec.checks)),
    ]
    if spec.examples:
        rows.append(("examples", str(len(spec.examples))))
    rows += [("skips", _entry(s)) for s in spec.skips]
    by_check = ", ".join(f"{check} {n}" for check, n in selected.items())
    rows.append(("cases", f"{sum(selected.values())}" + (f" ({by_check})" if by_check else "")))
    lines += [f"  {label:<9}{value}" for label, value in rows]
    return lines


def render_listing(plan: Plan) -> str:
    """The listing of a plan (see the module)."""
    discovery = plan.discovery
    selected: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for case in plan.cases:
        selected[case.target.name][case.check] += 1
    n_ops = len(discovery.targets)
    lines = [
        f"{' '.join(plan.targets)}: {quantity(n_ops, 'op')}, "
        f"{quantity(len(plan.cases), 'case')} selected (seed {plan.seed})"
    ]
    for target in discovery.targets:
        lines += ["", *_describe(target, selected[target.name])]
    if discovery.excluded:
        lines += ["", f"not checked on their own (Unchecked, {len(discovery.excluded)}):"]
        lines += [f"  {e.path}: {e.reason}" for e in discovery.excluded]
    if discovery.needs_spec:
        lines += ["", f"needing a spec ({len(discovery.needs_spec)}):"]
        for needs in discovery.needs_spec:
            lines += ["", needs.message]
    return "\n".join(lines)


def run_list(args: argparse.Namespace) -> int:
    """Run ``gradkit list`` with parsed arguments; return the exit status (with
    ``--coverage``, that of ``gradkit check``; else 0, or 2 when an op needs a spec)."""
    plan = make_plan(args, allow_empty=not args.coverage)
    if args.ids:
        emit("\n".join(case.id for case in plan.cases))
        return 0
    if not args.coverage:
        emit(render_listing(plan))
        return 2 if plan.discovery.needs_spec else 0
    progress = Progress(plan.cases, sys.stderr)
    progress.write(header("list", len(plan.cases), plan.op_count, plan.seed, args.jobs))
    start = time.perf_counter()
    results = execute(plan, jobs=args.jobs, on_result=progress.update)
    progress.finish()
    summary = Summary(results, time.perf_counter() - start, plan.discovery.needs_spec)
    emit(render_coverage(results))
    emit(summary.line())
    return summary.exit_code
