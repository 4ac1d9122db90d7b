"""Reductions: sums, means, products, extrema, logsumexp, moments, running sums and products,
and norms, over an axis, a tuple of axes or all of them (``axis=None``), with ``keepdims``.

Every reduction's gradient stretches the output gradient back over the reduced axes and
weighs it by the derivative of the reduction (1 for sum, the product of the others for prod,
the selection mask for max...). ``sum`` is the engine's own, re-exported with its spec.
"""

from __future__ import annotations

from gradkit_ops.reduction.argminmax import argmax, argmin
from gradkit_ops.reduction.cumprod import cumprod
from gradkit_ops.reduction.cumsum import cumsum
from gradkit_ops.reduction.logsumexp import logsumexp
from gradkit_ops.reduction.mean import mean
from gradkit_ops.reduction.minmax import max, min
from gradkit_ops.reduction.norm import norm
from gradkit_ops.reduction.prod import prod
from gradkit_ops.reduction.sum import sum
from gradkit_ops.reduction.variance import std, var

__all__ = [
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "argmax",
    "argmin",
    "logsumexp",
    "var",
    "std",
    "cumsum",
    "cumprod",
    "norm",
]
