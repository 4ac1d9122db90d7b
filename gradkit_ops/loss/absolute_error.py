r"""mean_absolute_error: the absolute difference of two arrays, reduced.

.. math:: \ell_i = |x_i - y_i|,\qquad
          \frac{\partial \ell_i}{\partial x_i} = \mathrm{sign}(x_i - y_i)
          = -\frac{\partial \ell_i}{\partial y_i}

The loss has a kink where :math:`x_i = y_i`; there the gradient is the subgradient 0 (that of
``absolute``). With ``reduction`` ``"mean"`` (the default), ``"sum"`` or ``"none"``. A
composite of ``sub``, ``absolute`` and the reduction; its second derivative is 0 away from the
kink.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import absolute, sub
from gradkit.testing import Input, op_spec
from gradkit_ops.loss._reduction import check_reduction, check_same_shape, reduce

__all__ = ["mean_absolute_error"]


def mean_absolute_error(x0: Any, x1: Any, reduction: str = "mean") -> Variable:
    """The absolute error ``|x0 - x1|`` of two arrays of one shape, averaged
    (``reduction="mean"``), summed (``"sum"``) or elementwise (``"none"``). Where
    ``x0 == x1`` the gradient is 0.

    >>> import numpy as np
    >>> from gradkit_ops.loss import mean_absolute_error
    >>> float(mean_absolute_error(np.array([1.0, 2.0]), np.array([0.0, 4.0])).array)
    1.5
    """
    check_reduction(reduction, "mean_absolute_error")
    check_same_shape("mean_absolute_error", x0, x1)
    return reduce(absolute(sub(x0, x1)), reduction)


def _reference(reduction: str) -> Any:
    def reference(x0: Any, x1: Any) -> Any:
        loss = numpy.abs(x0 - x1)
        if reduction == "mean":
            return numpy.mean(loss)
        return numpy.sum(loss) if reduction == "sum" else loss

    return reference


# The kink is at x0 = x1. x0 stays 0.2 away from 0 and x1 within 0.1 of it, so every sampled
# difference is at least 0.1 away from the kink (wider than any stencil).
_AWAY_FROM_KINK = [
    Input(domain=(-2.0, 2.0), kinks=(0.0,), kink_margin=0.2),
    Input(domain=(-0.1, 0.1)),
]

op_spec(
    name="mean_absolute_error",
    inputs=_AWAY_FROM_KINK,
    shapes=[(3, 4), (), "3x4nc", (5,)],
    reference=_reference("mean"),
    # At the kink (second element) the loss is 0.
    examples=[([numpy.array([1.0, 2.0, -1.0]), numpy.array([0.0, 2.0, 1.0])], 1.0)],
)(mean_absolute_error)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"mean_absolute_error.{_reduction}",
        inputs=_AWAY_FROM_KINK,
        kwargs={"reduction": _reduction},
        shapes=[(3, 4), (), "3x4nc", (0, 3)],
        reference=_reference(_reduction),
    )(mean_absolute_error)
