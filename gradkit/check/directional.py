"""Tier 1: compare directional derivatives, analytic against numerical.

For a direction ``d`` the analytic side is ``g . d`` (with ``g = J^T u`` from one backward
pass) and the numerical side is the derivative of ``phi = u . f`` along ``d``. The two must
agree within the tolerance carried along the direction,
built from the per-element tolerances ``atol * scale + rtol * |g_i|`` (see
:func:`tolerance_along`), plus the numerical error estimate. Because the direction's signs are
random, the bound grows with the square root of the input's size, so a single wrong element
among many still shows.

A disagreement is first re-measured with steps 10 and 100 times smaller (float64 evaluation
only): truncation error and a kink near the sample both vanish with the step, a bug does
not. What still disagrees is a kink (the one-sided derivatives differ, or the function stops
being finite near the sample) or a mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy

from gradkit.check.numerical import Probe

__all__ = [
    "Judgement",
    "judge",
    "tolerance_along",
    "REFINEMENTS",
    "KINK_SHARE",
    "KINK_NOISE",
    "RSS_FACTOR",
]

#: How many times a disagreement is re-measured with a 10x smaller step (float64 only).
REFINEMENTS = 2
#: A kink explains a disagreement when the one-sided derivatives differ by this share of it.
KINK_SHARE = 0.1
#: Where values agree, a kink is seen only when the one-sided derivatives differ by more than
#: the tolerance and this many times the numerical error estimate (rounding noise included).
KINK_NOISE = 10.0


@dataclass(frozen=True)
class Judgement:
    """The comparison along one direction.

    ``tol`` is the allowed difference (tolerance along the direction plus numerical error);
    ``nondiff`` names why no verdict is possible (a kink, non-finite values), else ``None``.
    """

    ok: bool
    analytic: float
    numeric: float
    tol: float
    h: float
    nondiff: str | None = None

    @property
    def mismatch(self) -> bool:
        """Whether the gradient disagrees with the numerical derivative (a bug)."""
        return not self.ok and self.nondiff is None


#: Multiple of the root-sum-square tolerance allowed along a random signed direction.
RSS_FACTOR = 8.0


def tolerance_along(direction: dict[int, numpy.ndarray], tolw: dict[int, numpy.ndarray]) -> float:
    """The tolerance carried along ``direction``: the smaller of ``sum_i |d_i| tolw_i`` and
    ``RSS_FACTOR * sqrt(sum_i (d_i tolw_i)^2)``.

    The signs of a direction are random and independent of the op, so the errors of a correct
    op (each within its ``tolw_i``) add up like a random walk: by Hoeffding's inequality their
    sum exceeds ``8`` root-sum-squares with probability below ``2 exp(-32)``. The linear sum
    alone would let one wrong element hide among many: its allowance grows with the input's
    size, the root-sum-square only with its square root.
    """
    linear = 0.0
    squares = 0.0
    for k, d in direction.items():
        weighted = numpy.abs(d) * tolw[k]
        linear += float(numpy.sum(weighted))
        squares += float(numpy.vdot(weighted, weighted))
    return min(linear, RSS_FACTOR * squares**0.5)


def judge(
    probe: Probe,
    direction: dict[int, numpy.ndarray],
    h: float,
    grads: dict[int, numpy.ndarray],
    tolw: dict[int, numpy.ndarray],
    refine: bool = True,
) -> Judgement:
    """Compare ``grads . direction`` with the numerical derivative along ``direction``."""
    tol = tolerance_along(direction, tolw)
    levels = REFINEMENTS if refine and probe.eval_dtype == "float64" else 0
    est = probe.derivative(direction, h, grads)
    for level in range(levels + 1):
        agree = est.finite and abs(est.analytic - est.value) <= tol + est.error
        # Agreement at a kink proves nothing (|x| at 0: the central difference and the
        # subgradient are both 0): it counts only where the one-sided derivatives agree too.
        kink = est.finite and est.kink > max(tol, KINK_NOISE * est.error)
        if agree and not kink:
            return Judgement(True, est.analytic, est.value, tol + est.error, h)
        if level == levels:
            if agree:
                return Judgement(
                    False,
                    est.analytic,
                    est.value,
                    tol + est.error,
                    h,
                    f"one-sided derivatives differ by {est.kink:.3g} (a kink at the sample)",
                )
            break
        h /= 10
        est = probe.derivative(direction, h, grads)
    analytic = est.analytic if est.analytic is not None else float("nan")
    if not est.finite:
        return Judgement(
            False, analytic, est.value, tol, h, "the function is not finite near the sample"
        )
    gap = abs(analytic - est.value)
    if est.kink > KINK_SHARE * gap and est.kink > tol:
        return Judgement(
            False,
            analytic,
            est.value,
            tol + est.error,
            h,
            f"one-sided derivatives differ by {est.kink:.3g} (a kink near the sample)",
        )
    return Judgement(False, analytic, est.value, tol + est.error, h)
