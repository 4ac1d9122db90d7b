r"""cumsum: running sums along an axis.

.. math:: y_k = \sum_{i \le k} x_i \;\Rightarrow\;
          \frac{\partial L}{\partial x_i} = \sum_{k \ge i} \frac{\partial L}{\partial y_k}

The gradient is a running sum taken from the other end: ``flip(cumsum(flip(gy)))``. Being
linear, its own gradient is a ``cumsum`` again. With ``axis=None`` the array is flattened
first, as in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import reshape
from gradkit.testing import Unchecked, op_spec
from gradkit_ops.array._index import normalize_axis_index
from gradkit_ops.array.flip import Flip

__all__ = ["CumSum", "cumsum"]


class CumSum(FunctionNode):
    """Running sums along ``axis`` (a non-negative int)."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        return (get_array_module(x).cumulative_sum(x, axis=self.axis),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        axes = (self.axis,)
        (flipped,) = Flip(axes).apply(grad_outputs)
        (summed,) = CumSum(self.axis).apply((flipped,))
        return Flip(axes).apply((summed,))


def cumsum(x: Any, axis: int | None = None) -> Variable:
    """Running sums of ``x`` along ``axis`` (of the flattened ``x`` when None).

    >>> import numpy as np
    >>> from gradkit_ops.reduction import cumsum
    >>> cumsum(np.array([1.0, 2.0, 3.0])).array
    array([1., 3., 6.])
    """
    if axis is None:
        x = reshape(x, (x.size,))
        axis = 0
    if x.ndim == 0:
        raise ValueError("cumsum: a 0-d array needs axis=None")
    return CumSum(normalize_axis_index(axis, x.ndim, "cumsum")).apply((x,))[0]


op_spec(
    name="cumsum",
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=lambda x: numpy.cumsum(x),
)(cumsum)
op_spec(
    name="cumsum.axis",
    kwargs={"axis": 1},
    shapes=[(3, 4), "3x4nc", (0, 4)],
    reference=lambda x: numpy.cumsum(x, axis=1),
)(cumsum)
CumSum.spec = Unchecked("built and checked by cumsum(), which has the specs")
