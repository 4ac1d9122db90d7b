r"""huber and smooth_l1: quadratic near zero, linear beyond a threshold.

.. math:: \mathrm{huber}_\delta(d) = \begin{cases} \tfrac12 d^2 & |d| \le \delta \\
          \delta\,(|d| - \tfrac12 \delta) & |d| > \delta \end{cases},\qquad
          \frac{\partial\,\mathrm{huber}_\delta}{\partial d} = \mathrm{clip}(d, -\delta, \delta)

for :math:`d = x - t` (so the gradient with respect to :math:`t` is the negative).
``smooth_l1`` with threshold :math:`\beta` is :math:`\mathrm{huber}_\beta(d) / \beta`
(PyTorch's ``SmoothL1Loss``): :math:`\tfrac12 d^2/\beta` inside, :math:`|d| - \tfrac12\beta`
outside. Both are once differentiable everywhere; the second derivative jumps from 1 (or
:math:`1/\beta`) to 0 at :math:`|d| = \delta`, which the specs declare as kinks.

The loss is elementwise, reduced by ``reduction`` (``"mean"``, the default as in PyTorch;
Chainer's ``huber_loss`` summed along axis 1 instead). A composite: ``where`` picks the branch,
so every order of gradient comes from ``where``, ``mul`` and ``absolute``.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import absolute, mul, sub
from gradkit.testing import Input, op_spec
from gradkit_ops.comparison import where
from gradkit_ops.loss._reduction import check_reduction, check_same_shape, reduce

__all__ = ["huber", "smooth_l1"]


def _huber(x: Any, t: Any, delta: float) -> Variable:
    d = sub(x, t)
    a = absolute(d)
    inside = a.array <= delta
    return where(inside, mul(mul(d, d), 0.5), mul(sub(a, 0.5 * delta), delta))


def huber(x: Any, t: Any, delta: float = 1.0, reduction: str = "mean") -> Variable:
    """The Huber loss of ``x`` against ``t`` (one shape) with threshold ``delta > 0``:
    ``0.5 d**2`` where ``|d| <= delta``, ``delta * (|d| - delta / 2)`` elsewhere, for
    ``d = x - t``; averaged (``reduction="mean"``), summed (``"sum"``) or elementwise
    (``"none"``).

    >>> import numpy as np
    >>> from gradkit_ops.loss import huber
    >>> huber(np.array([0.5, 3.0]), np.zeros(2), reduction="none").array
    array([0.125, 2.5  ])
    """
    check_reduction(reduction, "huber")
    check_same_shape("huber", x, t)
    if not delta > 0:
        raise ValueError(f"huber: delta must be > 0; got {delta}")
    return reduce(_huber(x, t, float(delta)), reduction)


def smooth_l1(x: Any, t: Any, beta: float = 1.0, reduction: str = "mean") -> Variable:
    """The smooth L1 loss of ``x`` against ``t`` (one shape): ``0.5 d**2 / beta`` where
    ``|d| < beta``, ``|d| - beta / 2`` elsewhere, for ``d = x - t`` (``beta > 0``); averaged
    (``reduction="mean"``), summed (``"sum"``) or elementwise (``"none"``).

    >>> import numpy as np
    >>> from gradkit_ops.loss import smooth_l1
    >>> smooth_l1(np.array([0.5, 3.0]), np.zeros(2), beta=2.0, reduction="none").array
    array([0.0625, 2.    ])
    """
    check_reduction(reduction, "smooth_l1")
    check_same_shape("smooth_l1", x, t)
    if not beta > 0:
        raise ValueError(f"smooth_l1: beta must be > 0; got {beta}")
    beta = float(beta)
    loss = _huber(x, t, beta)
    return reduce(mul(loss, 1.0 / beta) if beta != 1.0 else loss, reduction)


def _reference(delta: float, reduction: str, scale: float = 1.0) -> Any:
    def reference(x: Any, t: Any) -> Any:
        a = numpy.abs(x - t)
        loss = numpy.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta)) * scale
        if reduction == "mean":
            return numpy.mean(loss)
        return numpy.sum(loss) if reduction == "sum" else loss

    return reference


def _inputs(threshold: float) -> list[Input]:
    # The second derivative jumps at |x - t| = threshold. x stays 0.2 away from +-threshold
    # and t within 0.1 of 0, so every sampled |x - t| is 0.1 away from it.
    return [
        Input(domain=(-3.0, 3.0), kinks=(-threshold, threshold), kink_margin=0.2),
        Input(domain=(-0.1, 0.1)),
    ]


op_spec(
    name="huber",
    inputs=_inputs(1.0),
    shapes=[(3, 4), (), "3x4nc", (6,)],
    reference=_reference(1.0, "mean"),
    # At the threshold both branches give 0.5.
    examples=[([numpy.array([1.0, -1.0, 0.0, 3.0]), numpy.zeros(4)], (0.5 + 0.5 + 0.0 + 2.5) / 4)],
)(huber)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"huber.{_reduction}",
        inputs=_inputs(0.5),
        kwargs={"delta": 0.5, "reduction": _reduction},
        shapes=[(3, 4), (), "3x4nc", (0, 3)],
        reference=_reference(0.5, _reduction),
    )(huber)
op_spec(
    name="smooth_l1",
    inputs=_inputs(1.0),
    shapes=[(3, 4), (), "3x4nc"],
    reference=_reference(1.0, "mean"),
)(smooth_l1)
op_spec(
    name="smooth_l1.beta",
    inputs=_inputs(2.0),
    kwargs={"beta": 2.0, "reduction": "none"},
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=_reference(2.0, "none", 0.5),
    examples=[([numpy.array([2.0, 1.0]), numpy.zeros(2)], [1.0, 0.25])],
)(smooth_l1)
