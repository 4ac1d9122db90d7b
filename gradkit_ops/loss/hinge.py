r"""hinge: the one-vs-all hinge loss of class scores and integer labels (Chainer's ``hinge``).

For scores :math:`x` of shape ``(N, K)`` and labels :math:`t` of shape ``(N,)``, with
:math:`s_{nk} = +1` for the true class :math:`k = t_n` and :math:`-1` for the others:

.. math:: \ell_{nk} = \max(0,\, 1 - s_{nk} x_{nk})^p,\qquad
          \frac{\partial \ell_{nk}}{\partial x_{nk}}
          = -p\, s_{nk} \max(0,\, 1 - s_{nk} x_{nk})^{p - 1}

with :math:`p = 1` (``norm="L1"``) or :math:`p = 2` (``"L2"``). The loss has a kink where
:math:`s x = 1`, i.e. at :math:`x = \pm 1` (for L2 only its second derivative jumps); the
gradient there is that of ``relu`` at 0 (zero). ``reduction="mean"`` sums over the classes and
averages over the batch (Chainer's normalization), ``"sum"`` sums, ``"none"`` returns
:math:`\ell` of shape ``(N, K)``. A composite of ``relu`` and products with the constant signs,
so every order of gradient works. The labels get no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable, get_array_module
from gradkit.arithmetic import div, mul, sub
from gradkit.testing import Input, op_spec
from gradkit_ops.activation import relu
from gradkit_ops.loss._reduction import check_reduction, labels
from gradkit_ops.reduction import sum

__all__ = ["hinge"]


def hinge(x: Any, t: Any, norm: str = "L1", reduction: str = "mean") -> Variable:
    """The hinge loss of scores ``x`` (shape ``(N, K)``) for labels ``t`` (shape ``(N,)``,
    in ``[0, K)``): ``max(0, 1 - s x) ** p`` per score, ``s = +1`` for the label's class and
    ``-1`` for the others, ``p`` 1 for ``norm="L1"`` and 2 for ``"L2"``.

    >>> import numpy as np
    >>> from gradkit_ops.loss import hinge
    >>> hinge(np.array([[0.5, -2.0, 0.0]]), np.array([0]), reduction="none").array
    array([[0.5, 0. , 1. ]])
    """
    check_reduction(reduction, "hinge")
    if norm not in ("L1", "L2"):
        raise ValueError(f"hinge: norm must be 'L1' or 'L2'; got {norm!r}")
    if x.ndim != 2:
        raise ValueError(f"hinge: x must have shape (N, K); got {x.shape}")
    if tuple(t.shape) != (x.shape[0],):
        raise ValueError(f"hinge: t must have shape ({x.shape[0]},); got {tuple(t.shape)}")
    lab = labels(t, x.shape[1], None, x.dtype, "hinge")
    xp = get_array_module(lab.safe)
    classes = xp.arange(x.shape[1], dtype=lab.safe.dtype, device=lab.safe.device)
    signs = xp.astype(classes == xp.expand_dims(lab.safe, axis=1), x.dtype) * 2 - 1
    margin = relu(sub(1.0, mul(x, signs)))
    loss = mul(margin, margin) if norm == "L2" else margin
    if reduction == "none":
        return loss
    total = sum(loss)
    if reduction == "sum":
        return total
    return div(total, float(x.shape[0])) if x.shape[0] else div(total, float("nan"))


def _reference(norm: str = "L1", reduction: str = "mean") -> Any:
    def reference(x: Any, t: Any) -> Any:
        signs = numpy.where(numpy.arange(x.shape[1]) == t[:, None], 1.0, -1.0)
        loss = numpy.maximum(0.0, 1.0 - signs * x) ** (2 if norm == "L2" else 1)
        if reduction == "mean":
            out = loss.sum() / x.shape[0]
        else:
            out = loss.sum() if reduction == "sum" else loss
        return numpy.asarray(out).astype(x.dtype)

    return reference


# The kinks are at x = +-1 (where s x = 1), whatever the label.
_SCORES = Input(domain=(-2.5, 2.5), kinks=(-1.0, 1.0))
_LABELS = Input(dtype="int64", domain=(0, 3), shape=lambda s: (s[0],))
op_spec(
    name="hinge",
    inputs=[_SCORES, _LABELS],
    shapes=[(4, 3), "4x3nc", (1, 3)],
    reference=_reference(),
    examples=[([numpy.array([[0.5, -2.0, 0.0], [1.0, 1.0, -1.0]]), numpy.array([0, 2])], 7.5 / 2)],
)(hinge)
op_spec(
    name="hinge.l2",
    inputs=[_SCORES, _LABELS],
    kwargs={"norm": "L2"},
    shapes=[(4, 3), "4x3nc"],
    reference=_reference("L2"),
)(hinge)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"hinge.{_reduction}",
        inputs=[_SCORES, _LABELS],
        kwargs={"reduction": _reduction},
        shapes=[(4, 3), "4x3nc", (0, 3)],
        reference=_reference("L1", _reduction),
    )(hinge)
