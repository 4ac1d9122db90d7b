r"""Piecewise-linear activations: hard sigmoid, hard tanh, clipped ReLU and ReLU6.

.. math::
    \begin{aligned}
    \mathrm{hard\_sigmoid}(x) &= \min(\max(x/6 + 1/2, 0), 1), &
        \partial/\partial x &= \tfrac16 [-3 < x < 3] \\
    \mathrm{hard\_tanh}(x) &= \min(\max(x, a), b), &
        \partial/\partial x &= [a < x < b] \\
    \mathrm{clipped\_relu}(x) &= \min(\max(x, 0), z), &
        \partial/\partial x &= [0 < x < z], \qquad \mathrm{relu6} = \mathrm{clipped\_relu}_{z=6}
    \end{aligned}

Each has kinks at its two corners, where the gradient is taken as 0 (the flat side, as relu
at 0). The gradient is a constant mask, so the second derivative is zero.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math.arithmetic import UNARY_SHAPES

__all__ = [
    "hard_sigmoid",
    "hard_tanh",
    "clipped_relu",
    "relu6",
    "ClippedLinear",
]


class ClippedLinear(FunctionNode):
    """``clip(slope * x + offset, lo, hi)``: the gradient is ``slope`` strictly inside."""

    spec = Unchecked(
        "applied and checked through gradkit_ops.hard_tanh(), clipped_relu(), relu6() "
        "and hard_sigmoid()"
    )

    def __init__(self, slope: float, offset: float, lo: float, hi: float) -> None:
        self.slope = slope
        self.offset = offset
        self.lo = lo
        self.hi = hi

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        xp = get_array_module(x)
        z = x
        if self.slope != 1:
            z = z * self.slope
        if self.offset != 0:
            z = z + self.offset
        return (xp.clip(z, min=self.lo, max=self.hi),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (y,) = self.get_retained_outputs()
        yd = y.array
        xp = get_array_module(yd)
        # strictly inside <=> the output is strictly between the bounds
        inside = xp.astype((yd > self.lo) & (yd < self.hi), yd.dtype)
        if self.slope != 1:
            inside = inside * self.slope
        return (grad_outputs[0] * inside,)


@op_spec(
    inputs=[Input(domain=(-5.0, 5.0), kinks=(-3.0, 3.0))],
    shapes=UNARY_SHAPES,
    reference=lambda x: numpy.clip(x / 6 + 0.5, 0.0, 1.0),
    examples=[([numpy.array([-4.0, 0.0, 1.5, 3.0])], [0.0, 0.5, 0.75, 1.0])],
)
def hard_sigmoid(x: Any) -> Variable:
    """Hard sigmoid ``clip(x / 6 + 1/2, 0, 1)``, elementwise (PyTorch's; Chainer's slope was
    0.2). Its gradient is 1/6 for ``-3 < x < 3`` and 0 outside; the corners are kinks.

    >>> import numpy as np
    >>> hard_sigmoid(np.array([-4.0, 0.0, 1.5])).array
    array([0.  , 0.5 , 0.75])
    """
    return ClippedLinear(1 / 6, 0.5, 0.0, 1.0).apply((x,))[0]


@op_spec(
    inputs=[Input(domain=(-2.0, 2.0), kinks=(-1.0, 1.0))],
    shapes=UNARY_SHAPES,
    reference=lambda x: numpy.clip(x, -1.0, 1.0),
)
def hard_tanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Variable:
    """Hard tanh ``clip(x, min_val, max_val)``, elementwise; its gradient is 1 strictly
    between the bounds and 0 elsewhere (0 at the kinks, the bounds).

    >>> import numpy as np
    >>> hard_tanh(np.array([-2.0, 0.5, 3.0])).array
    array([-1. ,  0.5,  1. ])
    """
    if not min_val < max_val:
        raise ValueError(f"hard_tanh: min_val={min_val} must be below max_val={max_val}")
    return ClippedLinear(1.0, 0.0, float(min_val), float(max_val)).apply((x,))[0]


@op_spec(
    inputs=[Input(domain=(-1.0, 3.0), kinks=(0.0, 2.0))],
    shapes=UNARY_SHAPES,
    kwargs={"z": 2.0},
    reference=lambda x: numpy.clip(x, 0.0, 2.0),
)
def clipped_relu(x: Any, z: float = 20.0) -> Variable:
    """Clipped ReLU ``min(max(x, 0), z)``, elementwise (Chainer's default ``z = 20``); its
    gradient is 1 for ``0 < x < z`` and 0 elsewhere (0 at the kinks 0 and ``z``).

    >>> import numpy as np
    >>> clipped_relu(np.array([-1.0, 5.0, 30.0])).array
    array([ 0.,  5., 20.])
    """
    if not z > 0:
        raise ValueError(f"clipped_relu: z must be positive; got {z}")
    return ClippedLinear(1.0, 0.0, 0.0, float(z)).apply((x,))[0]


@op_spec(
    inputs=[Input(domain=(-2.0, 8.0), kinks=(0.0, 6.0))],
    shapes=UNARY_SHAPES,
    reference=lambda x: numpy.clip(x, 0.0, 6.0),
    examples=[([numpy.array([-1.0, 0.0, 3.0, 7.0])], [0.0, 0.0, 3.0, 6.0])],
)
def relu6(x: Any) -> Variable:
    """ReLU6 ``min(max(x, 0), 6)``: :func:`clipped_relu` with ``z = 6``.

    >>> import numpy as np
    >>> relu6(np.array([-1.0, 3.0, 7.0])).array
    array([0., 3., 6.])
    """
    return ClippedLinear(1.0, 0.0, 0.0, 6.0).apply((x,))[0]
