"""Text rendering of a :class:`~gradkit.check.result.CheckResult`: short, worst first.

The layout, line by line::

    FAILED backward of Tanh (float32, cpu) [values]: <one-line message>
      input 0 'x' shape (3, 4) float32: max abs err 2.1e-01, max rel err 2.0e+00
        at (1, 2): analytic 0.4199, numeric -0.4199 (abs err 8.4e-01, rel err 2.0e+00)
      diagnosis: <the likely bug>
      seed 0, eps 0.001, atol 1e-05, rtol 0.0001, 3 directions, tier 2, 41 evals, 1.3 ms
      reproduce: <one-line command>

Inputs without errors are listed on one line; at most :data:`MAX_WORST_SHOWN` elements are
shown per input.

A forward check compares outputs, not gradients: its lines name the output and show the
op's value against the reference's::

    FAILED forward of mul (float32, cpu) [forward]: <one-line message>
      output 0 shape () float32: max abs err 7.0e-06, max rel err 1.0e+00
        at (): got 0, reference 7e-06 (abs err 7.0e-06, rel err 1.0e+00)

and a device check shows the value on the tested device against the first device's
(``at (1,): got 2.001, cpu 2``) under the name of the output or gradient compared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradkit.check.result import CheckResult, InputReport

__all__ = ["render_text", "MAX_WORST_SHOWN"]

#: How many worst elements the text report shows per input.
MAX_WORST_SHOWN = 3


def _g(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def _e(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1e}"


def _header(r: CheckResult) -> str:
    where = ", ".join(s for s in (r.dtype, r.device) if s)
    head = f"{r.status.value.upper()} {r.check} of {r.target or 'function'}"
    if where:
        head += f" ({where})"
    if r.subcheck and not r.passed:
        head += f" [{r.subcheck}]"
    text = r.reason if r.reason and not r.message else r.message
    return f"{head}: {text}" if text else head


def _value_labels(r: CheckResult) -> tuple[bool, str, str]:
    """How the report of ``r`` labels an array and its two values: gradients are ``input i
    'name'``, analytic against numeric; the checks of values (forward, device agreement) name
    the array by its report name (``output 0``) and show the value got against the
    reference's (the first device's, for device agreement)."""
    if r.check == "forward":
        return True, "got", "reference"
    if r.check == "device":
        return True, "got", (r.device or "").split(",")[0] or "reference"
    return False, "analytic", "numeric"


def _input_lines(report: InputReport, r: CheckResult) -> list[str]:
    by_name, got, reference = _value_labels(r)
    if by_name and report.name:
        label = report.name
    else:
        label = f"input {report.index}" + (f" {report.name!r}" if report.name else "")
    line = f"  {label} shape {report.shape} {report.dtype}"
    if report.max_abs_err is not None:
        line += f": max abs err {_e(report.max_abs_err)}, max rel err {_e(report.max_rel_err)}"
    lines = [line]
    for w in report.worst[:MAX_WORST_SHOWN]:
        lines.append(
            f"    at {w.index}: {got} {_g(w.analytic)}, {reference} {_g(w.numeric)} "
            f"(abs err {_e(w.abs_err)}, rel err {_e(w.rel_err)})"
        )
    if len(report.worst) > MAX_WORST_SHOWN:
        lines.append(
            f"    ... {len(report.worst) - MAX_WORST_SHOWN} more listed in the JSON report"
        )
    return lines


def _settings(r: CheckResult) -> str:
    parts = [f"seed {r.seed}"]
    if r.eps is not None:
        parts.append(f"eps {r.eps:g}")
    if r.atol is not None:
        parts.append(f"atol {r.atol:g}")
    if r.rtol is not None:
        parts.append(f"rtol {r.rtol:g}")
    if r.subcheck in (None, "values"):  # an invariant failure stops before the comparisons
        if r.directions:
            parts.append(f"{r.directions} directions")
        parts.append(f"tier {r.tier}")
    parts.append(f"{r.n_evals} eval" + ("" if r.n_evals == 1 else "s"))
    parts.append(f"{r.time_s * 1e3:.1f} ms")
    if r.discarded_samples:
        parts.append(f"{r.discarded_samples} non-differentiable samples discarded")
    return "  " + ", ".join(parts)


def render_text(r: CheckResult) -> str:
    """Render ``r`` as the short text report shown above."""
    lines = [_header(r)]
    if r.status.value == "failed":
        # Inputs with localized errors first: that is where a reader looks.
        reports = sorted(r.inputs, key=lambda rep: (not rep.worst, rep.index))
        for rep in reports:
            lines.extend(_input_lines(rep, r))
    if r.diagnosis:
        lines.append(f"  diagnosis: {r.diagnosis}")
    lines.append(_settings(r))
    if r.repro:
        lines.append(f"  reproduce: {r.repro}")
    return "\n".join(lines)
