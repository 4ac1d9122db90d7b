r"""binary_cross_entropy: the cross entropy of probabilities against target probabilities.

.. math:: \ell_i = -\big(t_i \log p_i + (1 - t_i) \log(1 - p_i)\big)

.. math:: \frac{\partial \ell_i}{\partial p_i} = \frac{p_i - t_i}{p_i (1 - p_i)},\qquad
          \frac{\partial \ell_i}{\partial t_i} = \log(1 - p_i) - \log p_i

for :math:`p_i \in (0, 1)` (the loss and its gradient are infinite at 0 and 1; the specs draw
:math:`p` inside) and targets :math:`t_i \in [0, 1]`, which are differentiable too (PyTorch's
``BCELoss`` takes the same arguments; it clamps the logarithms at -100, this loss does not).
For scores rather than probabilities, :func:`~gradkit_ops.loss.sigmoid_cross_entropy` is
stable. A composite of ``log``, ``log1p`` and products, reduced by ``reduction``
(``"mean"``, ``"sum"`` or ``"none"``), so every order of gradient works.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import add, log, mul, neg, sub
from gradkit.testing import Input, op_spec
from gradkit_ops.loss._reduction import check_reduction, check_same_shape, reduce
from gradkit_ops.math import log1p

__all__ = ["binary_cross_entropy"]


def binary_cross_entropy(p: Any, t: Any, reduction: str = "mean") -> Variable:
    """The binary cross entropy of probabilities ``p`` (in (0, 1)) and targets ``t`` (in
    [0, 1], of ``p``'s shape).

    >>> import numpy as np
    >>> from gradkit_ops.loss import binary_cross_entropy
    >>> binary_cross_entropy(np.array([0.5, 0.75]), np.array([1.0, 0.0]), "none").array
    array([0.69314718, 1.38629436])
    """
    check_reduction(reduction, "binary_cross_entropy")
    check_same_shape("binary_cross_entropy", p, t)
    # -(t log p + (1 - t) log(1 - p)) = -(t (log p - log(1 - p)) + log(1 - p))
    log_q = log1p(neg(p))
    loss = neg(add(mul(t, sub(log(p), log_q)), log_q))
    return reduce(loss, reduction)


def _reference(reduction: str = "mean") -> Any:
    def reference(p: Any, t: Any) -> Any:
        loss = -(t * numpy.log(p) + (1 - t) * numpy.log1p(-p))
        if reduction == "mean":
            return numpy.mean(loss).astype(p.dtype)
        return (numpy.sum(loss) if reduction == "sum" else loss).astype(p.dtype)

    return reference


_INPUTS = [Input(domain=(0.05, 0.95)), Input(domain=(0.0, 1.0))]
op_spec(
    name="binary_cross_entropy",
    inputs=_INPUTS,
    shapes=[(3, 4), (), "3x4nc"],
    reference=_reference(),
    examples=[([numpy.array([0.5, 0.75]), numpy.array([1.0, 0.0])], numpy.log(8.0) / 2)],
)(binary_cross_entropy)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"binary_cross_entropy.{_reduction}",
        inputs=_INPUTS,
        kwargs={"reduction": _reduction},
        shapes=[(3, 4), (), "3x4nc", (0, 3)],
        reference=_reference(_reduction),
    )(binary_cross_entropy)
