"""GitHub Actions output: error annotations at the failing backward, and a step summary.

One ``::error`` workflow command per failing op, at the file and line of its backward
(:attr:`gradkit.testing.Target.location`, relative to ``$GITHUB_WORKSPACE`` or the current
directory), titled with the op and the number of failing cases; its message is the first
failing case's report (newlines encoded as GitHub expects) and the ids of the others. An op
that needs a spec gets an annotation too. GitHub shows the annotations on the pull request's
diff and in the run's summary.

>>> escape_data("50% off\\nnext line")
'50%25 off%0Anext line'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradkit.cli.paths import display_path

if TYPE_CHECKING:
    from gradkit.cli.summary import Summary
    from gradkit.testing import CaseResult

__all__ = ["render_annotations", "write_step_summary", "escape_data", "escape_property"]


def escape_data(text: str) -> str:
    """Escape the message of a workflow command (``%``, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value of a workflow command (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(results: list[CaseResult]) -> str:
    first = results[0]
    target = first.case.target
    n = len(results)
    title = f"gradkit: {target.label} fails {n} case{'s' if n > 1 else ''}"
    message = first.render()
    if n > 1:
        message += "\n\nalso failing: " + ", ".join(r.case_id for r in results[1:])
    properties = []
    where = target.location
    if where is not None:
        properties += [f"file={escape_property(display_path(where[0]))}", f"line={where[1]}"]
    properties.append(f"title={escape_property(title)}")
    return f"::error {','.join(properties)}::{escape_data(message)}"


def render_annotations(summary: Summary) -> str:
    """The ``::error`` lines of a run (empty when nothing failed)."""
    by_op: dict[str, list[CaseResult]] = {}
    for result in summary.failures:
        by_op.setdefault(result.case.target.path, []).append(result)
    lines = [_annotation(results) for results in by_op.values()]
    for needs in summary.needs_spec:
        title = escape_property(f"gradkit: {needs.path} needs a spec")
        lines.append(f"::error title={title}::{escape_data(needs.message)}")
    return "\n".join(lines)


def write_step_summary(summary: Summary, path: str) -> None:
    """Append a Markdown summary of the run to ``path`` (``$GITHUB_STEP_SUMMARY``)."""
    lines = [
        "### gradkit check",
        "",
        "| outcome | cases |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {count} |" for name, count in sorted(summary.counts.items())]
    if summary.failures:
        lines += ["", "Failing cases:", ""]
        lines += [f"- `{r.case_id}`" for r in summary.failures[:50]]
    with open(path, "a", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n\n")
