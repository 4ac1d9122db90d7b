r"""clip: limit values to an interval.

.. math::
    y = \min(\max(x, \mathrm{lo}), \mathrm{hi}),\quad
    \frac{\partial y}{\partial x} = [\mathrm{lo} \le x \le \mathrm{hi}]

The bounds are constants. At a bound the function has a kink; the gradient there is taken as
1 (inside the closed interval), as PyTorch does. The mask is a constant, so the second
derivative is zero.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math._operands import is_scalar
from gradkit_ops.math.arithmetic import UNARY_SHAPES

__all__ = ["clip", "Clip"]


class Clip(FunctionNode):
    """Clip to ``[lo, hi]`` (either bound may be None); the gradient passes inside."""

    spec = Unchecked("applied and checked through gradkit_ops.clip()")

    def __init__(self, lo: float | None, hi: float | None) -> None:
        self.lo = lo
        self.hi = hi

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        return (get_array_module(x).clip(x, min=self.lo, max=self.hi),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        xd = x.array
        xp = get_array_module(xd)
        inside = xp.ones(xd.shape, dtype=xp.bool, device=xd.device)
        if self.lo is not None:
            inside = inside & (xd >= self.lo)
        if self.hi is not None:
            inside = inside & (xd <= self.hi)
        return (grad_outputs[0] * xp.astype(inside, xd.dtype),)


@op_spec(
    name="clip_lower",
    inputs=[Input(domain=(-1.0, 1.0), kinks=(-0.25,))],
    shapes=UNARY_SHAPES,
    kwargs={"min": -0.25},
    reference=lambda x: numpy.maximum(x, -0.25),
)
@op_spec(
    name="clip",
    inputs=[Input(domain=(-1.0, 1.0), kinks=(-0.5, 0.5))],
    shapes=UNARY_SHAPES,
    kwargs={"min": -0.5, "max": 0.5},
    reference=lambda x: numpy.clip(x, -0.5, 0.5),
    examples=[([numpy.array([-2.0, -0.5, 0.25, 0.5, 3.0])], [-0.5, -0.5, 0.25, 0.5, 0.5])],
)
def clip(x: Any, min: float | None = None, max: float | None = None) -> Variable:
    """Limit ``x`` elementwise to ``[min, max]``; either bound may be None (no limit).

    The bounds are scalar constants (for a differentiable bound use :func:`maximum` and
    :func:`minimum`). The gradient is 1 inside the closed interval and 0 outside; at the
    bounds, the kinks, it is taken as 1.

    >>> import numpy as np
    >>> clip(np.array([-2.0, 0.25, 3.0]), -1.0, 1.0).array
    array([-1.  ,  0.25,  1.  ])
    """
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and not is_scalar(bound):
            raise TypeError(
                f"clip: {name} must be a scalar or None; got a {type(bound).__name__}. For "
                "array bounds use maximum(x, lo) and minimum(x, hi)."
            )
    lo = None if min is None else float(min)
    hi = None if max is None else float(max)
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip: min={lo} is greater than max={hi}")
    return Clip(lo, hi).apply((x,))[0]
