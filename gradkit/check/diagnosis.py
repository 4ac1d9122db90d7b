"""Naming the likely bug from the evidence of a failed value check.

Each rule looks for one pattern in the analytic versus numerical gradients and speaks only
when the evidence is clean: a constant factor (a sign flip is the factor -1), a gradient
missing (all zero), a transposed gradient, the gradient of another input (a mix-up), an
error confined to some indices (one element, the last element, one batch row, the edges), or
a constant offset. Rules work on element-wise data (tier 2) and, for large inputs, on the
elements localized by bisection plus the directional ratios.

A factor is a claim about *every* element, so it is named only when the elements agree with
it: most of those where the factor would show (``|(c - 1) n_i|`` beyond the tolerance) must
have ``analytic_i = c * numeric_i`` within tolerance. A least-squares fit alone is not enough
(one element 1% off among thousands fits a factor 1.00003), and a single number fits any
factor, so a one-element input gets a sign flip or a missing gradient named, never a factor.
For large inputs the elements are those bisection localized plus a few sampled at random
(:func:`factor_candidate` says when the sample is needed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy

__all__ = ["SlotEvidence", "diagnose", "factor_candidate", "FACTOR_SPREAD", "FACTOR_AGREEMENT"]

#: How close to constant the ratio analytic/numeric must be to call it a scale factor.
FACTOR_SPREAD = 1e-3
#: The share of informative elements that must agree with a factor for it to be named.
FACTOR_AGREEMENT = 0.75


@dataclass
class SlotEvidence:
    """What is known about one gradient (input or parameter) of a failed check.

    Attributes:
        index, name, shape: which slot.
        wrong: whether this slot's gradient was found wrong.
        analytic, numeric, tol: element-wise arrays (float64), when computed in full.
        leaves: localized elements ``(flat index, analytic, numeric, tol)`` (bisection); a
            leaf without its ``tol`` (three items) counts as having tolerance 0.
        complete: whether ``leaves`` are *all* the wrong elements (bisection finished).
        ratios: analytic/numeric of directional derivatives restricted to this slot.
        samples: elements drawn at random ``(flat index, analytic, numeric, tol)``, to tell
            a factor of the whole gradient from an error confined to the leaves.
    """

    index: int
    name: str
    shape: tuple[int, ...]
    wrong: bool
    analytic: numpy.ndarray | None = None
    numeric: numpy.ndarray | None = None
    tol: numpy.ndarray | None = None
    leaves: list[tuple[float, ...]] = field(default_factory=list)
    complete: bool = False
    ratios: list[float] = field(default_factory=list)
    samples: list[tuple[float, ...]] = field(default_factory=list)


def _label(ev: SlotEvidence) -> str:
    return f"input {ev.index} ({ev.name!r})" if ev.name else f"input {ev.index}"


def _format_factor(c: float) -> str:
    for value in (2.0, 0.5, 3.0, 10.0, 0.1):
        if abs(c - value) <= 1e-6 * value:
            return f"{value:g}"
    return f"{c:.6g}"


def _factor(a: numpy.ndarray, n: numpy.ndarray, tol: numpy.ndarray | None = None) -> float | None:
    """The constant c with a == c * n, if the fit is clean and (given ``tol``) the elements
    agree with it (see :func:`_elements_agree`)."""
    norm = float(numpy.dot(n, n))
    if norm == 0.0 or not numpy.all(numpy.isfinite(a)):
        return None
    c = float(numpy.dot(a, n)) / norm
    residual = float(numpy.linalg.norm(a - c * n))
    if residual > FACTOR_SPREAD * max(float(numpy.linalg.norm(a - n)), 1e-300):
        return None
    if abs(c - 1.0) < 1e-9:
        return None
    if tol is not None and not _elements_agree(c, a, n, tol):
        return None
    return c


def _is_special(c: float) -> bool:
    """A sign flip (-1) or a missing gradient (0): meaningful even on a single number."""
    return abs(c + 1.0) <= FACTOR_SPREAD or abs(c) <= FACTOR_SPREAD


def _elements_agree(c: float, a: numpy.ndarray, n: numpy.ndarray, tol: numpy.ndarray) -> bool:
    """Whether the elements support ``analytic = c x numeric`` for the whole gradient.

    Informative elements are those where the factor shows (``|(c - 1) n_i| > tol_i``); at
    least two of them (one for a sign flip or a missing gradient) and a
    :data:`FACTOR_AGREEMENT` share of them must have ``|a_i - c n_i| <= tol_i``.
    """
    a, n, tol = (numpy.asarray(v, dtype=numpy.float64).ravel() for v in (a, n, tol))
    slack = tol + 1e-12 * numpy.abs(c * n)  # rounding of the product itself
    informative = numpy.abs((c - 1.0) * n) > slack
    count = int(informative.sum())
    if count < (1 if _is_special(c) else 2):
        return False
    agree = numpy.abs(a - c * n) <= slack
    return int((agree & informative).sum()) >= FACTOR_AGREEMENT * count


def _columns(elements: list[tuple[float, ...]]) -> tuple[numpy.ndarray, ...]:
    """analytic, numeric and tol of ``(flat, analytic, numeric[, tol])`` tuples."""
    a = numpy.array([e[1] for e in elements], dtype=numpy.float64)
    n = numpy.array([e[2] for e in elements], dtype=numpy.float64)
    tol = numpy.array([e[3] if len(e) > 3 else 0.0 for e in elements], dtype=numpy.float64)
    return a, n, tol


def _factor_words(c: float) -> str:
    if abs(c + 1.0) <= FACTOR_SPREAD:
        return "sign flip (analytic = -numeric)"
    if abs(c) <= FACTOR_SPREAD:
        return "gradient missing (zero)"
    return f"constant scale factor {_format_factor(c)} (analytic = {_format_factor(c)} x numeric)"


def _ratio_factor(ratios: list[float]) -> float | None:
    if len(ratios) < 2 or not all(numpy.isfinite(ratios)):
        return None
    c = float(numpy.median(ratios))
    if c == 1.0 or any(abs(r - c) > FACTOR_SPREAD * max(abs(c), 1.0) for r in ratios):
        return None
    return c


def _leaf_confinement(ev: SlotEvidence) -> str | None:
    """The confinement of a finished bisection's leaves, if they are a small part."""
    if not (ev.complete and ev.leaves):
        return None
    size = int(numpy.prod(ev.shape)) if ev.shape else 1
    failing = [tuple(int(i) for i in numpy.unravel_index(int(e[0]), ev.shape)) for e in ev.leaves]
    return _confinement(failing, ev.shape, size)


