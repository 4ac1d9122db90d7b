r"""take_along_axis: gather along one axis with an index array of the data's rank.

.. math:: y[i_0, \dots, j, \dots] = x[i_0, \dots, \mathrm{idx}[i_0, \dots, j, \dots],
          \dots]

The gradient adds each output gradient into the position it was taken from (repeated
indices add up), a scatter-add that is its own node, :class:`TakeAlongAxisGrad`; the gradient
of that is again a ``take_along_axis``. The indices have no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.backend import scatter_add
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.array._index import as_index_array, normalize_axis_index

__all__ = ["TakeAlongAxis", "TakeAlongAxisGrad", "take_along_axis"]


class TakeAlongAxis(FunctionNode):
    """``take_along_axis(x, indices, axis)`` for int64 ``indices`` in range."""

    def __init__(self, indices: Any, axis: int) -> None:
        self.indices = indices
        self.axis = axis

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.in_shape = x.shape
        return (get_array_module(x).take_along_axis(x, self.indices, axis=self.axis),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return TakeAlongAxisGrad(self.indices, self.axis, self.in_shape).apply(grad_outputs)


class TakeAlongAxisGrad(FunctionNode):
    """The gradient of :class:`TakeAlongAxis`: zeros of the input's shape with the output
    gradient added where each element was taken from."""

    def __init__(self, indices: Any, axis: int, in_shape: tuple[int, ...]) -> None:
        self.indices = indices
        self.axis = axis
        self.in_shape = in_shape

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (gy,) = inputs
        xp = get_array_module(gy)
        device = gy.device
        ndim = gy.ndim
        index = []
        for d in range(ndim):
            if d == self.axis:
                index.append(self.indices)
                continue
            n = gy.shape[d]
            shape = tuple(n if k == d else 1 for k in range(ndim))
            if self.in_shape[d] == n:
                pos = xp.arange(n, dtype=xp.int64, device=device)
            else:  # x had length 1 here and was broadcast against the indices
                pos = xp.zeros(n, dtype=xp.int64, device=device)
            index.append(xp.reshape(pos, shape))
        zeros = xp.zeros(self.in_shape, dtype=gy.dtype, device=device)
        return (scatter_add(zeros, tuple(index), gy),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return TakeAlongAxis(self.indices, self.axis).apply(grad_outputs)


def take_along_axis(x: Any, indices: Any, axis: int = -1) -> Variable:
    """Pick, along ``axis``, the elements of ``x`` at ``indices`` (an integer array with
    ``x``'s number of dimensions, broadcastable against ``x`` on the other axes), as NumPy's
    ``take_along_axis``. Negative indices count from the end.

    >>> import numpy as np
    >>> from gradkit_ops.array import take_along_axis
    >>> take_along_axis(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1], [0]]), 1).array
    array([[2.],
           [3.]])
    """
    if x.ndim == 0:
        raise ValueError("take_along_axis: needs an array of at least 1 dimension")
    axis = normalize_axis_index(axis, x.ndim, "take_along_axis")
    idx = as_index_array(indices, x, "take_along_axis", size=x.shape[axis])
    if idx.ndim != x.ndim:
        raise ValueError(
            f"take_along_axis: indices of shape {idx.shape} need as many dimensions as the "
            f"data of shape {x.shape}"
        )
    return TakeAlongAxis(idx, axis).apply((x,))[0]


op_spec(
    name="take_along_axis",
    inputs=[Input(), Input(dtype="int64", domain=(-4, 4))],
    kwargs={"axis": 1},
    shapes=[(3, 4), "3x4nc", (0, 4)],
    reference=lambda x, i: numpy.take_along_axis(x, i, axis=1),
)(take_along_axis)
# The indices pick 2 of 4 along axis 0 and broadcast against the data on axis 1.
op_spec(
    name="take_along_axis.broadcast",
    inputs=[Input(), Input(dtype="int64", domain=(0, 4), shape=lambda s: (2, 1))],
    kwargs={"axis": 0},
    shapes=[(4, 3), "4x3nc"],
    reference=lambda x, i: numpy.take_along_axis(x, i, axis=0),
)(take_along_axis)
TakeAlongAxis.spec = Unchecked(
    "built and checked by take_along_axis() (and sort, topk), which have specs"
)
TakeAlongAxisGrad.spec = Unchecked(
    "the gradient of TakeAlongAxis: checked by the double backward of take_along_axis()"
)
