r"""Softsign.

.. math::
    \mathrm{softsign}(x) = \frac{x}{1 + |x|},\quad
    \mathrm{softsign}'(x) = \frac{1}{(1 + |x|)^2}

The first derivative is continuous, but the second, :math:`-2\,\mathrm{sign}(x)/(1+|x|)^3`,
jumps at 0: a kink for double backward.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import absolute
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math.arithmetic import UNARY_SHAPES, square

__all__ = ["softsign", "Softsign"]


class Softsign(FunctionNode):
    """``x / (1 + |x|)``; the gradient is ``1 / (1 + |x|)**2``."""

    spec = Unchecked("applied and checked through gradkit_ops.softsign()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (x / (1 + get_array_module(x).abs(x)),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] / square(1 + absolute(x)),)


@op_spec(
    inputs=[Input(domain=(-4.0, 4.0), kinks=(0.0,))],
    shapes=UNARY_SHAPES,
    reference=lambda x: x / (1 + numpy.abs(x)),
    examples=[([numpy.array([-3.0, 0.0, 1.0])], [-0.75, 0.0, 0.5])],
)
def softsign(x: Any) -> Variable:
    """Softsign ``x / (1 + |x|)``, elementwise; its gradient is ``1 / (1 + |x|)**2``.

    >>> import numpy as np
    >>> softsign(np.array([-3.0, 1.0])).array
    array([-0.75,  0.5 ])
    """
    return Softsign().apply((x,))[0]
