"""Sum over axes: its backward broadcasts the gradient back."""

from __future__ import annotations

from typing import Any

import numpy

from gradkit.arithmetic.broadcast import broadcast_to
from gradkit.arithmetic.shape import reshape
from gradkit.backend import get_array_module
from gradkit.config import config
from gradkit.function_node import FunctionNode
from gradkit.variable import Variable

_ndarray = numpy.ndarray
_new_variable = Variable._from_array

__all__ = ["Sum", "sum", "normalize_axis"]


def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    """Return ``axis`` (None, an int or a tuple of ints) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    result = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for an array of {ndim} dimensions")
        result.append(a % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"repeated axis in {axis}")
    return tuple(sorted(result))


class Sum(FunctionNode):
    """Sum of the elements over ``axis`` (all of them by default)."""

    def __init__(self, axis: Any = None, keepdims: bool = False) -> None:
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.in_shape = x.shape
        self.axes = normalize_axis(self.axis, x.ndim)
        xp = get_array_module(x)
        return (xp.sum(x, axis=self.axes, keepdims=self.keepdims),)

    def backward(self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]):
        (gy,) = grad_outputs
        if not self.keepdims and self.axes:
            shape = list(self.in_shape)
            for a in self.axes:
                shape[a] = 1
            gy = reshape(gy, tuple(shape))
        return (broadcast_to(gy, self.in_shape),)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Variable:
    """Sum of ``x`` over ``axis`` (None: all axes; an int or a tuple of ints)."""
    tx = type(x)
    if (tx is Variable or tx.__base__ is Variable) and not config.enable_backprop:
        # No graph (backward passes): reduce the NumPy array directly, as Sum would.
        d = x._data
        if type(d) is _ndarray and (
            axis is None or (type(axis) is int and -d.ndim <= axis < d.ndim)
        ):
            return _new_variable(d.sum(axis=axis, keepdims=keepdims), x._requires_grad)
    return Sum(axis, keepdims).apply((x,))[0]
