r"""topk: the ``k`` largest (or smallest) elements along an axis, and their indices.

The values are a ``take_along_axis`` of the input at the indices, so
:math:`\partial L / \partial x_{i_j} = \partial L / \partial y_j` for the selected elements
and zero for the others. Ties at the selection boundary are kinks. The indices are integers
with no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.testing import Input, op_spec
from gradkit_ops.array._index import normalize_axis_index
from gradkit_ops.array._values import distinct
from gradkit_ops.array.sort import sorting_indices
from gradkit_ops.array.take_along_axis import TakeAlongAxis

__all__ = ["topk"]


def topk(x: Any, k: int, axis: int = -1, largest: bool = True) -> tuple[Variable, Variable]:
    """The ``k`` largest (``largest=True``) or smallest elements of ``x`` along ``axis``,
    sorted from the most extreme, as ``(values, indices)``. Ties keep their order.

    >>> import numpy as np
    >>> from gradkit_ops.array import topk
    >>> values, indices = topk(np.array([1.0, 4.0, 2.0, 3.0]), 2)
    >>> values.array, indices.array
    (array([4., 3.]), array([1, 3]))
    """
    if x.ndim == 0:
        raise ValueError("topk: needs an array of at least 1 dimension")
    axis = normalize_axis_index(axis, x.ndim, "topk")
    n = x.shape[axis]
    k = int(k)
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for an axis of length {n}")
    data = x.array if isinstance(x, Variable) else x
    order = sorting_indices(data, axis, bool(largest), True)
    index = order[(*((slice(None),) * axis), slice(0, k), Ellipsis)]
    values = TakeAlongAxis(index, axis).apply((x,))[0]
    return values, Variable(index, requires_grad=False)


def _topk_reference(x: Any, k: int, axis: int, largest: bool) -> tuple[Any, Any]:
    order = numpy.argsort(-x if largest else x, axis=axis, stable=True)
    index = numpy.take(order, numpy.arange(k), axis=axis)
    return numpy.take_along_axis(x, index, axis=axis), index


# Ties at the selection boundary are kinks: the inputs are tie-free.
_TIE_FREE = [Input(values=distinct)]
op_spec(
    name="topk",
    inputs=_TIE_FREE,
    kwargs={"k": 2},
    shapes=[(3, 4), "3x4nc", (0, 3), (5,)],
    reference=lambda x: _topk_reference(x, 2, -1, True),
)(topk)
op_spec(
    name="topk.values",
    inputs=_TIE_FREE,
    factory=lambda: lambda x: topk(x, 2)[0],
    shapes=[(3, 4), "3x4nc", (0, 3), (5,)],
    reference=lambda x: _topk_reference(x, 2, -1, True)[0],
)(topk)
op_spec(
    name="topk.smallest",
    inputs=_TIE_FREE,
    factory=lambda: lambda x: topk(x, 1, axis=0, largest=False)[0],
    shapes=[(3, 4), "3x4nc", (3, 0)],
    reference=lambda x: _topk_reference(x, 1, 0, False)[0],
)(topk)
