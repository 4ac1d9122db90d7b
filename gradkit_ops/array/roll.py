r"""roll: shift the elements cyclically along axes.

.. math:: y_{(i + s) \bmod n} = x_i

The adjoint of rolling by ``s`` is rolling by ``-s``: :math:`\partial L / \partial x =
\mathrm{roll}(\partial L / \partial y, -s)`. With ``axis=None`` the array is rolled as if
flattened, as in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Unchecked, op_spec

__all__ = ["Roll", "roll"]


class Roll(FunctionNode):
    """Roll by ``shift`` along ``axis`` (ints or tuples of ints; ``axis=None``: flattened)."""

    def __init__(self, shift: int | tuple[int, ...], axis: int | tuple[int, ...] | None) -> None:
        self.shift = shift
        self.axis = axis

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        return (get_array_module(x).roll(x, self.shift, axis=self.axis),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        shift = self.shift
        back = tuple(-s for s in shift) if isinstance(shift, tuple) else -shift
        return Roll(back, self.axis).apply(grad_outputs)


def roll(
    x: Any, shift: int | tuple[int, ...], axis: int | tuple[int, ...] | None = None
) -> Variable:
    """Shift the elements of ``x`` by ``shift`` places along ``axis``, wrapping around.

    >>> import numpy as np
    >>> from gradkit_ops.array import roll
    >>> roll(np.array([1.0, 2.0, 3.0]), 1).array
    array([3., 1., 2.])
    """
    if isinstance(shift, list | tuple):
        shift = tuple(int(s) for s in shift)
        if not isinstance(axis, list | tuple) or len(axis) != len(shift):
            raise ValueError(
                f"roll: a tuple shift {shift} needs a tuple axis of the same length; got {axis}"
            )
    else:
        shift = int(shift)
    if isinstance(axis, list):
        axis = tuple(axis)
    return Roll(shift, axis).apply((x,))[0]


op_spec(
    name="roll",
    kwargs={"shift": (1, -2), "axis": (0, 1)},
    shapes=[(3, 4), "3x4nc", (0, 3)],
    reference=lambda x: numpy.roll(x, (1, -2), (0, 1)),
)(roll)
op_spec(
    name="roll.flat",
    kwargs={"shift": 5},
    shapes=[(3, 4), (), "3x4nc"],
    reference=lambda x: numpy.roll(x, 5),
)(roll)
Roll.spec = Unchecked("built and checked by roll(), which has the specs")
