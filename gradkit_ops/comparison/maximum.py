r"""Elementwise maximum and minimum of two arrays, with broadcasting.

.. math::
    \mathrm{maximum}(a, b):\;
    \frac{\partial y}{\partial a} = [a > b] + \tfrac12 [a = b],\;
    \frac{\partial y}{\partial b} = [b > a] + \tfrac12 [a = b]

and likewise for ``minimum`` with the inequalities reversed. At a tie the function has a kink;
the gradient is then shared equally between the two operands (the mean of the one-sided
derivatives, as PyTorch does). The weights are constants, so the second derivative is zero.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import sum_to
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math._operands import binary_operands
from gradkit_ops.math.arithmetic import BINARY_SHAPES

__all__ = ["maximum", "minimum", "Maximum", "Minimum"]


def _grid(offset: float) -> Any:
    """Values on the grid ``offset + 0.4 k`` in (-1.2, 1.2), jittered by at most 0.05."""

    def values(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
        grid = numpy.arange(-1.2 + offset, 1.2, 0.4)
        return rng.choice(grid, size=shape) + rng.uniform(-0.05, 0.05, size=shape)

    return values


# The two operands come from interleaved grids, 0.2 apart: every element is a clear win for
# one side (both sides win somewhere), and never within 0.1 of a tie, the kink.
INTERLEAVED = [Input(values=_grid(0.0)), Input(values=_grid(0.2))]


class _Extremum(FunctionNode):
    """Shared forward and backward of Maximum and Minimum."""

    _is_max = True

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        a, b = inputs
        self.retain_inputs((0, 1))
        xp = get_array_module(a)
        return (xp.maximum(a, b) if self._is_max else xp.minimum(a, b),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        a, b = self.get_retained_inputs()
        ad, bd = a.array, b.array
        xp = get_array_module(ad)
        wins = (ad > bd) if self._is_max else (ad < bd)
        weight_a = xp.astype(wins, ad.dtype) + 0.5 * xp.astype(ad == bd, ad.dtype)
        result = []
        for i in target_input_indexes:
            weight = weight_a if i == 0 else 1 - weight_a
            result.append(sum_to(gy * weight, (a if i == 0 else b).shape))
        return tuple(result)


class Maximum(_Extremum):
    """The elementwise maximum of two arrays; ties share the gradient equally."""

    spec = Unchecked("applied and checked through gradkit_ops.maximum()")
    _is_max = True


class Minimum(_Extremum):
    """The elementwise minimum of two arrays; ties share the gradient equally."""

    spec = Unchecked("applied and checked through gradkit_ops.minimum()")
    _is_max = False


TIE_EXAMPLE = [numpy.array([1.0, -2.0, 0.5]), numpy.array([0.0, 3.0, 0.5])]


@op_spec(
    inputs=INTERLEAVED,
    shapes=BINARY_SHAPES,
    reference=numpy.maximum,
    examples=[(TIE_EXAMPLE, numpy.array([1.0, 3.0, 0.5]))],
)
def maximum(a: Any, b: Any) -> Variable:
    """The larger of ``a`` and ``b``, elementwise with broadcasting (NaN if either is NaN).

    The gradient goes to the larger operand; at a tie (a kink) it is shared equally. Either
    operand may be a scalar: ``maximum(x, 0.0)`` is relu.

    >>> import numpy as np
    >>> maximum(np.array([1.0, -2.0]), np.array([0.0, 3.0])).array
    array([1., 3.])
    """
    a, b = binary_operands("maximum", a, b)
    return Maximum().apply((a, b))[0]


@op_spec(
    inputs=INTERLEAVED,
    shapes=BINARY_SHAPES,
    reference=numpy.minimum,
    examples=[(TIE_EXAMPLE, numpy.array([0.0, -2.0, 0.5]))],
)
def minimum(a: Any, b: Any) -> Variable:
    """The smaller of ``a`` and ``b``, elementwise with broadcasting (NaN if either is NaN).

    The gradient goes to the smaller operand; at a tie (a kink) it is shared equally. Either
    operand may be a scalar.

    >>> import numpy as np
    >>> minimum(np.array([1.0, -2.0]), np.array([0.0, 3.0])).array
    array([ 0., -2.])
    """
    a, b = binary_operands("minimum", a, b)
    return Minimum().apply((a, b))[0]
