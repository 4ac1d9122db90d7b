r"""flip: reverse the order of the elements along axes.

.. math:: y_{i} = x_{n - 1 - i} \quad\text{(along each flipped axis)}

Flipping is its own adjoint: :math:`\partial L / \partial x = \mathrm{flip}(\partial L /
\partial y)`.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import normalize_axis
from gradkit.testing import Unchecked, op_spec

__all__ = ["Flip", "flip"]


class Flip(FunctionNode):
    """Reverse the elements along ``axes`` (a tuple of non-negative axes)."""

    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        if not self.axes:
            return (x,)
        return (get_array_module(x).flip(x, axis=self.axes),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return Flip(self.axes).apply(grad_outputs)


def flip(x: Any, axis: int | tuple[int, ...] | None = None) -> Variable:
    """Reverse the order of the elements of ``x`` along ``axis`` (all axes when None).

    >>> import numpy as np
    >>> from gradkit_ops.array import flip
    >>> flip(np.array([1.0, 2.0, 3.0])).array
    array([3., 2., 1.])
    """
    return Flip(normalize_axis(axis, x.ndim)).apply((x,))[0]


op_spec(
    name="flip",
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=numpy.flip,
)(flip)
op_spec(
    name="flip.axes",
    kwargs={"axis": (0, 2)},
    shapes=[(2, 3, 4), "2x3x4nc", (2, 0, 4)],
    reference=lambda x: numpy.flip(x, (0, 2)),
)(flip)
Flip.spec = Unchecked("built and checked by flip(), which has the specs")
