r"""GELU, the Gaussian error linear unit, exact or with the tanh approximation.

.. math::
    \mathrm{gelu}(x) = x\,\Phi(x),\quad \Phi(x) = \tfrac12 \operatorname{erfc}(-x/\sqrt2),
    \quad \mathrm{gelu}'(x) = \Phi(x) + x\,\varphi(x),\;
    \varphi(x) = e^{-x^2/2} / \sqrt{2\pi}

.. math::
    \mathrm{gelu}_{\tanh}(x) = \tfrac12 x (1 + \tanh u),\;
    u = \sqrt{2/\pi}\,(x + 0.044715 x^3),\quad
    \mathrm{gelu}_{\tanh}'(x) = \tfrac12 (1 + \tanh u)
        + \tfrac12 x (1 - \tanh^2 u)\, \sqrt{2/\pi}\,(1 + 3 \cdot 0.044715 x^2)

:math:`\Phi` is computed with ``erfc`` so that it keeps its relative accuracy for negative
:math:`x`. Both gradients are written with differentiable ops, so higher orders work.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit import special_functions as table
from gradkit.arithmetic import exp
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math.arithmetic import UNARY_SHAPES
from gradkit_ops.math.hyperbolic import tanh
from gradkit_ops.math.special import erfc

__all__ = ["gelu", "GELU"]

_INV_SQRT2 = 1 / math.sqrt(2.0)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_CUBIC = 0.044715


class GELU(FunctionNode):
    """GELU, exact (``approximate="none"``) or with the tanh approximation (``"tanh"``)."""

    spec = Unchecked("applied and checked through gradkit_ops.gelu()")

    def __init__(self, approximate: str) -> None:
        self.approximate = approximate

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        if self.approximate == "tanh":
            xp = get_array_module(x)
            u = _SQRT_2_OVER_PI * (x + _CUBIC * x * x * x)
            return (0.5 * x * (1 + xp.tanh(u)),)
        return (0.5 * x * table.erfc(-x * _INV_SQRT2),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        (x,) = self.get_retained_inputs()
        if self.approximate == "tanh":
            t = tanh(_SQRT_2_OVER_PI * (x + _CUBIC * x * x * x))
            du = _SQRT_2_OVER_PI * (1 + (3 * _CUBIC) * x * x)
            return (gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du),)
        cdf = 0.5 * erfc(-x * _INV_SQRT2)
        pdf = _INV_SQRT_2PI * exp(-0.5 * x * x)
        return (gy * (cdf + x * pdf),)


def _exact(x: numpy.ndarray) -> numpy.ndarray:
    return 0.5 * x * numpy.vectorize(math.erfc, otypes=[float])(-x * _INV_SQRT2)


def _tanh(x: numpy.ndarray) -> numpy.ndarray:
    return 0.5 * x * (1 + numpy.tanh(_SQRT_2_OVER_PI * (x + _CUBIC * x**3)))


@op_spec(
    name="gelu_tanh",
    inputs=[Input(domain=(-4.0, 4.0))],
    shapes=UNARY_SHAPES,
    kwargs={"approximate": "tanh"},
    reference=_tanh,
)
@op_spec(
    name="gelu",
    inputs=[Input(domain=(-4.0, 4.0))],
    shapes=UNARY_SHAPES,
    reference=_exact,
    examples=[([numpy.array([0.0, 1.0, -1.0])], [0.0, 0.8413447460685429, -0.15865525393145707])],
)
def gelu(x: Any, approximate: str = "none") -> Variable:
    """Gaussian error linear unit ``x * Phi(x)``, with ``Phi`` the standard normal CDF;
    ``approximate="tanh"`` uses ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))``.
    Its gradient is ``Phi(x) + x * phi(x)`` (exact), or the derivative of the approximation.

    >>> import numpy as np
    >>> gelu(np.array([1.0])).array
    array([0.84134475])
    >>> gelu(np.array([1.0]), approximate="tanh").array
    array([0.84119199])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh'; got {approximate!r}")
    return GELU(approximate).apply((x,))[0]
