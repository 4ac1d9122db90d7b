r"""Exponentials and logarithms.

``exp`` and ``log`` are the engine's own (:mod:`gradkit.arithmetic`); this module attaches
their specs and re-exports them.

.. math::
    \begin{aligned}
    \mathrm{exp2}(x) &= 2^x, & \partial/\partial x &= y \ln 2 \\
    \mathrm{expm1}(x) &= e^x - 1, & \partial/\partial x &= y + 1 \\
    \mathrm{log2}(x) &= \log x / \ln 2, & \partial/\partial x &= 1 / (x \ln 2) \\
    \mathrm{log10}(x) &= \log x / \ln 10, & \partial/\partial x &= 1 / (x \ln 10) \\
    \mathrm{log1p}(x) &= \log(1 + x), & \partial/\partial x &= 1 / (1 + x) \\
    \mathrm{logaddexp}(a, b) &= \log(e^a + e^b), & \partial/\partial a &= e^{a - y},\;
        \partial/\partial b = e^{b - y}
    \end{aligned}

``expm1`` and ``log1p`` keep their relative accuracy near 0, where ``exp(x) - 1`` and
``log(1 + x)`` lose it; ``logaddexp`` never overflows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import exp, log, sum_to
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math._operands import binary_operands
from gradkit_ops.math.arithmetic import BINARY_SHAPES, UNARY_SHAPES

__all__ = [
    "exp",
    "log",
    "exp2",
    "expm1",
    "log2",
    "log10",
    "log1p",
    "logaddexp",
    "Exp2",
    "Expm1",
    "Log2",
    "Log10",
    "Log1p",
    "LogAddExp",
]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
POSITIVE = Input(domain=(0.2, 3.0))

op_spec(inputs=[Input(domain=(-2.0, 2.0))], shapes=UNARY_SHAPES, reference=numpy.exp)(exp)
op_spec(inputs=[POSITIVE], shapes=UNARY_SHAPES, reference=numpy.log)(log)


# ----------------------------------------------------------------------------- exp2
class Exp2(FunctionNode):
    """``2 ** x``; the gradient ``y ln 2`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.exp2()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (2.0**x,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (y * _LN2),)


@op_spec(inputs=[Input(domain=(-3.0, 3.0))], shapes=UNARY_SHAPES, reference=numpy.exp2)
def exp2(x: Any) -> Variable:
    """``2 ** x`` elementwise; its gradient is ``2 ** x * ln 2``.

    >>> import numpy as np
    >>> exp2(np.array([3.0, -1.0])).array
    array([8. , 0.5])
    """
    return Exp2().apply((x,))[0]


# ----------------------------------------------------------------------------- expm1
class Expm1(FunctionNode):
    """``exp(x) - 1``, accurate near 0; the gradient ``y + 1`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.expm1()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (get_array_module(x).expm1(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (y + 1),)


@op_spec(
    inputs=[Input(domain=(-2.0, 2.0))],
    shapes=UNARY_SHAPES,
    reference=numpy.expm1,
    # exp(x) - 1 is 0 here in float16 and loses 12 digits in float64
    examples=[([numpy.array([1e-4, 0.0])], numpy.array([1.0000500016667084e-4, 0.0]))],
)
def expm1(x: Any) -> Variable:
    """``exp(x) - 1`` elementwise, without the cancellation near 0; its gradient is
    ``exp(x)``.

    >>> import numpy as np
    >>> expm1(np.array([1e-10])).array
    array([1.e-10])
    """
    return Expm1().apply((x,))[0]


# ----------------------------------------------------------------------------- log2, log10
class Log2(FunctionNode):
    """Base-2 logarithm; the gradient is ``1 / (x ln 2)``."""

    spec = Unchecked("applied and checked through gradkit_ops.log2()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).log2(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] / (x * _LN2),)


@op_spec(inputs=[POSITIVE], shapes=UNARY_SHAPES, reference=numpy.log2)
def log2(x: Any) -> Variable:
    """Base-2 logarithm, elementwise; its gradient is ``1 / (x ln 2)``.

    >>> import numpy as np
    >>> log2(np.array([8.0, 0.5])).array
    array([ 3., -1.])
    """
    return Log2().apply((x,))[0]


class Log10(FunctionNode):
    """Base-10 logarithm; the gradient is ``1 / (x ln 10)``."""

    spec = Unchecked("applied and checked through gradkit_ops.log10()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).log10(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] / (x * _LN10),)


@op_spec(inputs=[POSITIVE], shapes=UNARY_SHAPES, reference=numpy.log10)
def log10(x: Any) -> Variable:
    """Base-10 logarithm, elementwise; its gradient is ``1 / (x ln 10)``.

    >>> import numpy as np
    >>> log10(np.array([100.0, 0.1])).array
    array([ 2., -1.])
    """
    return Log10().apply((x,))[0]


# ----------------------------------------------------------------------------- log1p
class Log1p(FunctionNode):
    """``log(1 + x)``, accurate near 0; the gradient is ``1 / (1 + x)``."""

    spec = Unchecked("applied and checked through gradkit_ops.log1p()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).log1p(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] / (x + 1),)


@op_spec(
    inputs=[Input(domain=(-0.7, 2.0))],
    shapes=UNARY_SHAPES,
    reference=numpy.log1p,
    # log(1 + x) is 0 here in float16 and loses 12 digits in float64
    examples=[([numpy.array([1e-4, 0.0])], numpy.array([9.999500033330834e-05, 0.0]))],
)
def log1p(x: Any) -> Variable:
    """``log(1 + x)`` elementwise, without the cancellation near 0; its gradient is
    ``1 / (1 + x)``.

    >>> import numpy as np
    >>> log1p(np.array([1e-10])).array
    array([1.e-10])
    """
    return Log1p().apply((x,))[0]


# ----------------------------------------------------------------------------- logaddexp
class LogAddExp(FunctionNode):
    """``log(exp(a) + exp(b))`` with broadcasting; the gradients ``exp(a - y)`` and
    ``exp(b - y)`` are the softmax weights of the two operands (both at most 1)."""

    spec = Unchecked("applied and checked through gradkit_ops.logaddexp()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        a, b = inputs
        self.retain_inputs((0, 1))
        self.retain_outputs((0,))
        return (get_array_module(a).logaddexp(a, b),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        inputs = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        return tuple(
            [sum_to(gy * exp(inputs[i] - y), inputs[i].shape) for i in target_input_indexes]
        )


@op_spec(
    inputs=[Input(domain=(-3.0, 3.0)), Input(domain=(-3.0, 3.0))],
    shapes=BINARY_SHAPES,
    reference=numpy.logaddexp,
    examples=[([numpy.array([1000.0, 0.0]), numpy.array([1000.0, -1000.0])], [1000.0 + _LN2, 0.0])],
)
def logaddexp(a: Any, b: Any) -> Variable:
    """``log(exp(a) + exp(b))`` elementwise with broadcasting, without overflow; the gradient
    with respect to ``a`` is ``exp(a - y)`` (and likewise for ``b``). Either operand may be a
    scalar.

    >>> import numpy as np
    >>> logaddexp(np.array([1000.0]), np.array([1000.0])).array - 1000.0
    array([0.69314718])
    """
    a, b = binary_operands("logaddexp", a, b)
    return LogAddExp().apply((a, b))[0]
