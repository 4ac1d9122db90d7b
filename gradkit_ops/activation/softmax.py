r"""Softmax and log-softmax along an axis.

.. math::
    y_i = \frac{e^{x_i}}{\sum_j e^{x_j}},\quad
    \frac{\partial L}{\partial x_i} = y_i \Big(g_i - \sum_j g_j y_j\Big)

.. math::
    z_i = x_i - \log\sum_j e^{x_j},\quad
    \frac{\partial L}{\partial x_i} = g_i - e^{z_i} \sum_j g_j

Both subtract the maximum along the axis first, so they never overflow. Both backward passes
reuse the output and are written with differentiable ops, so higher orders work. The default
axis is the last one (NumPy's, PyTorch's and JAX's convention; Chainer's was 1).
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import exp, normalize_axis, sum
from gradkit.testing import Input, Unchecked, op_spec

__all__ = ["softmax", "log_softmax", "Softmax", "LogSoftmax"]

SHAPES = [(3, 4), (5,), (2, 3, 4), (0, 3), "3x4nc"]


def _axis(x: Any, axis: int) -> int:
    if x.ndim == 0:
        raise ValueError("softmax: a 0-d array has no axis to normalize over")
    (a,) = normalize_axis(axis, x.ndim)
    return a


class Softmax(FunctionNode):
    """Softmax along ``axis``; the gradient ``y (g - sum(g y))`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.softmax()")

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        xp = get_array_module(x)
        if x.shape[self.axis] == 0:  # nothing to normalize (and no maximum to subtract)
            return (xp.zeros(x.shape, dtype=x.dtype, device=x.device),)
        e = xp.exp(x - xp.max(x, axis=self.axis, keepdims=True))
        return (e / xp.sum(e, axis=self.axis, keepdims=True),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        (y,) = self.get_retained_outputs()
        gy_y = gy * y
        return (gy_y - y * sum(gy_y, self.axis, keepdims=True),)


class LogSoftmax(FunctionNode):
    """Log-softmax along ``axis``; the gradient ``g - exp(z) sum(g)`` reuses the output."""

    spec = Unchecked("applied and checked through gradkit_ops.log_softmax()")

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        xp = get_array_module(x)
        if x.shape[self.axis] == 0:  # nothing to normalize (and no maximum to subtract)
            return (xp.zeros(x.shape, dtype=x.dtype, device=x.device),)
        shifted = x - xp.max(x, axis=self.axis, keepdims=True)
        return (shifted - xp.log(xp.sum(xp.exp(shifted), axis=self.axis, keepdims=True)),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        (z,) = self.get_retained_outputs()
        return (gy - exp(z) * sum(gy, self.axis, keepdims=True),)


def _softmax_reference(x: numpy.ndarray, axis: int = -1) -> numpy.ndarray:
    e = numpy.exp(x - x.max(axis=axis, keepdims=True, initial=-numpy.inf))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax_reference(x: numpy.ndarray, axis: int = -1) -> numpy.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True, initial=-numpy.inf)
    return shifted - numpy.log(numpy.exp(shifted).sum(axis=axis, keepdims=True))


@op_spec(
    name="softmax_axis0",
    inputs=[Input(domain=(-3.0, 3.0))],
    shapes=SHAPES,
    kwargs={"axis": 0},
    reference=lambda x: _softmax_reference(x, 0),
)
@op_spec(
    name="softmax",
    inputs=[Input(domain=(-3.0, 3.0))],
    shapes=SHAPES,
    reference=_softmax_reference,
    examples=[([numpy.array([[1000.0, 1000.0], [0.0, -numpy.inf]])], [[0.5, 0.5], [1.0, 0.0]])],
)
def softmax(x: Any, axis: int = -1) -> Variable:
    """Softmax along ``axis`` (default: the last), without overflow: the elements along the
    axis become positive weights that sum to 1. Its gradient is ``y * (g - sum(g * y))``.

    >>> import numpy as np
    >>> softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]])).array
    array([[0.5 , 0.5 ],
           [0.25, 0.75]])
    """
    return Softmax(_axis(x, axis)).apply((x,))[0]


@op_spec(
    name="log_softmax_axis0",
    inputs=[Input(domain=(-3.0, 3.0))],
    shapes=SHAPES,
    kwargs={"axis": 0},
    reference=lambda x: _log_softmax_reference(x, 0),
)
@op_spec(
    name="log_softmax",
    inputs=[Input(domain=(-3.0, 3.0))],
    shapes=SHAPES,
    reference=_log_softmax_reference,
    examples=[([numpy.array([[1000.0, 1000.0]])], [[-numpy.log(2.0), -numpy.log(2.0)]])],
)
def log_softmax(x: Any, axis: int = -1) -> Variable:
    """Log-softmax ``x - logsumexp(x)`` along ``axis`` (default: the last), without overflow
    and without taking the log of an underflowed softmax. Its gradient is
    ``g - exp(log_softmax(x)) * sum(g)``.

    >>> import numpy as np
    >>> log_softmax(np.array([0.0, -1000.0])).array
    array([    0., -1000.])
    """
    return LogSoftmax(_axis(x, axis)).apply((x,))[0]
