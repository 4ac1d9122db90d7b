r"""Softplus, and the activations built on it: SiLU (swish) and Mish.

.. math::
    \mathrm{softplus}_\beta(x) = \tfrac1\beta \log(1 + e^{\beta x}),\quad
    \mathrm{softplus}_\beta'(x) = \sigma(\beta x)

.. math::
    \mathrm{silu}(x) = x\,\sigma(x),\quad \mathrm{silu}'(x) = \sigma(x)\,(1 + x (1 - \sigma(x)))

.. math::
    \mathrm{mish}(x) = x \tanh(\mathrm{softplus}(x)),\quad
    \mathrm{mish}'(x) = t + x\,(1 - t^2)\,\sigma(x),\; t = \tanh(\mathrm{softplus}(x))

Softplus is computed as :math:`(\max(\beta x, 0) + \log(1 + e^{-|\beta x|})) / \beta`, which
never overflows. The gradients are written with differentiable ops (sigmoid, tanh, softplus),
so higher orders work.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.activation.sigmoid import sigmoid, sigmoid_array
from gradkit_ops.math.arithmetic import UNARY_SHAPES
from gradkit_ops.math.hyperbolic import tanh

__all__ = ["softplus", "silu", "mish", "Softplus", "SiLU", "Mish"]

WIDE = Input(domain=(-5.0, 5.0))


def _softplus_array(x: Any, beta: float) -> Any:
    xp = get_array_module(x)
    bx = x * beta if beta != 1 else x
    y = xp.maximum(bx, 0.0) + xp.log1p(xp.exp(-xp.abs(bx)))
    return y / beta if beta != 1 else y


class Softplus(FunctionNode):
    """``log(1 + exp(beta x)) / beta``; the gradient is ``sigmoid(beta x)``."""

    spec = Unchecked("applied and checked through gradkit_ops.softplus()")

    def __init__(self, beta: float) -> None:
        self.beta = beta

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (_softplus_array(x, self.beta),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        bx = x * self.beta if self.beta != 1 else x
        return (grad_outputs[0] * sigmoid(bx),)


@op_spec(
    name="softplus_beta",
    inputs=[WIDE],
    shapes=UNARY_SHAPES,
    kwargs={"beta": 2.0},
    reference=lambda x: numpy.logaddexp(0.0, 2.0 * x) / 2.0,
)
@op_spec(
    name="softplus",
    inputs=[WIDE],
    shapes=UNARY_SHAPES,
    reference=lambda x: numpy.logaddexp(0.0, x),
    examples=[([numpy.array([0.0, 800.0, -800.0])], [numpy.log(2.0), 800.0, numpy.exp(-800.0)])],
)
def softplus(x: Any, beta: float = 1.0) -> Variable:
    """Softplus ``log(1 + exp(beta * x)) / beta``, elementwise, without overflow (a smooth
    relu, sharper for larger ``beta > 0``); its gradient is ``sigmoid(beta * x)``.

    >>> import numpy as np
    >>> softplus(np.array([0.0, 800.0])).array.tolist()
    [0.6931471805599453, 800.0]
    """
    if not beta > 0:
        raise ValueError(f"softplus: beta must be positive; got {beta}")
    return Softplus(float(beta)).apply((x,))[0]


class SiLU(FunctionNode):
    """``x * sigmoid(x)``; the gradient is ``s (1 + x (1 - s))`` with ``s = sigmoid(x)``."""

    spec = Unchecked("applied and checked through gradkit_ops.silu()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (x * sigmoid_array(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        s = sigmoid(x)
        return (grad_outputs[0] * (s * (1 + x * (1 - s))),)


@op_spec(inputs=[WIDE], shapes=UNARY_SHAPES, reference=lambda x: x / (1 + numpy.exp(-x)))
def silu(x: Any) -> Variable:
    """SiLU (also called swish): ``x * sigmoid(x)``, elementwise; its gradient is
    ``sigmoid(x) * (1 + x * (1 - sigmoid(x)))``.

    >>> import numpy as np
    >>> silu(np.array([0.0, 1.0])).array
    array([0.        , 0.73105858])
    """
    return SiLU().apply((x,))[0]


class Mish(FunctionNode):
    """``x * tanh(softplus(x))``."""

    spec = Unchecked("applied and checked through gradkit_ops.mish()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (x * get_array_module(x).tanh(_softplus_array(x, 1.0)),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        t = tanh(softplus(x))
        return (grad_outputs[0] * (t + x * (1 - t * t) * sigmoid(x)),)


@op_spec(
    inputs=[WIDE],
    shapes=UNARY_SHAPES,
    reference=lambda x: x * numpy.tanh(numpy.logaddexp(0.0, x)),
)
def mish(x: Any) -> Variable:
    """Mish: ``x * tanh(softplus(x))``, elementwise (Misra, 2019); its gradient is
    ``t + x * (1 - t**2) * sigmoid(x)`` with ``t = tanh(softplus(x))``.

    >>> import numpy as np
    >>> mish(np.array([0.0, 1.0])).array
    array([0.        , 0.86509839])
    """
    return Mish().apply((x,))[0]
