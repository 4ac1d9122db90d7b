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

from gradkit import FunctionNode, Variable, config, get_array_module
from gradkit.arithmetic import exp, mul, sub
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.reduction._axes import (
    expand_to_input,
    keepdims_shape,
    reduced_axes,
    reduced_size,
)

__all__ = ["LogSumExp", "ShiftedLogSumExp", "logsumexp"]


class LogSumExp(FunctionNode):
    """logsumexp over ``axes`` (a sorted tuple of non-negative axes)."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims
        # Set by forward for the gradient (keepdims shape): the shift m = max(x) and
        # lse(x - m), which holds the digits that the rounded output y = m + lse(x - m) loses.
        self.shift: Any = None
        self.shifted_lse: Any = None

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
        s = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True))
        self.shift, self.shifted_lse = m, s
        y = s + m
        return (y if self.keepdims else xp.reshape(y, _squeezed(x.shape, axes)),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        shape = tuple(x.shape)
        gy = expand_to_input(grad_outputs[0], shape, self.axes, self.keepdims)
        if reduced_size(shape, self.axes) == 0:
            return (mul(gy, exp(x)),)  # empty: no element to weigh (the result is empty too)
        # softmax(x) = exp(x - m - lse(x - m)), not exp(x - y): y is rounded to x's dtype
        # near max(x), which throws away the digits of 1 - p that p (1 - p), the second
        # derivative, needs. lse(x - m) is the forward's value, as a function of x.
        if not config.enable_backprop and type(x.array) is numpy.ndarray and x.ndim:
            # First order on NumPy (no graph to record): the same values, in one array
            # (0-d arrays take the general path: NumPy gives scalars for them).
            p = x.array - self.shift
            p -= self.shifted_lse
            numpy.exp(p, out=p)
            p *= gy.array
            return (Variable(p, requires_grad=False),)
        (s,) = ShiftedLogSumExp(self).apply((x,))
        return (mul(gy, _softmax(x, self.shift, s)),)


class ShiftedLogSumExp(FunctionNode):
    """``logsumexp(x) - m`` (keepdims) for the constant shift ``m`` of a :class:`LogSumExp`:
    its value is the one that forward computed, its gradient that of logsumexp. It gives the
    gradient of logsumexp a differentiable ``lse(x - m)`` without computing it again."""

    spec = Unchecked("checked through the double backward of gradkit_ops.logsumexp()")

    def __init__(self, lse: LogSumExp) -> None:
        self.lse = lse

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return (self.lse.shifted_lse,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        (s,) = self.get_retained_outputs()
        gy = expand_to_input(grad_outputs[0], tuple(x.shape), self.lse.axes, True)
        return (mul(gy, _softmax(x, self.lse.shift, s)),)


def _softmax(x: Variable, shift: Any, shifted_lse: Variable) -> Variable:
    # exp(x - m - lse(x - m)), with lse(x - m) of keepdims shape, broadcast over x.
    return exp(sub(sub(x, shift), shifted_lse))


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
