"""The JUnit XML report, as CI systems and test-report actions read it.

One ``<testsuite>`` per op (named by its path, e.g. ``custom_ops.linear.LinearFunction``), one
``<testcase>`` per case (named by its id, with the file of the op's backward, relative to the
project root, and its line).
Failed, non-differentiable and xpassed cases carry a ``<failure>``, errors an ``<error>``,
skipped and xfailed cases a ``<skipped>`` with the reason; the body of a failure is the
checker's text report.
"""

from __future__ import annotations

import datetime
import os
import platform
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from gradkit.cli.paths import display_path

if TYPE_CHECKING:
    from gradkit.cli.plan import Plan
    from gradkit.cli.summary import Summary
    from gradkit.testing import CaseResult

__all__ = ["render_junit", "write_junit"]

_FAILURE = ("failed", "nondifferentiable", "xpassed")


def _testcase(result: CaseResult, locations: dict[str, tuple[str, int] | None]) -> ET.Element:
    target = result.case.target
    element = ET.Element(
        "testcase",
        name=result.case_id,
        classname=target.path,
        time=f"{result.verdict.time_s:.6f}",
    )
    if target.path not in locations:
        locations[target.path] = target.location
    where = locations[target.path]
    if where is not None:
        element.set("file", display_path(where[0]))
        element.set("line", str(where[1]))
    outcome = result.outcome.value
    header = result.render().splitlines()[0]
    if outcome in _FAILURE:
        child = ET.SubElement(
            element, "failure", message=header, type=result.verdict.subcheck or outcome
        )
        child.text = result.render()
    elif outcome == "error":
        child = ET.SubElement(
            element, "error", message=header, type=result.verdict.subcheck or outcome
        )
        trace = result.verdict.traceback  # the user's exception, as CI logs show errors
        child.text = result.render() + (f"\n\n{trace}" if trace else "")
    elif outcome == "skipped":
        ET.SubElement(element, "skipped", message=result.reason or "skipped")
    elif outcome == "xfailed":
        ET.SubElement(element, "skipped", type="xfail", message=f"xfail: {result.reason}")
    properties = ET.SubElement(element, "properties")
    ET.SubElement(properties, "property", name="repro", value=result.repro)
    ET.SubElement(properties, "property", name="seed", value=str(result.case.seed))
    return element


def render_junit(summary: Summary, plan: Plan) -> str:
    """The report as a JUnit XML document."""
    name = "gradkit check " + " ".join(plan.targets)
    root = ET.Element("testsuites", name=name)
    suites: dict[str, ET.Element] = {}
    stats: dict[str, dict[str, int]] = {}
    locations: dict[str, tuple[str, int] | None] = {}
    timestamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    for result in summary.results:
        path = result.case.target.path
        if path not in suites:
            suites[path] = ET.SubElement(
                root, "testsuite", name=path, timestamp=timestamp, hostname=platform.node()
            )
            stats[path] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        suites[path].append(_testcase(result, locations))
        counts, outcome = stats[path], result.outcome.value
        counts["tests"] += 1
        counts["failures"] += outcome in _FAILURE
        counts["errors"] += outcome == "error"
        counts["skipped"] += outcome in ("skipped", "xfailed")
    for path, suite in suites.items():
        for key, value in stats[path].items():
            suite.set(key, str(value))
        suite.set("time", f"{sum(float(c.get('time', 0)) for c in suite):.6f}")
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(s[key] for s in stats.values())))
    root.set("time", f"{summary.time_s:.6f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def write_junit(summary: Summary, plan: Plan, path: str) -> None:
    """Write the JUnit report to ``path`` (its directory is created if missing)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write(render_junit(summary, plan) + "\n")
