r"""Trigonometric functions and their inverses (angles in radians).

.. math::
    \begin{aligned}
    \sin' &= \cos, & \cos' &= -\sin, & \tan' &= 1 + \tan^2 \\
    \arcsin'(x) &= 1 / \sqrt{1 - x^2}, & \arccos'(x) &= -1 / \sqrt{1 - x^2}, &
        \arctan'(x) &= 1 / (1 + x^2)
    \end{aligned}

.. math::
    \mathrm{arctan2}(y, x) = \operatorname{atan2}(y, x):\;
    \partial/\partial y = x / (x^2 + y^2),\; \partial/\partial x = -y / (x^2 + y^2)

.. math::
    \mathrm{hypot}(x, y) = \sqrt{x^2 + y^2}:\;
    \partial/\partial x = x / r,\; \partial/\partial y = y / r

``arctan2`` jumps by :math:`2\pi` across the negative x axis and, like ``hypot``, is not
differentiable at the origin; their specs keep samples away from both.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import sum_to
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math._operands import binary_operands
from gradkit_ops.math.arithmetic import BINARY_SHAPES, UNARY_SHAPES, rsqrt

__all__ = [
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "arctan2",
    "hypot",
    "Sin",
    "Cos",
    "Tan",
    "Arcsin",
    "Arccos",
    "Arctan",
    "Arctan2",
    "Hypot",
]

ANGLE = Input(domain=(-4.0, 4.0))
INSIDE_UNIT = Input(domain=(-0.9, 0.9))  # arcsin and arccos have infinite slopes at +-1
# Both coordinates at least 0.3 from 0: away from the origin and from the negative x axis.
OFF_AXES = Input(domain=(-2.0, 2.0), kinks=(0.0,), kink_margin=0.3)


# ----------------------------------------------------------------------------- sin, cos, tan
class Sin(FunctionNode):
    """``sin(x)``; the gradient is ``cos(x)``."""

    spec = Unchecked("applied and checked through gradkit_ops.sin()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).sin(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * cos(x),)


@op_spec(inputs=[ANGLE], shapes=UNARY_SHAPES, reference=numpy.sin)
def sin(x: Any) -> Variable:
    """Sine, elementwise; its gradient is ``cos(x)``.

    >>> import numpy as np
    >>> sin(np.array([0.0, np.pi / 2])).array
    array([0., 1.])
    """
    return Sin().apply((x,))[0]


class Cos(FunctionNode):
    """``cos(x)``; the gradient is ``-sin(x)``."""

    spec = Unchecked("applied and checked through gradkit_ops.cos()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).cos(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (-grad_outputs[0] * sin(x),)


@op_spec(inputs=[ANGLE], shapes=UNARY_SHAPES, reference=numpy.cos)
def cos(x: Any) -> Variable:
    """Cosine, elementwise; its gradient is ``-sin(x)``.

    >>> import numpy as np
    >>> cos(np.array([0.0, np.pi])).array
    array([ 1., -1.])
    """
    return Cos().apply((x,))[0]


class Tan(FunctionNode):
    """``tan(x)``; the gradient ``1 + y**2`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.tan()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (get_array_module(x).tan(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 + y * y),)


# Inside (-pi/2, pi/2) and away from the poles, where tan and its slope blow up.
@op_spec(inputs=[Input(domain=(-1.2, 1.2))], shapes=UNARY_SHAPES, reference=numpy.tan)
def tan(x: Any) -> Variable:
    """Tangent, elementwise; its gradient is ``1 + tan(x)**2``.

    >>> import numpy as np
    >>> tan(np.array([0.0, np.pi / 4])).array.round(12)
    array([0., 1.])
    """
    return Tan().apply((x,))[0]


# ----------------------------------------------------------------------------- inverses
class Arcsin(FunctionNode):
    """``arcsin(x)`` on [-1, 1]; the gradient is ``1 / sqrt(1 - x**2)``."""

    spec = Unchecked("applied and checked through gradkit_ops.arcsin()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).asin(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * rsqrt(1 - x * x),)


@op_spec(inputs=[INSIDE_UNIT], shapes=UNARY_SHAPES, reference=numpy.arcsin)
def arcsin(x: Any) -> Variable:
    """Inverse sine, elementwise, in [-pi/2, pi/2]; its gradient is ``1 / sqrt(1 - x**2)``.

    >>> import numpy as np
    >>> arcsin(np.array([0.0, 1.0])).array
    array([0.        , 1.57079633])
    """
    return Arcsin().apply((x,))[0]


class Arccos(FunctionNode):
    """``arccos(x)`` on [-1, 1]; the gradient is ``-1 / sqrt(1 - x**2)``."""

    spec = Unchecked("applied and checked through gradkit_ops.arccos()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).acos(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (-grad_outputs[0] * rsqrt(1 - x * x),)


@op_spec(inputs=[INSIDE_UNIT], shapes=UNARY_SHAPES, reference=numpy.arccos)
def arccos(x: Any) -> Variable:
    """Inverse cosine, elementwise, in [0, pi]; its gradient is ``-1 / sqrt(1 - x**2)``.

    >>> import numpy as np
    >>> arccos(np.array([1.0, 0.0])).array
    array([0.        , 1.57079633])
    """
    return Arccos().apply((x,))[0]


class Arctan(FunctionNode):
    """``arctan(x)``; the gradient is ``1 / (1 + x**2)``."""

    spec = Unchecked("applied and checked through gradkit_ops.arctan()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).atan(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] / (1 + x * x),)


@op_spec(inputs=[Input(domain=(-3.0, 3.0))], shapes=UNARY_SHAPES, reference=numpy.arctan)
def arctan(x: Any) -> Variable:
    """Inverse tangent, elementwise, in (-pi/2, pi/2); its gradient is ``1 / (1 + x**2)``.

    >>> import numpy as np
    >>> arctan(np.array([0.0, 1.0])).array
    array([0.        , 0.78539816])
    """
    return Arctan().apply((x,))[0]


# ----------------------------------------------------------------------------- arctan2
class Arctan2(FunctionNode):
    """The angle of the point ``(x, y)``, ``atan2(y, x)``, with broadcasting."""

    spec = Unchecked("applied and checked through gradkit_ops.arctan2()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        y, x = inputs
        self.retain_inputs((0, 1))
        return (get_array_module(y).atan2(y, x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        y, x = self.get_retained_inputs()
        g = gy / (x * x + y * y)
        return tuple(
            [
                sum_to(g * x, y.shape) if i == 0 else sum_to(-g * y, x.shape)
                for i in target_input_indexes
            ]
        )


@op_spec(inputs=[OFF_AXES, OFF_AXES], shapes=BINARY_SHAPES, reference=numpy.arctan2)
def arctan2(y: Any, x: Any) -> Variable:
    """The angle of the point ``(x, y)`` in (-pi, pi], elementwise with broadcasting (note
    the order: ``y`` first). Its gradient is ``(x, -y) / (x**2 + y**2)``; it jumps across the
    negative x axis and has no derivative at the origin. Either operand may be a scalar.

    >>> import numpy as np
    >>> arctan2(np.array([1.0, 1.0]), np.array([1.0, -1.0])).array / np.pi
    array([0.25, 0.75])
    """
    y, x = binary_operands("arctan2", y, x)
    return Arctan2().apply((y, x))[0]


# ----------------------------------------------------------------------------- hypot
class Hypot(FunctionNode):
    """``sqrt(x**2 + y**2)`` without overflow, with broadcasting."""

    spec = Unchecked("applied and checked through gradkit_ops.hypot()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        x, y = inputs
        self.retain_inputs((0, 1))
        self.retain_outputs((0,))
        return (get_array_module(x).hypot(x, y),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        inputs = self.get_retained_inputs()
        (r,) = self.get_retained_outputs()
        g = gy / r
        return tuple([sum_to(g * inputs[i], inputs[i].shape) for i in target_input_indexes])


@op_spec(
    inputs=[OFF_AXES, Input(domain=(-2.0, 2.0))],
    shapes=BINARY_SHAPES,
    reference=numpy.hypot,
    examples=[([numpy.array([3.0, -5.0]), numpy.array([4.0, 12.0])], numpy.array([5.0, 13.0]))],
)
def hypot(x: Any, y: Any) -> Variable:
    """The length ``sqrt(x**2 + y**2)``, elementwise with broadcasting, without overflow.
    Its gradient is ``(x, y) / hypot(x, y)``; it has no derivative at the origin. Either
    operand may be a scalar.

    >>> import numpy as np
    >>> hypot(np.array([3.0]), np.array([4.0])).array
    array([5.])
    """
    x, y = binary_operands("hypot", x, y)
    return Hypot().apply((x, y))[0]
