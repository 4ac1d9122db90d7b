r"""mean_squared_error: the squared difference of two arrays, reduced.

.. math:: \ell_i = (x_i - y_i)^2,\qquad
          \frac{\partial \ell_i}{\partial x_i} = 2 (x_i - y_i)
          = -\frac{\partial \ell_i}{\partial y_i}

with ``reduction`` ``"mean"`` (Chainer's ``mean_squared_error``; the gradient is divided by
the number of elements), ``"sum"`` or ``"none"``. A composite of ``sub``, ``mul`` and the
reduction, so every order of gradient comes from those.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import mul, sub
from gradkit.testing import op_spec
from gradkit_ops.loss._reduction import check_reduction, check_same_shape, reduce

__all__ = ["mean_squared_error"]


def mean_squared_error(x0: Any, x1: Any, reduction: str = "mean") -> Variable:
    """The squared error ``(x0 - x1) ** 2`` of two arrays of one shape, averaged
    (``reduction="mean"``), summed (``"sum"``) or elementwise (``"none"``).

    >>> import numpy as np
    >>> from gradkit_ops.loss import mean_squared_error
    >>> float(mean_squared_error(np.array([1.0, 2.0]), np.array([0.0, 4.0])).array)
    2.5
    """
    check_reduction(reduction, "mean_squared_error")
    check_same_shape("mean_squared_error", x0, x1)
    d = sub(x0, x1)
    return reduce(mul(d, d), reduction)


def _reference(reduction: str) -> Any:
    def reference(x0: Any, x1: Any) -> Any:
        loss = (x0 - x1) ** 2
        if reduction == "mean":
            return numpy.mean(loss)
        return numpy.sum(loss) if reduction == "sum" else loss

    return reference


op_spec(
    name="mean_squared_error",
    inputs=2,
    shapes=[(3, 4), (), "3x4nc", (5,)],
    reference=_reference("mean"),
    examples=[([numpy.array([1.0, 2.0]), numpy.array([0.0, 4.0])], 2.5)],
)(mean_squared_error)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"mean_squared_error.{_reduction}",
        inputs=2,
        kwargs={"reduction": _reduction},
        shapes=[(3, 4), (), "3x4nc", (0, 3)],
        reference=_reference(_reduction),
    )(mean_squared_error)
