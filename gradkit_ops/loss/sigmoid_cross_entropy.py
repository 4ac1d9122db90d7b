r"""sigmoid_cross_entropy: binary cross entropy of integer labels through the sigmoid of
scores, computed without overflow (Chainer's ``sigmoid_cross_entropy``).

.. math:: \ell_i = -\big(t_i \log\sigma(x_i) + (1 - t_i) \log(1 - \sigma(x_i))\big)
          = \mathrm{softplus}(x_i) - t_i x_i,\qquad
          \frac{\partial \ell_i}{\partial x_i} = \sigma(x_i) - t_i

for labels :math:`t_i \in \{0, 1\}`. Elements whose label is ``ignore_label`` add nothing.
``reduction="mean"`` divides the sum by the number of counted elements (0 when none is
counted, as Chainer's ``normalize=True``), ``"sum"`` sums, ``"none"`` returns :math:`\ell`
(0 where ignored). A composite of :func:`~gradkit_ops.activation.softplus` (stable for any
:math:`x`) and a product with the constant labels, so every order of gradient works. The
labels get no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable, get_array_module
from gradkit.arithmetic import mul, sub
from gradkit.testing import Input, op_spec
from gradkit_ops.activation import softplus
from gradkit_ops.loss._reduction import check_reduction, check_same_shape, labels, weighted_reduce

__all__ = ["sigmoid_cross_entropy"]


def sigmoid_cross_entropy(
    x: Any, t: Any, ignore_label: int | None = -1, reduction: str = "mean"
) -> Variable:
    """The binary cross entropy of integer labels ``t`` (0, 1 or ``ignore_label``) under
    ``sigmoid(x)``, for scores ``x`` of ``t``'s shape.

    >>> import numpy as np
    >>> from gradkit_ops.loss import sigmoid_cross_entropy
    >>> x = np.array([0.0, np.log(3.0), 5.0])
    >>> round(float(sigmoid_cross_entropy(x, np.array([1, 0, -1])).array), 6)  # (log 2 + log 4)/2
    1.039721
    """
    check_reduction(reduction, "sigmoid_cross_entropy")
    check_same_shape("sigmoid_cross_entropy", x, t)
    lab = labels(t, 2, ignore_label, x.dtype, "sigmoid_cross_entropy")
    xp = get_array_module(lab.safe)
    target = xp.astype(lab.safe, x.dtype)
    loss = mul(sub(softplus(x), mul(x, target)), lab.weights)
    return weighted_reduce(loss, reduction, lab.weights)


def _reference(reduction: str = "mean") -> Any:
    def reference(x: Any, t: Any) -> Any:
        valid = t != -1
        loss = (numpy.logaddexp(0.0, x) - x * numpy.where(valid, t, 0)) * valid
        if reduction == "none":
            return loss.astype(x.dtype)
        if reduction == "sum":
            return loss.sum().astype(x.dtype)
        return (loss.sum() / max(valid.sum(), 1)).astype(x.dtype)

    return reference


_LABELS = Input(dtype="int64", domain=(-1, 2))
_SHAPES = [(3, 4), (), "3x4nc", (0, 3)]
op_spec(
    name="sigmoid_cross_entropy",
    inputs=[Input(domain=(-4.0, 4.0)), _LABELS],
    shapes=_SHAPES,
    reference=_reference(),
    examples=[
        # Large scores neither overflow nor lose the loss: softplus(800) - 800 = 0, and so on.
        ([numpy.array([800.0, -800.0, -800.0]), numpy.array([1, 0, 1])], 800.0 / 3),
        ([numpy.array([1.0, 2.0]), numpy.array([-1, -1])], 0.0),
    ],
)(sigmoid_cross_entropy)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"sigmoid_cross_entropy.{_reduction}",
        inputs=[Input(domain=(-4.0, 4.0)), _LABELS],
        kwargs={"reduction": _reduction},
        shapes=_SHAPES,
        reference=_reference(_reduction),
    )(sigmoid_cross_entropy)
