r"""The exponential linear units: ELU, CELU and SELU.

.. math::
    \mathrm{elu}(x) = \begin{cases} x & x > 0 \\ \alpha (e^x - 1) & x \le 0 \end{cases},\quad
    \mathrm{elu}'(x) = \begin{cases} 1 & x > 0 \\ y + \alpha & x \le 0 \end{cases}

.. math::
    \mathrm{celu}(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x/\alpha} - 1) & x \le 0
    \end{cases},\quad
    \mathrm{celu}'(x) = \begin{cases} 1 & x > 0 \\ y / \alpha + 1 & x \le 0 \end{cases}

.. math::
    \mathrm{selu}(x) = \lambda\, \mathrm{elu}_{\alpha}(x),\quad
    \lambda \approx 1.0507,\; \alpha \approx 1.6733

The negative branch reuses the output, so backward keeps the output and the sign of the
input. ``elu`` is continuously differentiable at 0 only for :math:`\alpha = 1` (and ``celu``
always); the second derivative jumps there, so 0 is declared a kink.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.comparison.where import where
from gradkit_ops.math.arithmetic import UNARY_SHAPES

__all__ = ["elu", "celu", "selu", "ELU", "CELU"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
KINK_AT_ZERO = Input(domain=(-3.0, 3.0), kinks=(0.0,))


class ELU(FunctionNode):
    """``x`` for ``x > 0``, ``alpha * expm1(x)`` below."""

    spec = Unchecked("applied and checked through gradkit_ops.elu() and selu()")

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        xp = get_array_module(x)
        # expm1 of min(x, 0): the unused branch never overflows
        return (xp.where(x > 0, x, self.alpha * xp.expm1(xp.minimum(x, 0.0))),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        (x,) = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        return (where(x.array > 0, gy, gy * (y + self.alpha)),)


@op_spec(
    name="elu",
    inputs=[KINK_AT_ZERO],
    shapes=UNARY_SHAPES,
    kwargs={"alpha": 0.7},
    reference=lambda x: numpy.where(x > 0, x, 0.7 * numpy.expm1(numpy.minimum(x, 0))),
)
def elu(x: Any, alpha: float = 1.0) -> Variable:
    """Exponential linear unit: ``x`` where ``x > 0``, ``alpha * (exp(x) - 1)`` below. Its
    gradient is 1 above 0 and ``elu(x) + alpha`` below; 0 is a kink unless ``alpha == 1``.

    >>> import numpy as np
    >>> elu(np.array([-1.0, 2.0])).array
    array([-0.63212056,  2.        ])
    """
    return ELU(float(alpha)).apply((x,))[0]


class CELU(FunctionNode):
    """``x`` for ``x > 0``, ``alpha * expm1(x / alpha)`` below."""

    spec = Unchecked("applied and checked through gradkit_ops.celu()")

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        xp = get_array_module(x)
        return (xp.where(x > 0, x, self.alpha * xp.expm1(xp.minimum(x, 0.0) / self.alpha)),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        (x,) = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        return (where(x.array > 0, gy, gy * (y / self.alpha + 1)),)


@op_spec(
    inputs=[KINK_AT_ZERO],
    shapes=UNARY_SHAPES,
    kwargs={"alpha": 1.5},
    reference=lambda x: numpy.where(x > 0, x, 1.5 * numpy.expm1(numpy.minimum(x, 0) / 1.5)),
)
def celu(x: Any, alpha: float = 1.0) -> Variable:
    """Continuously differentiable ELU: ``x`` where ``x > 0``, ``alpha * (exp(x / alpha) - 1)``
    below (``alpha > 0``). Its gradient is 1 above 0 and ``exp(x / alpha)`` below.

    >>> import numpy as np
    >>> celu(np.array([-2.0, 2.0]), alpha=2.0).array
    array([-1.26424112,  2.        ])
    """
    if not alpha > 0:
        raise ValueError(f"celu: alpha must be positive; got {alpha}")
    return CELU(float(alpha)).apply((x,))[0]


@op_spec(
    inputs=[KINK_AT_ZERO],
    shapes=UNARY_SHAPES,
    reference=lambda x: (
        SELU_SCALE * numpy.where(x > 0, x, SELU_ALPHA * numpy.expm1(numpy.minimum(x, 0)))
    ),
)
def selu(x: Any) -> Variable:
    """Scaled ELU: ``scale * elu(x, alpha)`` with the self-normalizing constants
    ``alpha = 1.6733`` and ``scale = 1.0507`` (Klambauer et al., 2017). Its gradient is
    ``scale`` above 0 and ``scale * (elu(x, alpha) + alpha)`` below; 0 is a kink.

    >>> import numpy as np
    >>> selu(np.array([1.0])).array
    array([1.05070099])
    """
    return ELU(SELU_ALPHA).apply((x,))[0] * SELU_SCALE