def factor_candidate(ev: SlotEvidence) -> float | None:
    """The factor that ``ev``'s directional ratios suggest, when only sampled elements can
    confirm it (no complete confinement by the leaves); ``None`` when no sample is needed.

    >>> factor_candidate(SlotEvidence(0, "x", (64, 64), True, ratios=[2.0, 2.0, 2.0]))
    2.0
    >>> one = SlotEvidence(0, "x", (64, 64), True, leaves=[(7, 1.0, 0.0)], complete=True)
    >>> one.ratios = [2.0, 2.0, 2.0]
    >>> factor_candidate(one) is None
    True
    """
    if _leaf_confinement(ev) is not None:
        return None
    return _ratio_factor(ev.ratios)


def _is_edge(idx: tuple[int, ...], shape: tuple[int, ...], axis: int) -> bool:
    return idx[axis] in (0, shape[axis] - 1)


def _confinement(failing: list[tuple[int, ...]], shape: tuple[int, ...], size: int) -> str | None:
    """Describe a set of wrong element indices that is a small part of the array."""
    count = len(failing)
    if count == 0 or count == size:
        return None
    if count == 1:
        idx = failing[0]
        if size > 1 and all(i == s - 1 for i, s in zip(idx, shape, strict=True)):
            return f"error confined to the last element (index {idx})"
        if size > 1 and all(i == 0 for i in idx):
            return f"error confined to the first element (index {idx})"
        return f"error confined to one element (index {idx}) of {size}"
    ndim = len(shape)
    for axis in range(ndim):
        values = {idx[axis] for idx in failing}
        if len(values) == 1 and shape[axis] > 1:
            (v,) = values
            what = "one batch row: " if axis == 0 and ndim >= 2 else ""
            return (
                f"error confined to {what}index {v} along axis {axis} ({count} of {size} elements)"
            )
    for axis in range(ndim):
        if shape[axis] > 2 and all(_is_edge(idx, shape, axis) for idx in failing):
            return f"error confined to the edges along axis {axis} (first and last index)"
    if count * 4 <= size:
        shown = ", ".join(str(i) for i in failing[:4])
        more = ", ..." if count > 4 else ""
        return f"error confined to {count} of {size} elements ({shown}{more})"
    return None


