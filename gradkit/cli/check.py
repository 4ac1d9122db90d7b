"""``gradkit check TARGET...``: run the selected cases, report, exit 0, 1 or 2.

stderr gets a header line, the progress (see :mod:`gradkit.cli.progress`) and, when stdout
holds a machine-readable document (``--output-format json`` or ``junit``), the text report.
stdout gets what ``--output-format`` asks for: the text report (failures with the checker's
reports, then the summary), a JSON or JUnit document, or GitHub annotations followed by the
text report. ``--junit-xml PATH`` writes a JUnit report as well; ``--coverage`` adds the
coverage table after the text report.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from gradkit.cli.coverage import render_coverage
from gradkit.cli.execution import execute
from gradkit.cli.formats.github import render_annotations, write_step_summary
from gradkit.cli.formats.json_report import render_json
from gradkit.cli.formats.junit import render_junit, write_junit
from gradkit.cli.formats.text import render_text, section
from gradkit.cli.plan import make_plan
from gradkit.cli.progress import Progress
from gradkit.cli.stdout import emit
from gradkit.cli.summary import Summary, quantity

__all__ = ["run_check", "header"]


def header(command: str, n_cases: int, n_ops: int, seed: int, jobs: int) -> str:
    """The first line on stderr: what is about to run.

    >>> header("check", 66, 1, 0, 2)
    'gradkit check: 66 cases of 1 op (seed 0, 2 worker processes)'
    >>> header("check", 1, 1, 0, 1)
    'gradkit check: 1 case of 1 op (seed 0, this process)'
    """
    where = "this process" if jobs <= 1 else f"{jobs} worker processes"
    cases, ops = quantity(n_cases, "case"), quantity(n_ops, "op")
    return f"gradkit {command}: {cases} of {ops} (seed {seed}, {where})"


def run_check(args: argparse.Namespace) -> int:
    """Run ``gradkit check`` with parsed arguments; return the exit status."""
    plan = make_plan(args)
    progress = Progress(plan.cases, sys.stderr, enabled=not args.quiet)
    progress.write(header("check", len(plan.cases), plan.op_count, plan.seed, args.jobs))
    for needs in plan.discovery.needs_spec:
        progress.write(f"not checked: {needs.path} needs a spec (see the report)")
    start = time.perf_counter()
    results = execute(plan, jobs=args.jobs, on_result=progress.update)
    progress.finish()
    summary = Summary(results, time.perf_counter() - start, plan.discovery.needs_spec)

    text = render_text(summary, verbose=args.verbose, tracebacks=args.traceback)
    if args.coverage:
        text += "\n\n" + section("coverage") + "\n" + render_coverage(results)
    fmt = args.output_format
    if fmt in ("json", "junit"):
        document = render_json(summary, plan) if fmt == "json" else render_junit(summary, plan)
        emit(document)
        print(text, file=sys.stderr)
    else:
        if fmt == "github":
            annotations = render_annotations(summary)
            if annotations:
                emit(annotations)
            step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
            if step_summary:
                write_step_summary(summary, step_summary)
        emit(text)
    if args.junit_xml:
        write_junit(summary, plan, args.junit_xml)
    return summary.exit_code
