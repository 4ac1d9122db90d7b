r"""The logistic sigmoid and its logarithm.

.. math:: \sigma(x) = \frac{1}{1 + e^{-x}},\quad \sigma'(x) = \sigma(x)\,(1 - \sigma(x))

.. math:: \log\sigma(x) = \min(x, 0) - \log(1 + e^{-|x|}),\quad
          (\log\sigma)'(x) = 1 - \sigma(x) = \sigma(-x)

The sigmoid is computed as :math:`1 / (1 + e^{-|x|})` for :math:`x \ge 0` and
:math:`e^{-|x|} / (1 + e^{-|x|})` below, so that it never overflows and keeps its relative
accuracy for very negative :math:`x` (where :math:`\sigma(x) \approx e^x`); ``log_sigmoid``
likewise never overflows and is exact to rounding for large :math:`|x|`.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math.arithmetic import UNARY_SHAPES

__all__ = ["sigmoid", "log_sigmoid", "Sigmoid", "LogSigmoid", "sigmoid_array"]


def sigmoid_array(x: Any) -> Any:
    """The logistic sigmoid of an array (not a Variable), without overflow: the forward of
    :func:`sigmoid`, shared with the activations built on it."""
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(FunctionNode):
    """The logistic sigmoid; the gradient ``y (1 - y)`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.sigmoid()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (sigmoid_array(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (y * (1 - y)),)


def _reference(x: numpy.ndarray) -> numpy.ndarray:
    return 1 / (1 + numpy.exp(-x))


@op_spec(
    inputs=[Input(domain=(-6.0, 6.0))],
    shapes=UNARY_SHAPES,
    reference=_reference,
    examples=[([numpy.array([0.0, -800.0, 800.0])], [0.5, numpy.exp(-800.0), 1.0])],
)
def sigmoid(x: Any) -> Variable:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, elementwise, without overflow; its
    gradient is ``sigmoid(x) * (1 - sigmoid(x))``.

    >>> import numpy as np
    >>> sigmoid(np.array([0.0, -800.0, 800.0])).array
    array([0.5, 0. , 1. ])
    """
    return Sigmoid().apply((x,))[0]


class LogSigmoid(FunctionNode):
    """``log(sigmoid(x))``; the gradient is ``sigmoid(-x)``."""

    spec = Unchecked("applied and checked through gradkit_ops.log_sigmoid()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        xp = get_array_module(x)
        return (xp.minimum(x, 0.0) - xp.log1p(xp.exp(-xp.abs(x))),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * sigmoid(-x),)


@op_spec(
    inputs=[Input(domain=(-6.0, 6.0))],
    shapes=UNARY_SHAPES,
    reference=lambda x: -numpy.logaddexp(0.0, -x),
    examples=[([numpy.array([0.0, -800.0, 800.0])], [-numpy.log(2.0), -800.0, 0.0])],
)
def log_sigmoid(x: Any) -> Variable:
    """``log(sigmoid(x)) = -softplus(-x)``, elementwise, without overflow; its gradient is
    ``sigmoid(-x)``.

    >>> import numpy as np
    >>> log_sigmoid(np.array([-800.0, 0.0])).array.tolist()
    [-800.0, -0.6931471805599453]
    """
    return LogSigmoid().apply((x,))[0]
