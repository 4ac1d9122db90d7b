"""Tier 2: element-wise derivatives, to localize the worst elements.

Small inputs get every element's derivative (four evaluations each). Past
:data:`JACOBIAN_MAX_ELEMENTS` elements no element-wise sweep is made: a failing direction is
bisected instead. The index range of each gradient is split in halves and the direction
restricted to each half is judged again; halves that pass are dropped. A single wrong
element among N is found in about ``8 log2(N)`` evaluations, and the cost is capped by
:data:`BISECT_MAX_EVALS`. Memory stays at a few copies of the inputs: no Jacobian is formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy

from gradkit.check.directional import Judgement, judge
from gradkit.check.numerical import Probe

__all__ = [
    "ElementCheck",
    "check_elements",
    "bisect",
    "JACOBIAN_MAX_ELEMENTS",
    "BISECT_MAX_EVALS",
    "BISECT_MAX_LEAVES",
]

#: Largest total number of input elements checked element by element.
JACOBIAN_MAX_ELEMENTS = 256
#: Evaluation budget of one bisection.
BISECT_MAX_EVALS = 600
#: Bisection stops after localizing this many wrong elements.
BISECT_MAX_LEAVES = 16


@dataclass(frozen=True)
class ElementCheck:
    """One element's derivative: ``analytic``, ``numeric`` and ``tol`` in gradient units."""

    slot: int
    flat: int
    analytic: float
    numeric: float
    tol: float
    ok: bool
    nondiff: str | None = None

    @property
    def mismatch(self) -> bool:
        """Whether this element is wrong."""
        return not self.ok and self.nondiff is None


def _element(k: int, flat: int, scale: float, j: Judgement) -> ElementCheck:
    return ElementCheck(
        k, flat, j.analytic / scale, j.numeric / scale, j.tol / abs(scale), j.ok, j.nondiff
    )


def check_elements(
    probe: Probe,
    positions: list[tuple[int, int]],
    scales: dict[int, numpy.ndarray],
    grads: dict[int, numpy.ndarray],
    tolw: dict[int, numpy.ndarray],
    h: float,
) -> list[ElementCheck]:
    """Element-wise derivatives at ``positions`` (slot, flat index)."""
    out = []
    for k, flat in positions:
        s = scales[k]
        d = numpy.zeros(s.shape, dtype=numpy.float64)
        d.flat[flat] = s.flat[flat]
        out.append(_element(k, flat, float(s.flat[flat]), judge(probe, {k: d}, h, grads, tolw)))
    return out


@dataclass
class Bisection:
    """What bisecting a failing direction found."""

    leaves: list[ElementCheck]
    complete: bool
    wrong_slots: set[int]


def bisect(
    probe: Probe,
    direction: dict[int, numpy.ndarray],
    grads: dict[int, numpy.ndarray],
    tolw: dict[int, numpy.ndarray],
    h: float,
) -> Bisection:
    """Localize the wrong elements along a failing ``direction`` by halving index ranges."""
    start = probe.n_evals
    stack: list[tuple[int, int, int]] = []
    wrong_slots: set[int] = set()
    for k in reversed(list(direction)):
        stack.append((k, 0, direction[k].size))
    leaves: list[ElementCheck] = []
    complete = True
    while stack:
        if probe.n_evals - start >= BISECT_MAX_EVALS or len(leaves) >= BISECT_MAX_LEAVES:
            complete = False
            break
        k, lo, hi = stack.pop()
        if hi <= lo:
            continue
        d = numpy.zeros(direction[k].shape, dtype=numpy.float64)
        d.flat[lo:hi] = direction[k].flat[lo:hi]
        single = hi - lo == 1
        j = judge(probe, {k: d}, h, grads, tolw, refine=single)
        if j.ok or j.nondiff is not None:
            continue
        wrong_slots.add(k)
        if single:
            leaves.append(_element(k, lo, float(direction[k].flat[lo]), j))
            continue
        mid = (lo + hi) // 2
        stack.append((k, mid, hi))
        stack.append((k, lo, mid))
    return Bisection(leaves, complete, wrong_slots)
