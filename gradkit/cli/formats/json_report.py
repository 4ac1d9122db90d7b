"""The JSON report: the whole run as one document, for tools.

Top-level keys: ``gradkit_version``, ``targets``, ``options`` (the shared options' values),
``summary`` (counts by outcome, skip reasons, ops, cases, time, exit status), ``needs_spec``,
``excluded`` (ops marked Unchecked) and ``results``: one
:meth:`~gradkit.testing.CaseResult.to_dict` per case, in case order.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gradkit.cli.summary import OUTCOME_ORDER

if TYPE_CHECKING:
    from gradkit.cli.plan import Plan
    from gradkit.cli.summary import Summary

__all__ = ["render_json", "report_dict"]


def report_dict(summary: Summary, plan: Plan) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    from gradkit import __version__

    return {
        "gradkit_version": __version__,
        "targets": list(plan.targets),
        "options": {k: list(v) if isinstance(v, tuple) else v for k, v in plan.values.items()},
        "summary": {
            "cases": len(summary.results),
            "ops": summary.ops,
            **{name: summary.counts.get(name, 0) for name in OUTCOME_ORDER},
            "skip_reasons": dict(summary.skip_reasons.most_common()),
            "time_s": round(summary.time_s, 6),
            "exit_code": summary.exit_code,
        },
        "needs_spec": [{"path": n.path, "message": n.message} for n in summary.needs_spec],
        "excluded": [{"path": e.path, "reason": e.reason} for e in plan.discovery.excluded],
        "results": [r.to_dict() for r in summary.results],
    }


def render_json(summary: Summary, plan: Plan) -> str:
    """The report as compact JSON text, keys in a fixed order (a whole op library makes tens of
    thousands of results: pipe it through ``jq`` or ``python -m json.tool`` to read it)."""
    return json.dumps(report_dict(summary, plan), separators=(",", ":"))
