r"""prod: the product of the elements over axes.

.. math:: y = \prod_{i \in \text{axes}} x_i \;\Rightarrow\;
          \frac{\partial L}{\partial x_i} = \frac{\partial L}{\partial y} \prod_{j \ne i} x_j

The product of the others is computed without dividing by :math:`x_i` (which fails on
zeros): with the reduced axes moved last and flattened to one axis, it is the exclusive
running product from the left times the exclusive running product from the right, both
made with :func:`~gradkit_ops.reduction.cumprod`. Inputs with one zero (only that element
gets a gradient) or several zeros (no element does) are exact, and so are higher orders.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import mul, reshape, transpose
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.array._values import nonzero, with_zeros
from gradkit_ops.array.flip import Flip
from gradkit_ops.reduction._axes import expand_to_input, reduced_axes, reduced_size
from gradkit_ops.reduction.cumprod import CumProd, shift_along

__all__ = ["Prod", "prod"]


def _exclusive_cumprod(v: Variable, axis: int) -> Variable:
    (running,) = CumProd(axis).apply((v,))
    return shift_along(running, axis, 1, 1.0)


class Prod(FunctionNode):
    """The product over ``axes`` (a sorted tuple of non-negative axes)."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        xp = get_array_module(x)
        return (xp.prod(x, axis=self.axes, keepdims=self.keepdims),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        shape = tuple(x.shape)
        axes = self.axes
        gy = expand_to_input(grad_outputs[0], shape, axes, self.keepdims)
        n = reduced_size(shape, axes)
        if n <= 1 or x.size == 0:
            return (gy,)  # the product of no other element is 1
        kept = tuple(a for a in range(x.ndim) if a not in axes)
        order = kept + axes
        last = len(kept)
        moved = transpose(x, order) if order != tuple(range(x.ndim)) else x
        moved_shape = tuple(moved.shape)
        flat = reshape(moved, (*moved_shape[:last], n))
        left = _exclusive_cumprod(flat, last)
        (rev,) = Flip((last,)).apply((flat,))
        (right,) = Flip((last,)).apply((_exclusive_cumprod(rev, last),))
        others = reshape(mul(left, right), moved_shape)
        if order != tuple(range(x.ndim)):
            inverse = tuple(sorted(range(x.ndim), key=order.__getitem__))
            others = transpose(others, inverse)
        return (mul(gy, others),)


def prod(x: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Variable:
    """The product of the elements of ``x`` over ``axis`` (None: all axes; an int or a
    tuple of ints).

    >>> import numpy as np
    >>> from gradkit_ops.reduction import prod
    >>> prod(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0).array
    array([3., 8.])
    """
    return Prod(reduced_axes(axis, x.ndim), bool(keepdims)).apply((x,))[0]


op_spec(
    name="prod",
    inputs=[Input(values=nonzero)],
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=numpy.prod,
)(prod)
op_spec(
    name="prod.axes",
    inputs=[Input(values=nonzero)],
    kwargs={"axis": (0, 2), "keepdims": True},
    shapes=[(2, 3, 4), "2x3x4nc", (2, 0, 4), (0, 3, 4)],
    reference=lambda x: numpy.prod(x, axis=(0, 2), keepdims=True),
)(prod)
# Zeros in the input: with one zero only that element has a gradient; with two or more no
# element has one, but second derivatives do. Row 0 of a 3x4 input gets one zero, row 1 two.
op_spec(
    name="prod.one_zero",
    inputs=[Input(values=with_zeros([2]))],
    shapes=[(3, 4), "3x4nc", (5,)],
    reference=numpy.prod,
)(prod)
op_spec(
    name="prod.zeros",
    inputs=[Input(values=with_zeros([1, 4, 6]))],
    kwargs={"axis": 1},
    shapes=[(3, 4), "3x4nc"],
    reference=lambda x: numpy.prod(x, axis=1),
)(prod)
Prod.spec = Unchecked("built and checked by prod(), which has the specs")
