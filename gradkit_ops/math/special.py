r"""Special functions: erf, erfc, erfinv, lgamma, digamma and polygamma.

The array API has none of them: their forwards go through the engine's backend table
(:mod:`gradkit.special_functions`: pure NumPy accurate to about 1e-15 relative on the CPU,
``cupyx.scipy.special`` on GPUs). Their gradients are written with gradkit ops, so they are
differentiable again: the derivatives of digamma are the polygamma functions, to any order.

.. math::
    \begin{aligned}
    \operatorname{erf}'(x) &= \tfrac{2}{\sqrt\pi} e^{-x^2}, &
    \operatorname{erfc}'(x) &= -\tfrac{2}{\sqrt\pi} e^{-x^2}, &
    \operatorname{erfinv}'(x) &= \tfrac{\sqrt\pi}{2} e^{\operatorname{erfinv}(x)^2} \\
    \operatorname{lgamma}'(x) &= \psi(x), &
    \psi'(x) &= \psi^{(1)}(x), &
    \frac{\partial}{\partial x} \psi^{(n)}(x) &= \psi^{(n+1)}(x)
    \end{aligned}
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit import FunctionNode, Variable
from gradkit import special_functions as table
from gradkit.arithmetic import exp
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math.arithmetic import UNARY_SHAPES

__all__ = [
    "erf",
    "erfc",
    "erfinv",
    "lgamma",
    "digamma",
    "polygamma",
    "Erf",
    "Erfc",
    "Erfinv",
    "LGamma",
    "Polygamma",
]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0
# Positive, and between the poles 0, -1 and -2 on the negative side.
AWAY_FROM_POLES = Input(domain=(-2.6, 4.0), kinks=(0.0, -1.0, -2.0), kink_margin=0.25)

# Reference values for the forward checks (float64, from decimal arithmetic; see
# tests/test_special_functions.py for the full accuracy tests).
_EULER_GAMMA = 0.5772156649015329


# ----------------------------------------------------------------------------- erf, erfc
class Erf(FunctionNode):
    """The error function; the gradient is ``2/sqrt(pi) exp(-x**2)``."""

    spec = Unchecked("applied and checked through gradkit_ops.erf()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (table.erf(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * (_TWO_OVER_SQRT_PI * exp(-(x * x))),)


@op_spec(
    inputs=[Input(domain=(-2.5, 2.5))],
    shapes=UNARY_SHAPES,
    reference=numpy.vectorize(math.erf, otypes=[float]),
    examples=[([numpy.array([0.0, 0.5, -1.0])], [0.0, 0.5204998778130465, -0.8427007929497149])],
)
def erf(x: Any) -> Variable:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``, elementwise; its
    gradient is ``2/sqrt(pi) * exp(-x**2)``.

    >>> import numpy as np
    >>> erf(np.array([0.0, 0.5])).array
    array([0.        , 0.52049988])
    """
    return Erf().apply((x,))[0]


