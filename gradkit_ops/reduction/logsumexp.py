r"""logsumexp: the log of the sum of exponentials over axes, computed without overflow.

.. math:: y = \log \sum_{i \in \text{axes}} e^{x_i}
          = m + \log \sum_i e^{x_i - m}, \quad m = \max_i x_i

.. math:: \frac{\partial L}{\partial x_i} = \frac{\partial L}{\partial y}\, e^{x_i - y}
          \quad\text{(the softmax of } x\text{)}

The gradient is written with ``exp`` and ``sub`` on the retained input and output, so
higher orders follow. The logsumexp of no elements is :math:`-\infty`.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import exp, mul, sub
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.reduction._axes import (
    expand_to_input,
    keepdims_shape,
    reduced_axes,
    reduced_size,
)

__all__ = ["LogSumExp", "logsumexp"]


class LogSumExp(FunctionNode):
    """logsumexp over ``axes`` (a sorted tuple of non-negative axes)."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        xp = get_array_module(x)
        axes = self.axes
        if reduced_size(tuple(x.shape), axes) == 0:
            shape = keepdims_shape(x.shape, axes) if self.keepdims else _squeezed(x.shape, axes)
            return (xp.full(shape, -xp.inf, dtype=x.dtype, device=x.device),)
        m = xp.max(x, axis=axes, keepdims=True)
        # An all -inf (or +inf) slice would give inf - inf; shift it by 0 instead.
        m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
        y = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
        return (y if self.keepdims else xp.reshape(y, _squeezed(x.shape, axes)),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        shape = tuple(x.shape)
        gy = expand_to_input(grad_outputs[0], shape, self.axes, self.keepdims)
        if reduced_size(shape, self.axes) == 0:
            return (mul(gy, exp(x)),)  # empty: no element to weigh (the result is empty too)
        # softmax(x) = exp(x - m - lse(x - m)) for the constant m = max(x), as the forward
        # shifts. Not exp(x - y): the output y is rounded to x's dtype near max(x), which
        # throws away the digits of 1 - p that the second derivative p (1 - p) needs.
        xd = x.array
        xp = get_array_module(xd)
        m = xp.max(xd, axis=self.axes, keepdims=True)
        shifted = sub(x, xp.where(xp.isfinite(m), m, xp.zeros_like(m)))
        (z,) = LogSumExp(self.axes, True).apply((shifted,))
        return (mul(gy, exp(sub(shifted, z))),)


def _squeezed(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def logsumexp(
    x: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
) -> Variable:
    """``log(sum(exp(x)))`` over ``axis`` (None: all axes; an int or a tuple of ints),
    stable for large inputs.

    >>> import numpy as np
    >>> from gradkit_ops.reduction import logsumexp
    >>> float(logsumexp(np.array([1000.0, 1000.0])).array)
    1000.6931471805599
    """
    return LogSumExp(reduced_axes(axis, x.ndim), bool(keepdims)).apply((x,))[0]


def _logsumexp_reference(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    m = numpy.max(x, axis=axis, keepdims=True)
    y = numpy.log(numpy.sum(numpy.exp(x - m), axis=axis, keepdims=True)) + m
    return y if keepdims else numpy.squeeze(y, axis=axis)


op_spec(
    name="logsumexp",
    inputs=[Input(domain=(-4.0, 4.0))],
    shapes=[(3, 4), (), "3x4nc"],
    reference=_logsumexp_reference,
)(logsumexp)
op_spec(
    name="logsumexp.axes",
    inputs=[Input(domain=(-4.0, 4.0))],
    kwargs={"axis": (0, 2), "keepdims": True},
    shapes=[(2, 3, 4), "2x3x4nc", (2, 0, 4)],
    reference=lambda x: _logsumexp_reference(x, (0, 2), True),
)(logsumexp)
# Large inputs: exp would overflow without the shift by the maximum.
op_spec(
    name="logsumexp.large",
    inputs=[Input(domain=(500.0, 510.0))],
    kwargs={"axis": 1},
    shapes=[(3, 4), "3x4nc", (0, 4)],
    dtypes=("float32", "float64"),
    reference=lambda x: _logsumexp_reference(x, 1),
)(logsumexp)
LogSumExp.spec = Unchecked("built and checked by logsumexp(), which has the specs")
