r"""Rounding: floor, ceil and round.

They are piecewise constant, so their gradient is zero wherever it exists (they jump at the
integers, or at the half-integers for ``round``):

.. math:: \frac{\partial}{\partial x}\lfloor x \rfloor
          = \frac{\partial}{\partial x}\lceil x \rceil
          = \frac{\partial}{\partial x}\operatorname{round}(x) = 0

Zero gradient: backward returns zeros (not ``None``), so ``x.grad`` is an array of zeros and
a gradient that flows through a rounding op stops there visibly. The specs check that the
gradient is zero, with samples kept away from the jumps.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math._operands import zero_gradient
from gradkit_ops.math.arithmetic import UNARY_SHAPES

__all__ = ["floor", "ceil", "round", "Floor", "Ceil", "Round"]

# Integers and half-integers in the sampling domains: the jumps of floor/ceil and of round.
INTEGER_JUMPS = Input(domain=(-2.5, 2.5), kinks=(-2.0, -1.0, 0.0, 1.0, 2.0))
HALF_INTEGER_JUMPS = Input(domain=(-2.4, 2.4), kinks=(-1.5, -0.5, 0.5, 1.5))


class _Rounding(FunctionNode):
    """A rounding function of the array namespace, with a zero gradient."""

    _function = "floor"

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        return (getattr(get_array_module(x), self._function)(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return (zero_gradient(grad_outputs[0]),)


class Floor(_Rounding):
    """The largest integer not above ``x``; zero gradient."""

    spec = Unchecked("applied and checked through gradkit_ops.floor()")
    _function = "floor"


class Ceil(_Rounding):
    """The smallest integer not below ``x``; zero gradient."""

    spec = Unchecked("applied and checked through gradkit_ops.ceil()")
    _function = "ceil"


class Round(_Rounding):
    """The nearest integer, halves to even; zero gradient."""

    spec = Unchecked("applied and checked through gradkit_ops.round()")
    _function = "round"


@op_spec(
    inputs=[INTEGER_JUMPS],
    shapes=UNARY_SHAPES,
    reference=numpy.floor,
    examples=[([numpy.array([-1.5, -0.0, 0.5, 2.0])], [-2.0, 0.0, 0.0, 2.0])],
)
def floor(x: Any) -> Variable:
    """The largest integer not greater than ``x``, elementwise (as a float array).

    Zero gradient: piecewise constant, so backward returns zeros.

    >>> import numpy as np
    >>> floor(np.array([-1.5, 0.5])).array
    array([-2.,  0.])
    """
    return Floor().apply((x,))[0]


@op_spec(
    inputs=[INTEGER_JUMPS],
    shapes=UNARY_SHAPES,
    reference=numpy.ceil,
    examples=[([numpy.array([-1.5, 0.5, 2.0])], [-1.0, 1.0, 2.0])],
)
def ceil(x: Any) -> Variable:
    """The smallest integer not less than ``x``, elementwise (as a float array).

    Zero gradient: piecewise constant, so backward returns zeros.

    >>> import numpy as np
    >>> ceil(np.array([-1.5, 0.5])).array
    array([-1.,  1.])
    """
    return Ceil().apply((x,))[0]


@op_spec(
    inputs=[HALF_INTEGER_JUMPS],
    shapes=UNARY_SHAPES,
    reference=numpy.round,
    examples=[([numpy.array([0.5, 1.5, 2.5, -0.5, 0.7])], [0.0, 2.0, 2.0, -0.0, 1.0])],
)
def round(x: Any) -> Variable:
    """The nearest integer, elementwise; halves go to the even neighbour (0.5 -> 0,
    1.5 -> 2), as in NumPy and the array API.

    Zero gradient: piecewise constant, so backward returns zeros.

    >>> import numpy as np
    >>> round(np.array([0.5, 1.5, 2.7])).array
    array([0., 2., 3.])
    """
    return Round().apply((x,))[0]
