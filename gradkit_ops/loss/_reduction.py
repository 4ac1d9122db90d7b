"""How losses reduce their elementwise values, and the labels of the classification losses.

Every loss takes ``reduction``: ``"mean"`` (the average of the elementwise losses, or the
weighted average where a loss has weights), ``"sum"``, or ``"none"`` (the elementwise losses).
Labels are integer arrays on the inputs' device; the elements equal to ``ignore_label`` add
nothing and are not counted. Private to gradkit_ops.loss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from gradkit import Variable, as_array, get_array_module, to_numpy
from gradkit.arithmetic import div
from gradkit.testing import Input
from gradkit_ops.reduction import mean, sum

__all__ = [
    "REDUCTIONS",
    "check_reduction",
    "reduce",
    "weighted_reduce",
    "Labels",
    "labels",
    "check_same_shape",
    "label_input",
    "nll_reference",
    "weighted_factory",
]

#: The reductions every loss accepts.
REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, op: str, allowed: tuple[str, ...] = REDUCTIONS) -> str:
    """Return ``reduction`` if it is one of ``allowed``; raise ``ValueError`` naming ``op``."""
    if reduction not in allowed:
        raise ValueError(
            f"{op}: reduction must be one of {', '.join(map(repr, allowed))}; got {reduction!r}"
        )
    return reduction


def reduce(loss: Variable, reduction: str) -> Variable:
    """The mean or sum of all elements of ``loss``, or ``loss`` itself for ``"none"``."""
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    return loss


def weighted_reduce(loss: Variable, reduction: str, weights: Any) -> Variable:
    """Reduce ``loss`` (already multiplied by ``weights``, a constant array of its shape):
    ``"mean"`` divides the sum by the sum of the weights (by 1 where that is 0, so a loss
    whose elements are all ignored is 0, as in Chainer)."""
    if reduction == "none":
        return loss
    total = sum(loss)
    if reduction == "sum":
        return total
    xp = get_array_module(weights)
    den = xp.sum(weights)
    return div(total, xp.where(den == 0, xp.ones_like(den), den))


class Labels:
    """Integer class labels checked against ``n_classes`` and ``ignore_label``, as constant
    arrays on the labels' device.

    Attributes:
        safe: the labels with the ignored ones replaced by 0 (valid indices everywhere).
        weights: per label, its class weight (1 without ``class_weight``), 0 where ignored,
            in ``dtype``.
        uniform: whether every label counts with weight 1 (no class weights, none ignored):
            then ``safe`` is the labels themselves, and a loss may skip the weights.
    """

    def __init__(self, safe: Any, weights: Any, uniform: bool = False, dtype: Any = None) -> None:
        self.safe = safe
        self._weights = weights
        self.uniform = uniform
        self._dtype = dtype

    @property
    def weights(self) -> Any:
        """Per label its weight (see the class); built on first use where uniform."""
        if self._weights is None:
            xp = get_array_module(self.safe)
            self._weights = xp.ones(self.safe.shape, dtype=self._dtype, device=self.safe.device)
        return self._weights


_INTEGRAL: dict[tuple[type, Any], bool] = {}


def _is_integral(xp: Any, dtype: Any) -> bool:
    # Cached: the lookup is on every call of a loss. Keyed with the dtype's type, so that
    # dtypes of different libraries are never compared with each other.
    key = (type(dtype), dtype)
    known = _INTEGRAL.get(key)
    if known is None:
        known = _INTEGRAL[key] = bool(xp.isdtype(dtype, "integral"))
    return known


def _uniform_numpy_labels(
    t: numpy.ndarray, n_classes: int, ignore_label: int | None, dtype: Any
) -> Labels | None:
    # The common case of a training batch on NumPy: integer labels all in range, none equal
    # to ignore_label. Two reductions over the labels check it, and the labels are used as
    # they are (no copy, no mask, no weights); anything else returns None for the general
    # path, which also raises the errors.
    if t.dtype.kind not in "iu" or not t.size:
        return None
    lo = int(numpy.minimum.reduce(t, axis=None))
    hi = int(numpy.maximum.reduce(t, axis=None))
    if lo < 0 or hi >= n_classes or (ignore_label is not None and lo <= ignore_label <= hi):
        return None
    return Labels(t, None, uniform=True, dtype=dtype)


def labels(
    t: Any,
    n_classes: int,
    ignore_label: int | None,
    dtype: Any,
    op: str,
    class_weight: Any = None,
) -> Labels:
    """Check the integer labels ``t`` (every one in ``[0, n_classes)`` or ``ignore_label``)
    and build their safe indices and weights (see :class:`Labels`).

    ``class_weight`` is a constant of shape ``(n_classes,)`` (an array, or a Variable whose
    array is used): it gets no gradient. The range check brings one boolean to the host.
    """
    t = as_array(t)
    if class_weight is None and type(t) is numpy.ndarray:
        lab = _uniform_numpy_labels(t, n_classes, ignore_label, dtype)
        if lab is not None:
            return lab
    xp = get_array_module(t)
    if not _is_integral(xp, t.dtype):
        raise TypeError(f"{op}: labels must be integers; got dtype {t.dtype}")
    if ignore_label is None:
        safe, weights = t, xp.ones(t.shape, dtype=dtype, device=t.device)
    else:
        valid = t != ignore_label
        safe = xp.where(valid, t, 0)
        weights = xp.astype(valid, dtype)
    # One test for both ends: a negative label is huge once unsigned. (This runs on every
    # call of a loss: each array call counts, so the test is two calls and one transfer.)
    if safe.size and int(to_numpy(xp.max(xp.astype(safe, xp.uint64)))) >= n_classes:
        raise ValueError(
            f"{op}: labels must be in [0, {n_classes}) or equal ignore_label={ignore_label}; "
            f"got values from {int(to_numpy(xp.min(t)))} to {int(to_numpy(xp.max(t)))}"
        )
    if class_weight is not None:
        cw = as_array(class_weight)
        if tuple(cw.shape) != (n_classes,):
            raise ValueError(
                f"{op}: class_weight must have shape ({n_classes},); got shape {cw.shape}"
            )
        if cw.dtype != dtype:
            raise TypeError(f"{op}: class_weight has dtype {cw.dtype}; expected {dtype}")
        picked = xp.take(cw, xp.reshape(safe, (-1,)), axis=0)
        weights = weights * xp.reshape(picked, safe.shape)
    return Labels(safe, weights)


def check_same_shape(op: str, *xs: Any) -> None:
    """Raise ``ValueError`` unless all of ``xs`` have one shape (no silent broadcasting)."""
    for i, x in enumerate(xs[1:], 1):
        if tuple(x.shape) != tuple(xs[0].shape):
            raise ValueError(
                f"{op}: input {i} has shape {tuple(x.shape)} but input 0 has shape "
                f"{tuple(xs[0].shape)}; they must be equal"
            )


# ----------------------------------------------------------------------------- spec helpers
def label_input(n_classes: int) -> Input:
    """The spec input of the labels of scores shaped ``(N, C, ...)``: integers of shape
    ``(N, ...)`` in ``[-1, C)``, -1 being the ignored label."""
    return Input(dtype="int64", domain=(-1, n_classes), shape=lambda s: (s[0], *s[2:]))


def nll_reference(
    logp: Any, t: Any, w: Any, reduction: str, dtype: Any, ignore_label: int = -1
) -> Any:
    """The NumPy reference of a weighted negative log-likelihood: ``-logp`` at the labels
    ``t`` (class axis 1), times the class weights ``w`` (or 1), ignored labels adding
    nothing; the mean divides by the sum of the weights (0 when nothing counts)."""
    valid = t != ignore_label
    safe = numpy.where(valid, t, 0)
    weights = valid * (1.0 if w is None else w[safe])
    loss = -numpy.take_along_axis(logp, safe[:, None], axis=1)[:, 0] * weights
    if reduction == "none":
        return loss.astype(dtype)
    if reduction == "sum":
        return loss.sum().astype(dtype)
    den = weights.sum()
    return (loss.sum() / (den if den else 1.0)).astype(dtype)


def weighted_factory(op: Callable[..., Variable], reduction: str) -> Callable[[], Any]:
    """A spec factory applying ``op(x, t, class_weight=w, reduction=reduction)``."""

    def factory() -> Any:
        return lambda x, t, w: op(x, t, class_weight=w, reduction=reduction)

    return factory
