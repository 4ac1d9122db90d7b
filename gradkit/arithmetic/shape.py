"""Reshape and transpose: they move elements, so their backward moves them back."""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit.backend import get_array_module
from gradkit.config import config
from gradkit.function_node import FunctionNode
from gradkit.variable import Variable, as_variable

_ndarray = numpy.ndarray
_new_variable = Variable._from_array

__all__ = ["Reshape", "Transpose", "reshape", "transpose"]


class Reshape(FunctionNode):
    """Give an array a new shape with the same number of elements."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.in_shape = x.shape
        return (get_array_module(x).reshape(x, self.shape),)

    def backward(self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]):
        return (reshape(grad_outputs[0], self.in_shape),)


class Transpose(FunctionNode):
    """Permute the axes of an array (reverse them when ``axes`` is None)."""

    def __init__(self, axes: tuple[int, ...] | None = None) -> None:
        self.axes = axes

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        axes = self.axes
        if axes is None:
            axes = self.axes = tuple(range(x.ndim - 1, -1, -1))
        return (get_array_module(x).permute_dims(x, axes),)

    def backward(self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]):
        inverse = tuple(sorted(range(len(self.axes)), key=self.axes.__getitem__))
        return (transpose(grad_outputs[0], inverse),)


def reshape(x: Any, shape: Any) -> Variable:
    """Reshape ``x`` to ``shape`` (one entry may be -1). Returns ``x`` if the shape is equal."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if x.shape == shape:
        return as_variable(x)
    size = math.prod(x.shape)
    known = math.prod(s for s in shape if s != -1)
    unknown = shape.count(-1)
    if (
        unknown > 1
        or any(s < -1 for s in shape)
        or (unknown == 0 and known != size)
        or (unknown == 1 and (known == 0 or size % known))
    ):
        raise ValueError(f"reshape: an array of shape {x.shape} cannot be reshaped to {shape}")
    return Reshape(shape).apply((x,))[0]


def transpose(x: Any, axes: Any = None) -> Variable:
    """Permute the axes of ``x``; ``axes=None`` reverses them."""
    tx = type(x)
    if axes is None and (tx is Variable or tx.__base__ is Variable) and not config.enable_backprop:
        d = x._data
        if type(d) is _ndarray:  # no graph (backward passes): a NumPy view, as Transpose gives
            return _new_variable(d.T, x._requires_grad)
    if axes is not None:
        ndim = len(x.shape)
        axes = tuple(a % ndim if ndim else a for a in axes)
        if sorted(axes) != list(range(ndim)):
            raise ValueError(f"transpose: axes {axes} is not a permutation of {ndim} axes")
    return Transpose(axes).apply((x,))[0]
