r"""Hyperbolic functions and their inverses.

.. math::
    \begin{aligned}
    \sinh' &= \cosh, & \cosh' &= \sinh, & \tanh' &= 1 - \tanh^2 \\
    \operatorname{arcsinh}'(x) &= 1 / \sqrt{x^2 + 1}, &
        \operatorname{arccosh}'(x) &= 1 / \sqrt{x^2 - 1}, &
        \operatorname{arctanh}'(x) &= 1 / (1 - x^2)
    \end{aligned}

``arccosh`` is defined for :math:`x \ge 1` (infinite slope at 1) and ``arctanh`` on
:math:`(-1, 1)`.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math.arithmetic import UNARY_SHAPES, rsqrt

__all__ = [
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "Sinh",
    "Cosh",
    "Tanh",
    "TanhGrad",
    "Arcsinh",
    "Arccosh",
    "Arctanh",
]

WIDE = Input(domain=(-3.0, 3.0))


class Sinh(FunctionNode):
    """``sinh(x)``; the gradient is ``cosh(x)``."""

    spec = Unchecked("applied and checked through gradkit_ops.sinh()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).sinh(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * cosh(x),)


@op_spec(inputs=[WIDE], shapes=UNARY_SHAPES, reference=numpy.sinh)
def sinh(x: Any) -> Variable:
    """Hyperbolic sine, elementwise; its gradient is ``cosh(x)``.

    >>> import numpy as np
    >>> sinh(np.array([0.0])).array
    array([0.])
    """
    return Sinh().apply((x,))[0]


class Cosh(FunctionNode):
    """``cosh(x)``; the gradient is ``sinh(x)``."""

    spec = Unchecked("applied and checked through gradkit_ops.cosh()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).cosh(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * sinh(x),)


@op_spec(inputs=[WIDE], shapes=UNARY_SHAPES, reference=numpy.cosh)
def cosh(x: Any) -> Variable:
    """Hyperbolic cosine, elementwise; its gradient is ``sinh(x)``.

    >>> import numpy as np
    >>> cosh(np.array([0.0])).array
    array([1.])
    """
    return Cosh().apply((x,))[0]


class Tanh(FunctionNode):
    """``tanh(x)``; the gradient ``1 - y**2`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.tanh()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (get_array_module(x).tanh(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return TanhGrad().apply((y, grad_outputs[0]))


class TanhGrad(FunctionNode):
    """The backward of tanh, ``gy * (1 - y**2)`` from its output ``y``, as one node.

    Fused (tanh is on the hot path of many models): one allocation, in place, for large
    arrays; for small ones ``gy - gy * y**2`` with array operands only, since NumPy converts a
    Python scalar operand on every call, which costs more than the arithmetic there. Its own
    backward is written with gradkit ops, so higher orders work.
    """

    #: From this many elements on, memory traffic outweighs NumPy's per-call cost.
    IN_PLACE_FROM = 4096

    spec = Unchecked("checked through the double backward of gradkit_ops.tanh()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        y, gy = inputs
        self.retain_inputs((0, 1))
        if y.size >= self.IN_PLACE_FROM:
            gx = y * y
            gx *= -1
            gx += 1
            gx *= gy
            return (gx,)
        t = y * y
        t *= gy
        return (gy - t,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (g,) = grad_outputs
        y, gy = self.get_retained_inputs()
        return tuple(
            [g * (-2 * y * gy) if i == 0 else g * (1 - y * y) for i in target_input_indexes]
        )


@op_spec(inputs=[WIDE], shapes=UNARY_SHAPES, reference=numpy.tanh)
def tanh(x: Any) -> Variable:
    """Hyperbolic tangent, elementwise; its gradient is ``1 - tanh(x)**2``.

    >>> import numpy as np
    >>> tanh(np.array([0.0, 100.0])).array
    array([0., 1.])
    """
    return Tanh().apply((x,))[0]


class Arcsinh(FunctionNode):
    """``arcsinh(x)``; the gradient is ``1 / sqrt(x**2 + 1)``."""

    spec = Unchecked("applied and checked through gradkit_ops.arcsinh()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).asinh(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * rsqrt(x * x + 1),)


@op_spec(inputs=[WIDE], shapes=UNARY_SHAPES, reference=numpy.arcsinh)
def arcsinh(x: Any) -> Variable:
    """Inverse hyperbolic sine, elementwise; its gradient is ``1 / sqrt(x**2 + 1)``.

    >>> import numpy as np
    >>> arcsinh(np.array([0.0])).array
    array([0.])
    """
    return Arcsinh().apply((x,))[0]


class Arccosh(FunctionNode):
    """``arccosh(x)`` for ``x >= 1``; the gradient is ``1 / sqrt(x**2 - 1)``."""

    spec = Unchecked("applied and checked through gradkit_ops.arccosh()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).acosh(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * rsqrt(x * x - 1),)


# Above 1, where the slope is infinite.
@op_spec(inputs=[Input(domain=(1.2, 4.0))], shapes=UNARY_SHAPES, reference=numpy.arccosh)
def arccosh(x: Any) -> Variable:
    """Inverse hyperbolic cosine, elementwise, for ``x >= 1`` (NaN below); its gradient is
    ``1 / sqrt(x**2 - 1)``.

    >>> import numpy as np
    >>> arccosh(np.array([1.0])).array
    array([0.])
    """
    return Arccosh().apply((x,))[0]


class Arctanh(FunctionNode):
    """``arctanh(x)`` on (-1, 1); the gradient is ``1 / (1 - x**2)``."""

    spec = Unchecked("applied and checked through gradkit_ops.arctanh()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).atanh(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] / (1 - x * x),)


@op_spec(inputs=[Input(domain=(-0.9, 0.9))], shapes=UNARY_SHAPES, reference=numpy.arctanh)
def arctanh(x: Any) -> Variable:
    """Inverse hyperbolic tangent, elementwise, on (-1, 1) (infinite at +-1); its gradient is
    ``1 / (1 - x**2)``.

    >>> import numpy as np
    >>> arctanh(np.array([0.0])).array
    array([0.])
    """
    return Arctanh().apply((x,))[0]
