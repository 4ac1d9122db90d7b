r"""norm: vector norms over axes (L1, L2, max) and the Frobenius norm of matrices.

* ``ord=1``: :math:`\sum_i |x_i|`, gradient :math:`\mathrm{sign}(x_i)` (kink at 0, where 0 is
  taken); a composite of ``absolute`` and ``sum``.
* ``ord=2`` (default) and ``ord="fro"``: :math:`y = \sqrt{\sum_i x_i^2}`, gradient
  :math:`x_i / y`; at :math:`x = 0` (a kink) the gradient is taken as 0. ``"fro"`` is the L2
  norm over the two matrix axes.
* ``ord=inf``: :math:`\max_i |x_i|`, a composite of ``absolute`` and ``max`` (ties shared).

Unlike NumPy's ``linalg.norm``, ``ord=1`` and ``ord=inf`` are element-wise norms over all the
reduced axes (as ``vector_norm`` in the array API), not induced matrix norms.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import absolute, add, div, mul, sum
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.array._values import distinct_magnitudes
from gradkit_ops.reduction._axes import expand_to_input, reduced_axes
from gradkit_ops.reduction.minmax import max

__all__ = ["L2Norm", "norm"]


class L2Norm(FunctionNode):
    """The Euclidean norm over ``axes`` (a sorted tuple of non-negative axes)."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        xp = get_array_module(x)
        return (xp.sqrt(xp.sum(x * x, axis=self.axes, keepdims=self.keepdims)),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        yd = y.array
        xp = get_array_module(yd)
        # Where the norm is 0, x is 0 there too: divide by 1 instead, giving a 0 gradient.
        safe = add(y, xp.astype(yd == 0, yd.dtype))
        shape = tuple(x.shape)
        gy = expand_to_input(grad_outputs[0], shape, self.axes, self.keepdims)
        safe = expand_to_input(safe, shape, self.axes, self.keepdims)
        return (div(mul(gy, x), safe),)


def norm(
    x: Any,
    ord: float | str | None = 2,
    axis: int | tuple[int, ...] | None = None,
    keepdims: bool = False,
) -> Variable:
    """The ``ord`` norm of ``x`` over ``axis`` (None: all axes): ``1``, ``2`` (or None),
    ``math.inf``, or ``"fro"`` (L2 over exactly two axes).

    >>> import numpy as np
    >>> from gradkit_ops.reduction import norm
    >>> norm(np.array([3.0, -4.0])).array, norm(np.array([3.0, -4.0]), ord=1).array
    (array(5.), array(7.))
    """
    axes = reduced_axes(axis, x.ndim)
    keepdims = bool(keepdims)
    if ord == "fro":
        if len(axes) != 2:
            raise ValueError(
                f"norm: ord='fro' is the norm of matrices and needs two axes; got {axis} on "
                f"an array of shape {x.shape}"
            )
        ord = 2
    if ord is None or ord == 2:
        return L2Norm(axes, keepdims).apply((x,))[0]
    if ord == 1:
        return sum(absolute(x), axes, keepdims)
    if ord == math.inf:
        if any(x.shape[a] == 0 for a in axes):  # the max norm of nothing is 0
            return sum(absolute(x), axes, keepdims)
        return max(absolute(x), axes, keepdims)
    raise ValueError(f"norm: ord {ord!r} is not one of 1, 2, inf, 'fro' (or None)")


# |x| has a kink at 0, and the L2 norm one where the whole vector is 0: samples stay away.
_AWAY_FROM_ZERO = [Input(kinks=(0.0,))]
op_spec(
    name="norm",
    inputs=_AWAY_FROM_ZERO,
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=lambda x: numpy.sqrt(numpy.sum(x * x)),
)(norm)
op_spec(
    name="norm.l2_axis",
    # Away from 0: a zero row is a kink, and float16 squares of |x| < 0.01 underflow.
    inputs=_AWAY_FROM_ZERO,
    kwargs={"axis": 1, "keepdims": True},
    shapes=[(3, 4), "3x4nc", (0, 4)],
    reference=lambda x: numpy.sqrt(numpy.sum(x * x, axis=1, keepdims=True)),
)(norm)
op_spec(
    name="norm.l1",
    inputs=_AWAY_FROM_ZERO,
    kwargs={"ord": 1, "axis": 1},
    shapes=[(3, 4), "3x4nc", (0, 4)],
    reference=lambda x: numpy.sum(numpy.abs(x), axis=1),
)(norm)
# The max norm is also a kink where two magnitudes tie: tie-free magnitudes away from 0.
op_spec(
    name="norm.inf",
    inputs=[Input(values=distinct_magnitudes)],
    kwargs={"ord": math.inf, "axis": (0, 1)},
    shapes=[(3, 4), "3x4nc", (2, 3, 4)],
    reference=lambda x: numpy.max(numpy.abs(x), axis=(0, 1)),
)(norm)
op_spec(
    name="norm.fro",
    inputs=_AWAY_FROM_ZERO,
    kwargs={"ord": "fro", "axis": (1, 2)},
    shapes=[(2, 3, 4), "2x3x4nc", (0, 3, 4)],
    reference=lambda x: numpy.linalg.norm(x, "fro", axis=(1, 2)),
)(norm)
L2Norm.spec = Unchecked("built and checked by norm(), which has the specs")
