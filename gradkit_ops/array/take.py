r"""take: gather the elements at integer ``indices`` along one axis.

.. math:: y[\dots, j, \dots] = x[\dots, \mathrm{idx}_j, \dots]
          \;\Rightarrow\; \partial L / \partial x[\dots, i, \dots] =
          \sum_{j:\ \mathrm{idx}_j = i} \partial L / \partial y[\dots, j, \dots]

The gradient scatter-adds (repeated indices add up); that needs a kernel, so it is its own
node, :class:`TakeGrad`, whose gradient is again a ``take``. The indices have no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.backend import scatter_add
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.array._index import as_index_array, normalize_axis_index
from gradkit_ops.array.reshape import reshape

__all__ = ["Take", "TakeGrad", "take"]


class Take(FunctionNode):
    """``take(x, indices, axis)`` for a 1-d int64 ``indices`` array in range."""

    def __init__(self, indices: Any, axis: int) -> None:
        self.indices = indices
        self.axis = axis

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.in_shape = x.shape
        return (get_array_module(x).take(x, self.indices, axis=self.axis),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return TakeGrad(self.indices, self.axis, self.in_shape).apply(grad_outputs)


class TakeGrad(FunctionNode):
    """The gradient of :class:`Take`: zeros of the input's shape with the output gradient
    added at ``indices`` along ``axis``."""

    def __init__(self, indices: Any, axis: int, in_shape: tuple[int, ...]) -> None:
        self.indices = indices
        self.axis = axis
        self.in_shape = in_shape

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (gy,) = inputs
        xp = get_array_module(gy)
        zeros = xp.zeros(self.in_shape, dtype=gy.dtype, device=gy.device)
        index = (slice(None),) * self.axis + (self.indices,)
        return (scatter_add(zeros, index, gy),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return Take(self.indices, self.axis).apply(grad_outputs)


def take(x: Any, indices: Any, axis: int | None = None) -> Variable:
    """The elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when
    ``axis`` is None), as NumPy's ``take``.

    ``indices`` is an int, a list or an integer array of any shape; negative indices count
    from the end. The result has shape ``x.shape[:axis] + indices.shape + x.shape[axis+1:]``.

    >>> import numpy as np
    >>> from gradkit_ops.array import take
    >>> take(np.array([10.0, 20.0, 30.0]), [2, 0, 2]).array
    array([30., 10., 30.])
    """
    if axis is None:
        x = reshape(x, (x.size,))
        axis = 0
    if x.ndim == 0:
        raise ValueError("take: needs an array of at least 1 dimension")
    axis = normalize_axis_index(axis, x.ndim, "take")
    idx = as_index_array(indices, x, "take", size=x.shape[axis])
    if idx.ndim == 1:
        return Take(idx, axis).apply((x,))[0]
    xp = get_array_module(idx)
    flat = xp.reshape(idx, (idx.size,))
    y = Take(flat, axis).apply((x,))[0]
    return reshape(y, x.shape[:axis] + idx.shape + x.shape[axis + 1 :])


op_spec(
    name="take",
    inputs=[Input(), Input(dtype="int64", domain=(-4, 4), shape=lambda s: (5,))],
    kwargs={"axis": 1},
    shapes=[(3, 4), "3x4nc", (0, 4), (2, 4, 3)],
    reference=lambda x, i: numpy.take(x, i, axis=1),
)(take)
op_spec(
    name="take.flat",
    inputs=[Input(), Input(dtype="int64", domain=(-1, 1), shape=lambda s: (2, 3))],
    shapes=[(), (3, 4), "3x4nc"],
    reference=lambda x, i: numpy.take(x, i),
)(take)
Take.spec = Unchecked("built and checked by take() (and pad, repeat, diagonal), which have specs")
TakeGrad.spec = Unchecked("the gradient of Take: checked by the double backward of take()")
