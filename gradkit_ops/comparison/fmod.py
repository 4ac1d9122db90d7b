r"""fmod: the remainder of a division truncated toward zero (C's ``fmod``).

.. math::
    \mathrm{fmod}(x, y) = x - y \operatorname{trunc}(x / y),\quad
    \frac{\partial}{\partial x} = 1,\;
    \frac{\partial}{\partial y} = -\operatorname{trunc}(x / y)

The result has the sign of ``x`` (unlike ``remainder``, which takes the sign of ``y``). It
jumps where ``x / y`` is an integer; between the jumps the quotient is a constant, so the
second derivative is zero. The array API has no fmod: it is computed exactly as
``copysign(remainder(|x|, |y|), x)``.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import sum_to
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math._operands import binary_operands
from gradkit_ops.math.arithmetic import BINARY_SHAPES

__all__ = ["fmod", "Fmod"]


class Fmod(FunctionNode):
    """``fmod(x, y)`` with broadcasting; the quotient ``trunc(x / y)`` is kept for backward."""

    spec = Unchecked("applied and checked through gradkit_ops.fmod()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        x, y = inputs
        xp = get_array_module(x)
        r = xp.copysign(xp.remainder(xp.abs(x), xp.abs(y)), x)
        self.shapes = (x.shape, y.shape)
        # x - r is an exact multiple of y up to rounding; round() recovers the integer.
        self.quotient = xp.round((x - r) / y)
        return (r,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        return tuple(
            [
                sum_to(gy, self.shapes[0])
                if i == 0
                else sum_to(-gy * self.quotient, self.shapes[1])
                for i in target_input_indexes
            ]
        )


# |x| in (2.2, 2.8) and |y| in (1.0, 1.05): |x / y| stays in (2.09, 2.8), away from the jumps
# at integer quotients, with a quotient of +-2 (so the gradient of y is exercised).
@op_spec(
    inputs=[
        Input(domain=(-2.8, 2.8), kinks=(0.0,), kink_margin=2.2),
        Input(domain=(-1.05, 1.05), kinks=(0.0,), kink_margin=1.0),
    ],
    shapes=BINARY_SHAPES,
    reference=numpy.fmod,
    examples=[
        (
            [numpy.array([5.5, -5.5, 5.5, -5.5]), numpy.array([2.0, 2.0, -2.0, -2.0])],
            [1.5, -1.5, 1.5, -1.5],
        ),
    ],
)
def fmod(x: Any, y: Any) -> Variable:
    """The remainder of ``x / y`` truncated toward zero, with the sign of ``x``, elementwise
    with broadcasting (NaN where ``y`` is 0). Its gradient is 1 with respect to ``x`` and
    ``-trunc(x / y)`` with respect to ``y``. Either operand may be a scalar.

    >>> import numpy as np
    >>> fmod(np.array([5.5, -5.5]), 2.0).array
    array([ 1.5, -1.5])
    """
    x, y = binary_operands("fmod", x, y)
    return Fmod().apply((x, y))[0]
