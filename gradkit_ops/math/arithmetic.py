r"""Arithmetic: the engine's operators with their specs, and reciprocal, sign, square, sqrt,
rsqrt and cbrt.

``add``, ``sub``, ``mul``, ``div``, ``neg``, ``pow``, ``absolute`` and ``matmul`` are the
engine's own (:mod:`gradkit.arithmetic`, behind Variable's operators); this module attaches
their specs and re-exports them.

.. math::
    \begin{aligned}
    \mathrm{reciprocal}(x) &= 1/x, & \partial/\partial x &= -1/x^2 = -y^2 \\
    \mathrm{sign}(x) &\in \{-1, 0, 1\}, & \partial/\partial x &= 0 \text{ (zero gradient)} \\
    \mathrm{square}(x) &= x^2, & \partial/\partial x &= 2x \\
    \mathrm{sqrt}(x) &= \sqrt{x}, & \partial/\partial x &= 1 / (2y) \\
    \mathrm{rsqrt}(x) &= 1/\sqrt{x}, & \partial/\partial x &= -y^3 / 2 \\
    \mathrm{cbrt}(x) &= \sqrt[3]{x}, & \partial/\partial x &= 1 / (3y^2)
    \end{aligned}
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import absolute, add, div, matmul, mul, neg, pow, sub
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math._operands import zero_gradient

__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "pow",
    "absolute",
    "matmul",
    "reciprocal",
    "sign",
    "square",
    "sqrt",
    "rsqrt",
    "cbrt",
    "Reciprocal",
    "Sign",
    "Square",
    "Sqrt",
    "Rsqrt",
    "Cbrt",
]

# The shape cases of elementwise ops: a small shape, 0-d, zero-size and non-contiguous.
UNARY_SHAPES = [(3, 4), (), (0, 3), "3x4nc"]
# ... and for binary ops, broadcasting both ways too.
BINARY_SHAPES = [(3, 4), (), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), (0, 3), "3x4nc"]
# Away from the pole of 1/x, on both sides of it.
NONZERO = Input(domain=(-2.0, 2.0), kinks=(0.0,), kink_margin=0.5)
POSITIVE = Input(domain=(0.5, 2.0))


# ----------------------------------------------------------------------------- engine ops
op_spec(inputs=2, shapes=BINARY_SHAPES, reference=numpy.add)(add)
op_spec(inputs=2, shapes=BINARY_SHAPES, reference=numpy.subtract)(sub)
op_spec(inputs=2, shapes=BINARY_SHAPES, reference=numpy.multiply)(mul)
op_spec(inputs=[Input(), NONZERO], shapes=BINARY_SHAPES, reference=numpy.divide)(div)
op_spec(shapes=UNARY_SHAPES, reference=numpy.negative)(neg)
op_spec(
    inputs=[Input(kinks=(0.0,))],
    shapes=UNARY_SHAPES,
    reference=numpy.abs,
    examples=[([numpy.array([-2.0, 0.0, 3.0])], numpy.array([2.0, 0.0, 3.0]))],
)(absolute)


# pow has three forms: array ** array, array ** scalar and scalar ** array.
def _pow_scalar_exponent() -> Any:
    return lambda x: pow(x, 2.5)


def _pow_integer_exponent() -> Any:
    return lambda x: pow(x, 3)


def _pow_scalar_base() -> Any:
    return lambda x: pow(1.5, x)


op_spec(
    name="pow_scalar_base",
    factory=_pow_scalar_base,
    shapes=UNARY_SHAPES,
    reference=lambda x: 1.5**x,
)(pow)
op_spec(
    name="pow_integer_exponent",
    factory=_pow_integer_exponent,
    shapes=UNARY_SHAPES,
    reference=lambda x: x**3,
)(pow)
op_spec(
    name="pow_scalar_exponent",
    factory=_pow_scalar_exponent,
    inputs=[POSITIVE],
    shapes=UNARY_SHAPES,
    reference=lambda x: x**2.5,
)(pow)
op_spec(
    name="pow",
    inputs=[POSITIVE, Input(domain=(-2.0, 2.0))],
    shapes=BINARY_SHAPES,
    reference=numpy.power,
)(pow)
op_spec(
    inputs=2,
    shapes=[
        ((3, 4), (4, 2)),
        ((4,), (4, 3)),
        ((3, 4), (4,)),
        ((2, 3, 4), (4, 2)),
        ((3, 0), (0, 2)),
    ],
    reference=numpy.matmul,
)(matmul)


# ----------------------------------------------------------------------------- reciprocal
class Reciprocal(FunctionNode):
    """``1 / x``; the gradient ``-y**2`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.reciprocal()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (1 / x,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return (-grad_outputs[0] * y * y,)


@op_spec(inputs=[NONZERO], shapes=UNARY_SHAPES, reference=numpy.reciprocal)
def reciprocal(x: Any) -> Variable:
    """``1 / x`` elementwise; its gradient is ``-1 / x**2``.

    >>> import numpy as np
    >>> reciprocal(np.array([2.0, -4.0])).array
    array([ 0.5 , -0.25])
    """
    return Reciprocal().apply((x,))[0]


# ----------------------------------------------------------------------------- sign
class Sign(FunctionNode):
    """The sign of ``x`` (-1, 0 or 1): piecewise constant, so its gradient is zero."""

    spec = Unchecked("applied and checked through gradkit_ops.sign()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        return (get_array_module(x).sign(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return (zero_gradient(grad_outputs[0]),)


@op_spec(
    inputs=[Input(kinks=(0.0,))],
    shapes=UNARY_SHAPES,
    reference=numpy.sign,
    examples=[([numpy.array([-2.5, 0.0, 3.0])], numpy.array([-1.0, 0.0, 1.0]))],
)
def sign(x: Any) -> Variable:
    """The sign of ``x``: -1, 0 or 1 (the jump at 0 is a kink).

    Zero gradient: sign is piecewise constant, so its derivative is 0 wherever it exists;
    backward returns zeros (and the double backward is zero too).

    >>> import numpy as np
    >>> sign(np.array([-2.0, 0.0, 3.0])).array
    array([-1.,  0.,  1.])
    """
    return Sign().apply((x,))[0]


# ----------------------------------------------------------------------------- square
class Square(FunctionNode):
    """``x ** 2``; the gradient is ``2 x``."""

    spec = Unchecked("applied and checked through gradkit_ops.square()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).square(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * (2 * x),)


@op_spec(shapes=UNARY_SHAPES, reference=numpy.square)
def square(x: Any) -> Variable:
    """``x ** 2`` elementwise; its gradient is ``2 x``.

    >>> import numpy as np
    >>> square(np.array([-3.0, 0.5])).array
    array([9.  , 0.25])
    """
    return Square().apply((x,))[0]


# ----------------------------------------------------------------------------- sqrt
class Sqrt(FunctionNode):
    """``sqrt(x)``; the gradient ``1 / (2 y)`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.sqrt()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (get_array_module(x).sqrt(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] / (2 * y),)


