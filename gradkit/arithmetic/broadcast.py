"""The one broadcasting rule: ``broadcast_to`` forward, ``sum_to`` backward, and vice versa.

Every binary op broadcasts its inputs natively in forward and undoes it in backward with
:func:`sum_to`; no op undoes broadcasting on its own.
"""

from __future__ import annotations

from typing import Any

from gradkit.backend import get_array_module
from gradkit.function_node import FunctionNode
from gradkit.variable import Variable, as_variable

__all__ = ["BroadcastTo", "SumTo", "broadcast_to", "sum_to"]


class BroadcastTo(FunctionNode):
    """Broadcast an array to ``shape``; the gradient is summed back with :func:`sum_to`."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = tuple(shape)

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.in_shape = x.shape
        return (get_array_module(x).broadcast_to(x, self.shape),)

    def backward(self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]):
        return (sum_to(grad_outputs[0], self.in_shape),)


class SumTo(FunctionNode):
    """Sum an array down to ``shape`` (the adjoint of broadcasting)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = tuple(shape)

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.in_shape = x.shape
        shape = self.shape
        lead = x.ndim - len(shape)
        axes = list(range(lead))
        for i, s in enumerate(shape):
            if s == 1 and x.shape[lead + i] != 1:
                axes.append(lead + i)
        xp = get_array_module(x)
        y = xp.sum(x, axis=tuple(axes), keepdims=True) if axes else x
        if lead:
            y = xp.reshape(y, shape)
        return (y,)

    def backward(self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]):
        return (broadcast_to(grad_outputs[0], self.in_shape),)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Variable:
    """Broadcast ``x`` to ``shape`` (NumPy rules). Returns ``x`` itself if already there."""
    shape = tuple(shape)
    if x.shape == shape:
        return as_variable(x)
    lead = len(shape) - len(x.shape)
    if lead < 0 or any(xs not in (1, s) for xs, s in zip(x.shape, shape[lead:], strict=True)):
        raise ValueError(f"broadcast_to: shape {x.shape} cannot be broadcast to {shape}")
    return BroadcastTo(shape).apply((x,))[0]


def sum_to(x: Any, shape: tuple[int, ...]) -> Variable:
    """Sum ``x`` over broadcast dimensions so its shape becomes ``shape``.

    >>> import numpy as np
    >>> sum_to(np.ones((2, 3)), (1, 3)).array
    array([[2., 2., 2.]])
    """
    shape = tuple(shape)
    if x.shape == shape:
        return as_variable(x)
    lead = len(x.shape) - len(shape)
    if lead < 0 or any(s not in (1, xs) for s, xs in zip(shape, x.shape[lead:], strict=True)):
        raise ValueError(f"sum_to: shape {x.shape} cannot be summed to {shape}")
    return SumTo(shape).apply((x,))[0]
