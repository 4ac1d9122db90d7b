r"""ReLU and leaky ReLU.

.. math::
    \mathrm{relu}(x) = \max(x, 0),\quad \mathrm{relu}'(x) = [x > 0]

.. math::
    \mathrm{leaky\_relu}(x) = \begin{cases} x & x \ge 0 \\ s x & x < 0 \end{cases},\quad
    \mathrm{leaky\_relu}'(x) = \begin{cases} 1 & x \ge 0 \\ s & x < 0 \end{cases}

Both have a kink at 0. The derivative at 0 is taken as 0 for relu (as PyTorch and Chainer)
and 1 for leaky_relu. The derivative is a constant mask, so the second derivative is zero.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math.arithmetic import UNARY_SHAPES

__all__ = ["relu", "leaky_relu", "ReLU", "ReLUGrad", "LeakyReLU"]

KINK_AT_ZERO = Input(domain=(-2.0, 2.0), kinks=(0.0,))


class ReLU(FunctionNode):
    """``max(x, 0)``; the gradient mask ``y > 0`` comes from the output."""

    spec = Unchecked("applied and checked through gradkit_ops.relu()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (get_array_module(x).maximum(x, 0.0),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        return ReLUGrad(y.array).apply(grad_outputs)


class ReLUGrad(FunctionNode):
    """The backward of relu: ``gy`` times the 0/1 mask of the positive outputs ``y``, as one
    node on MLPs' hot path. It allocates what a hand-written ``gy * (y > 0)`` does: the mask is
    built in the result's dtype and multiplied in place (``where`` with a scalar is an order
    of magnitude slower in NumPy). ``y`` is a constant here, so the node's own backward is
    itself: the second derivative of relu is zero."""

    spec = Unchecked("checked through the double backward of gradkit_ops.relu()")

    def __init__(self, y: Any) -> None:
        self.y = y

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (gy,) = inputs
        gx = get_array_module(gy).astype(self.y > 0, gy.dtype)
        gx *= gy
        return (gx,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return ReLUGrad(self.y).apply(grad_outputs)


@op_spec(
    inputs=[KINK_AT_ZERO],
    shapes=UNARY_SHAPES,
    reference=lambda x: numpy.maximum(x, 0.0),
    examples=[([numpy.array([-1.0, 0.0, 2.0])], [0.0, 0.0, 2.0])],
)
def relu(x: Any) -> Variable:
    """The rectified linear unit ``max(x, 0)``, elementwise; its gradient is 1 where
    ``x > 0`` and 0 elsewhere (0 at the kink ``x = 0``).

    >>> import numpy as np
    >>> relu(np.array([-1.0, 2.0])).array
    array([0., 2.])
    """
    return ReLU().apply((x,))[0]


class LeakyReLU(FunctionNode):
    """``x`` for ``x >= 0`` and ``slope * x`` below."""

    spec = Unchecked("applied and checked through gradkit_ops.leaky_relu()")

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        xp = get_array_module(x)
        return (xp.where(x >= 0, x, x * self.slope),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        xd = x.array
        xp = get_array_module(xd)
        # 1 where x >= 0, slope below
        factor = xp.astype(xd >= 0, xd.dtype) * (1 - self.slope) + self.slope
        return (grad_outputs[0] * factor,)


@op_spec(
    inputs=[KINK_AT_ZERO],
    shapes=UNARY_SHAPES,
    kwargs={"slope": 0.2},
    reference=lambda x: numpy.where(x >= 0, x, 0.2 * x),
)
def leaky_relu(x: Any, slope: float = 0.01) -> Variable:
    """Leaky ReLU: ``x`` where ``x >= 0`` and ``slope * x`` below (default slope 0.01, as
    PyTorch; Chainer's is 0.2). Its gradient is 1 or ``slope``; at the kink 0 it is 1.

    >>> import numpy as np
    >>> leaky_relu(np.array([-1.0, 2.0]), slope=0.1).array
    array([-0.1,  2. ])
    """
    return LeakyReLU(float(slope)).apply((x,))[0]
