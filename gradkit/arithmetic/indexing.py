"""Indexing (``x[index]``), basic and advanced; its backward scatters the gradient back."""

from __future__ import annotations

from typing import Any

import numpy

from gradkit.backend import (
    backend_function,
    get_array_module,
    is_array,
    to_numpy,
)
from gradkit.function_node import FunctionNode
from gradkit.variable import Variable

__all__ = ["GetItem", "GetItemGrad", "getitem"]


def _normalize_index(x: Any, index: Any) -> tuple[tuple[Any, ...], bool]:
    """Return the index as a tuple of slices, ints, None, Ellipsis and arrays on x's device,
    and whether it is an advanced index."""
    if not isinstance(index, tuple):
        index = (index,)
    xp = get_array_module(x)
    data = x._data if isinstance(x, Variable) else x
    parts = []
    advanced = False
    for part in index:
        if isinstance(part, Variable):
            part = part._data
        if isinstance(part, list | numpy.ndarray) or (is_array(part) and xp is not numpy):
            if isinstance(part, list) or type(part).__module__.split(".")[0] != xp.__name__:
                host = numpy.asarray(to_numpy(part) if is_array(part) else part)
                if host.dtype.kind not in "iub":
                    raise IndexError(
                        f"an index array must hold integers or booleans; got {host.dtype}"
                    )
                if host.dtype.kind == "u":
                    host = host.astype(numpy.int64)
                part = xp.asarray(host, device=data.device)
            advanced = True
        elif is_array(part):
            advanced = True
        elif isinstance(part, numpy.integer):
            part = int(part)
        parts.append(part)
    if not any(p is Ellipsis for p in parts):
        parts.append(Ellipsis)  # the array API wants every axis indexed; "..." changes nothing
    return tuple(parts), advanced


class GetItem(FunctionNode):
    """``x[index]``."""

    def __init__(self, index: tuple[Any, ...], advanced: bool) -> None:
        self.index = index
        self.advanced = advanced

    def forward(self, inputs):
        (x,) = inputs
        self.in_shape = x.shape
        if self.advanced:
            return (backend_function("take_index", get_array_module(x))(x, self.index),)
        return (x[self.index],)

    def backward(self, target_input_indexes, grad_outputs):
        return GetItemGrad(self.index, self.advanced, self.in_shape).apply(grad_outputs)


class GetItemGrad(FunctionNode):
    """The gradient of ``x[index]``: zeros of x's shape with the gradient added at ``index``."""

    def __init__(self, index: tuple[Any, ...], advanced: bool, in_shape: tuple[int, ...]) -> None:
        self.index = index
        self.advanced = advanced
        self.in_shape = in_shape

    def forward(self, inputs):
        (gy,) = inputs
        xp = get_array_module(gy)
        gx = xp.zeros(self.in_shape, dtype=gy.dtype, device=gy.device)
        if self.advanced:  # repeated indices must add up
            return (backend_function("scatter_add", xp)(gx, self.index, gy),)
        index = self.index
        if any(part is None for part in index):
            # Setitem takes no new axes: drop them from the index and from the gradient.
            index = tuple([part for part in index if part is not None])
            gy = xp.reshape(gy, gx[index].shape)
        gx[index] = gy
        return (gx,)

    def backward(self, target_input_indexes, grad_outputs):
        return GetItem(self.index, self.advanced).apply(grad_outputs)


def getitem(x: Any, index: Any) -> Variable:
    """``x[index]`` with basic (ints, slices, None, ...) or advanced (integer or boolean
    arrays, lists) indices, as in NumPy."""
    if isinstance(x, Variable) and x._data is None:
        raise x._uninitialized_error()
    parts, advanced = _normalize_index(x, index)
    return GetItem(parts, advanced).apply((x,))[0]