def _full_rules(ev: SlotEvidence, others: list[SlotEvidence]) -> str | None:
    a = ev.analytic.ravel()
    n = ev.numeric.ravel()
    tol = ev.tol.ravel()
    if not numpy.all(numpy.isfinite(a)):
        return None
    failing_mask = numpy.abs(a - n) > tol
    if a.size and not a.any() and numpy.abs(n).max() > 0:
        return f"gradient missing (zero) for {_label(ev)}"
    c = _factor(a, n, tol)
    if c is not None:
        return f"{_factor_words(c)} for {_label(ev)}"
    shape = ev.shape
    if len(shape) >= 2 and shape[-1] == shape[-2] and shape[-1] > 1:
        nt = numpy.swapaxes(ev.numeric, -1, -2).ravel()
        if numpy.all(numpy.abs(a - nt) <= tol):
            return (
                f"transposed gradient for {_label(ev)} (analytic = numeric with the last two "
                "axes swapped)"
            )
    for other in others:
        if other is ev or other.numeric is None or other.shape != ev.shape:
            continue
        if numpy.all(numpy.abs(a - other.numeric.ravel()) <= tol):
            return (
                f"{_label(ev)} received the gradient of {_label(other)} (a mix-up of inputs "
                "or saved values)"
            )
    failing = [
        tuple(int(i) for i in numpy.unravel_index(f, shape))
        for f in numpy.flatnonzero(failing_mask)
    ]
    confined = _confinement(failing, shape, a.size)
    if confined is not None:
        sub = failing_mask
        c = _factor(a[sub], n[sub], tol[sub]) if sub.sum() > 1 else None
        extra = f"; there, {_factor_words(c)}" if c is not None else ""
        return f"{confined} of {_label(ev)}{extra}"
    offset = a - n
    if offset.size > 1 and numpy.ptp(offset) <= tol.max():
        return f"constant offset {float(offset.mean()):.4g} in the gradient of {_label(ev)}"
    return None


def _partial_rules(ev: SlotEvidence) -> str | None:
    confined = _leaf_confinement(ev)
    if confined is not None:
        # a finished bisection found every wrong element: the error is confined to them
        extra = ""
        if len(ev.leaves) > 1:
            c = _factor(*_columns(ev.leaves))
            extra = f"; there, {_factor_words(c)}" if c is not None else ""
        return f"{confined} of {_label(ev)}{extra}"
    c = _ratio_factor(ev.ratios)
    if c is not None and _elements_agree(c, *_columns(ev.leaves + ev.samples)):
        return f"{_factor_words(c)} for {_label(ev)}"
    return None


def diagnose(slots: list[SlotEvidence]) -> str | None:
    """The likely bug, or ``None`` when the evidence names none.

    >>> import numpy as np
    >>> n = np.array([1.0, -2.0, 3.0])
    >>> ev = SlotEvidence(0, "x", (3,), True, -n, n, np.full(3, 1e-6))
    >>> diagnose([ev])
    "sign flip (analytic = -numeric) for input 0 ('x')"
    """
    wrong = [ev for ev in slots if ev.wrong]
    if not wrong:
        return None
    parts = []
    for ev in wrong:
        if ev.analytic is not None and ev.numeric is not None and ev.tol is not None:
            words = _full_rules(ev, slots)
        else:
            words = _partial_rules(ev)
        if words is not None:
            parts.append(words)
    if len(slots) > 1 and len(wrong) < len(slots):
        right = ", ".join(_label(ev) for ev in slots if not ev.wrong)
        only = ", ".join(_label(ev) for ev in wrong)
        parts.append(
            f"only {only} is wrong; {right} {'is' if len(slots) - len(wrong) == 1 else 'are'} right"
        )
    return "; ".join(parts) if parts else None