class Erfc(FunctionNode):
    """``1 - erf(x)``, accurate in the tail; the gradient is ``-2/sqrt(pi) exp(-x**2)``."""

    spec = Unchecked("applied and checked through gradkit_ops.erfc()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (table.erfc(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * (-_TWO_OVER_SQRT_PI * exp(-(x * x))),)


@op_spec(
    inputs=[Input(domain=(-2.5, 2.5))],
    shapes=UNARY_SHAPES,
    reference=numpy.vectorize(math.erfc, otypes=[float]),
    examples=[([numpy.array([0.0, 5.0])], [1.0, 1.5374597944280349e-12])],
)
def erfc(x: Any) -> Variable:
    """The complementary error function ``1 - erf(x)``, elementwise, keeping its relative
    accuracy where it is tiny (large ``x``); its gradient is ``-2/sqrt(pi) * exp(-x**2)``.

    >>> import numpy as np
    >>> erfc(np.array([0.0, 5.0])).array
    array([1.00000000e+00, 1.53745979e-12])
    """
    return Erfc().apply((x,))[0]


# ----------------------------------------------------------------------------- erfinv
class Erfinv(FunctionNode):
    """The inverse error function; the gradient ``sqrt(pi)/2 exp(y**2)`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.erfinv()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (table.erfinv(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (_SQRT_PI_OVER_TWO * exp(y * y)),)


# Inside (-1, 1), away from the infinite slopes at +-1.
@op_spec(
    inputs=[Input(domain=(-0.9, 0.9))],
    shapes=UNARY_SHAPES,
    examples=[
        ([numpy.array([0.0, 0.5204998778130465, -0.8427007929497149])], [0.0, 0.5, -1.0]),
    ],
)
def erfinv(x: Any) -> Variable:
    """The inverse error function on [-1, 1] (``erf(erfinv(x)) == x``; +-inf at +-1, NaN
    outside), elementwise; its gradient is ``sqrt(pi)/2 * exp(erfinv(x)**2)``.

    >>> import numpy as np
    >>> erfinv(np.array([0.0, 0.5204998778130465])).array
    array([0. , 0.5])
    """
    return Erfinv().apply((x,))[0]


# ----------------------------------------------------------------------------- lgamma
class LGamma(FunctionNode):
    """``log|Gamma(x)|``; the gradient is ``digamma(x)``."""

    spec = Unchecked("applied and checked through gradkit_ops.lgamma()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (table.lgamma(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * digamma(x),)


@op_spec(
    inputs=[AWAY_FROM_POLES],
    shapes=UNARY_SHAPES,
    reference=numpy.vectorize(math.lgamma, otypes=[float]),
    examples=[
        (
            [numpy.array([1.0, 2.0, 0.5, -0.5, 5.0])],
            [0.0, 0.0, 0.5723649429247001, 1.2655121234846454, math.log(24.0)],
        )
    ],
)
def lgamma(x: Any) -> Variable:
    """The logarithm of the absolute value of the gamma function, elementwise (+inf at the
    poles 0, -1, -2, ...); its gradient is ``digamma(x)``.

    >>> import numpy as np
    >>> lgamma(np.array([1.0, 5.0])).array
    array([0.        , 3.17805383])
    """
    return LGamma().apply((x,))[0]


# ----------------------------------------------------------------------------- digamma
class Polygamma(FunctionNode):
    """The polygamma function of order ``n`` (``n = 0``: digamma); the gradient is the
    polygamma function of order ``n + 1``."""

    spec = Unchecked("applied and checked through gradkit_ops.digamma() and polygamma()")

    def __init__(self, n: int) -> None:
        self.n = n

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (table.polygamma(self.n, x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * polygamma(self.n + 1, x),)


@op_spec(
    inputs=[AWAY_FROM_POLES],
    shapes=UNARY_SHAPES,
    examples=[
        (
            [numpy.array([1.0, 0.5, 2.0, -0.5])],
            [
                -_EULER_GAMMA,
                -_EULER_GAMMA - 2 * math.log(2.0),
                1 - _EULER_GAMMA,
                2 - _EULER_GAMMA - 2 * math.log(2.0),
            ],
        )
    ],
)
def digamma(x: Any) -> Variable:
    """The digamma function ``psi(x) = d/dx lgamma(x)``, elementwise (-inf at 0, NaN at the
    negative integers); its gradient is the trigamma function ``polygamma(1, x)``.

    >>> import numpy as np
    >>> digamma(np.array([1.0])).array
    array([-0.57721566])
    """
    return Polygamma(0).apply((x,))[0]


def _trigamma() -> Any:
    return lambda x: polygamma(1, x)


def _tetragamma() -> Any:
    return lambda x: polygamma(2, x)


@op_spec(
    name="polygamma_2",
    factory=_tetragamma,
    inputs=[Input(domain=(0.5, 4.0))],
    shapes=UNARY_SHAPES,
    examples=[([numpy.array([1.0])], [-2.4041138063191885])],  # -2 zeta(3)
)
@op_spec(
    name="polygamma",
    factory=_trigamma,
    inputs=[AWAY_FROM_POLES],
    shapes=UNARY_SHAPES,
    examples=[([numpy.array([1.0, 0.5])], [math.pi**2 / 6, math.pi**2 / 2])],
)
def polygamma(n: int, x: Any) -> Variable:
    """The polygamma function ``psi^(n)(x)``, the n-th derivative of digamma, elementwise;
    ``n`` is a non-negative int (0 gives digamma). Its gradient is ``polygamma(n + 1, x)``.

    >>> import numpy as np
    >>> polygamma(1, np.array([1.0])).array  # pi**2 / 6
    array([1.64493407])
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"polygamma: the order n must be a non-negative int; got {n!r}")
    return Polygamma(n).apply((x,))[0]