@op_spec(inputs=[Input(domain=(0.2, 3.0))], shapes=UNARY_SHAPES, reference=numpy.sqrt)
def sqrt(x: Any) -> Variable:
    """The square root, elementwise; its gradient is ``1 / (2 sqrt(x))`` (infinite at 0).

    >>> import numpy as np
    >>> sqrt(np.array([4.0, 0.25])).array
    array([2. , 0.5])
    """
    return Sqrt().apply((x,))[0]


# ----------------------------------------------------------------------------- rsqrt
class Rsqrt(FunctionNode):
    """``1 / sqrt(x)``; the gradient ``-y**3 / 2`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.rsqrt()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (1 / get_array_module(x).sqrt(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (-0.5 * y * y * y),)


@op_spec(inputs=[Input(domain=(0.2, 3.0))], shapes=UNARY_SHAPES, reference=lambda x: x**-0.5)
def rsqrt(x: Any) -> Variable:
    """The reciprocal square root ``1 / sqrt(x)``, elementwise; its gradient is
    ``-x**(-3/2) / 2``.

    >>> import numpy as np
    >>> rsqrt(np.array([4.0, 0.25])).array
    array([0.5, 2. ])
    """
    return Rsqrt().apply((x,))[0]


# ----------------------------------------------------------------------------- cbrt
class Cbrt(FunctionNode):
    """The real cube root; the gradient ``1 / (3 y**2)`` reuses the output.

    The array API has no cbrt: it is ``sign(x) * |x| ** (1/3)`` refined by one Newton step,
    within one unit in the last place of the correctly rounded root.
    """

    spec = Unchecked("applied and checked through gradkit_ops.cbrt()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        xp = get_array_module(x)
        y = xp.sign(x) * xp.abs(x) ** (1 / 3)
        # The exponent 1/3 is rounded, which costs up to 1e-14 relatively for huge or tiny x;
        # one Newton step y + (x / y**2 - y) / 3 brings the root back within an ulp.
        regular = xp.isfinite(y) & (y != 0)
        safe = xp.where(regular, y, 1.0)
        return (xp.where(regular, safe + (x / (safe * safe) - safe) / 3, y),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] / (3 * y * y),)


@op_spec(
    inputs=[Input(domain=(-3.0, 3.0), kinks=(0.0,), kink_margin=0.2)],
    shapes=UNARY_SHAPES,
    reference=numpy.cbrt,
    examples=[([numpy.array([-8.0, 27.0, 0.0])], numpy.array([-2.0, 3.0, 0.0]))],
)
def cbrt(x: Any) -> Variable:
    """The real cube root, elementwise (negative for negative ``x``); its gradient is
    ``1 / (3 cbrt(x)**2)``, infinite at 0.

    >>> import numpy as np
    >>> cbrt(np.array([-8.0, 27.0])).array
    array([-2.,  3.])
    """
    return Cbrt().apply((x,))[0]
