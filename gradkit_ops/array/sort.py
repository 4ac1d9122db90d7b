r"""sort and argsort.

``sort`` returns the values in order, :math:`y = x[\pi]` along the axis, with :math:`\pi`
the sorting permutation. It is a ``take_along_axis`` with that permutation, so
:math:`\partial L / \partial x_{\pi_j} = \partial L / \partial y_j`. Where elements tie,
``sort`` is not differentiable (a kink: the permutation jumps).

``argsort`` returns the permutation itself: integer indices, with no gradient (zero-gradient
op).
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.array._index import normalize_axis_index
from gradkit_ops.array._values import distinct
from gradkit_ops.array.take_along_axis import TakeAlongAxis, take_along_axis

__all__ = ["ArgSort", "argsort", "sort", "sorting_indices"]


def sorting_indices(x: Any, axis: int, descending: bool, stable: bool) -> Any:
    """The int64 indices that sort the array ``x`` along ``axis``.

    Only ``argsort(x, axis=, stable=)`` and ``flip`` are used: NumPy's ``argsort`` has no
    ``descending`` keyword. A descending order that keeps ties in place is the ascending
    order of the reversed array, reversed and mapped back: ``n - 1 - flip(argsort(flip(x)))``.
    """
    xp = get_array_module(x)
    if not descending:
        return xp.astype(xp.argsort(x, axis=axis, stable=stable), xp.int64)
    n = x.shape[axis]
    order = xp.argsort(xp.flip(x, axis=axis), axis=axis, stable=stable)
    return (n - 1) - xp.flip(xp.astype(order, xp.int64), axis=axis)


class ArgSort(FunctionNode):
    """The indices that sort the input along ``axis`` (an integer output: no gradient)."""

    def __init__(self, axis: int, descending: bool, stable: bool) -> None:
        self.axis = axis
        self.descending = descending
        self.stable = stable

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        return (sorting_indices(x, self.axis, self.descending, self.stable),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[None, ...]:
        return (None,)  # piecewise constant: the gradient is zero almost everywhere


def argsort(x: Any, axis: int = -1, descending: bool = False, stable: bool = True) -> Variable:
    """The int64 indices that sort ``x`` along ``axis``. Ties keep their order when
    ``stable``. The result has no gradient.

    >>> import numpy as np
    >>> from gradkit_ops.array import argsort
    >>> argsort(np.array([3.0, 1.0, 2.0])).array
    array([1, 2, 0])
    """
    if x.ndim == 0:
        raise ValueError("argsort: needs an array of at least 1 dimension")
    axis = normalize_axis_index(axis, x.ndim, "argsort")
    return ArgSort(axis, bool(descending), bool(stable)).apply((x,))[0]


def sort(x: Any, axis: int = -1, descending: bool = False, stable: bool = True) -> Variable:
    """``x`` sorted along ``axis`` (ascending unless ``descending``).

    >>> import numpy as np
    >>> from gradkit_ops.array import sort
    >>> sort(np.array([3.0, 1.0, 2.0])).array
    array([1., 2., 3.])
    """
    if x.ndim == 0:
        raise ValueError("sort: needs an array of at least 1 dimension")
    axis = normalize_axis_index(axis, x.ndim, "sort")
    data = x.array if isinstance(x, Variable) else x
    idx = sorting_indices(data, axis, bool(descending), bool(stable))
    return TakeAlongAxis(idx, axis).apply((x,))[0]


# Ties are kinks of sort (the permutation jumps there): the inputs are tie-free.
_TIE_FREE = [Input(values=distinct)]
op_spec(
    name="sort",
    inputs=_TIE_FREE,
    shapes=[(3, 4), "3x4nc", (0, 3), (5,)],
    reference=lambda x: numpy.sort(x, axis=-1),
)(sort)
op_spec(
    name="sort.descending",
    inputs=_TIE_FREE,
    kwargs={"axis": 0, "descending": True},
    shapes=[(3, 4), "3x4nc", (3, 0)],
    reference=lambda x: -numpy.sort(-x, axis=0),
)(sort)
op_spec(
    name="argsort",
    inputs=_TIE_FREE,
    shapes=[(3, 4), "3x4nc", (0, 3)],
    reference=lambda x: numpy.argsort(x, axis=-1, stable=True),
)(argsort)
# Hand-computed: ties keep their order, ascending and descending.
op_spec(
    name="argsort.ties",
    kwargs={"descending": True},
    examples=[([[2.0, 1.0, 2.0, 1.0, 3.0]], numpy.array([4, 0, 2, 1, 3]))],
    checks=("forward",),
)(argsort)
# argsort has no gradient; where it shows, gathering x at argsort's indices is sort, whose
# gradient is exactly the gather's: an index that let any gradient through would fail here.
op_spec(
    name="argsort.gather",
    inputs=_TIE_FREE,
    factory=lambda: lambda x: take_along_axis(x, argsort(x, axis=-1), axis=-1),
    shapes=[(3, 4), "3x4nc"],
    reference=lambda x: numpy.sort(x, axis=-1),
)(argsort)
ArgSort.spec = Unchecked("built and checked by argsort(), which has the specs")
