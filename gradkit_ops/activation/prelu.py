r"""PReLU: leaky ReLU with a learnable slope.

.. math::
    y = \begin{cases} x & x \ge 0 \\ w x & x < 0 \end{cases},\quad
    \frac{\partial y}{\partial x} = \begin{cases} 1 & x \ge 0 \\ w & x < 0 \end{cases},\quad
    \frac{\partial y}{\partial w} = \begin{cases} 0 & x \ge 0 \\ x & x < 0 \end{cases}

The slope ``W`` has the shape of the axes of ``x`` that follow the first (the batch) axis, as
in Chainer: one slope per channel (``W.shape == x.shape[1:2]``), per channel and position, or
a single shared slope (``W.shape == ()``). Its gradient is summed over the other axes. The
kink is at 0; the mixed second derivative :math:`\partial^2 y / \partial x \partial w` is
:math:`[x < 0]`.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import reshape, sum_to
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.comparison.where import where

__all__ = ["prelu", "PReLU"]


def _slope_shape(x_shape: tuple[int, ...], w_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that broadcasts W against x: (1,) + W.shape + (1,) * (the rest)."""
    lead = 1 if len(x_shape) > len(w_shape) else 0
    return (1,) * lead + tuple(w_shape) + (1,) * (len(x_shape) - lead - len(w_shape))


class PReLU(FunctionNode):
    """``where(x >= 0, x, W * x)``, with ``W`` broadcast along the axes after the first."""

    spec = Unchecked("applied and checked through gradkit_ops.prelu()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        x, w = inputs
        self.retain_inputs((0, 1))
        xp = get_array_module(x)
        self.slope_shape = _slope_shape(x.shape, w.shape)
        return (xp.where(x >= 0, x, xp.reshape(w, self.slope_shape) * x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        x, w = self.get_retained_inputs()
        positive = x.array >= 0
        result = []
        for i in target_input_indexes:
            if i == 0:
                wb = reshape(w, self.slope_shape)
                result.append(where(positive, gy, gy * wb))
            else:
                gw = where(positive, 0.0, gy * x)
                result.append(reshape(sum_to(gw, self.slope_shape), w.shape))
        return tuple(result)


def _reference(x: numpy.ndarray, w: numpy.ndarray) -> numpy.ndarray:
    return numpy.where(x >= 0, x, numpy.reshape(w, _slope_shape(x.shape, w.shape)) * x)


@op_spec(
    inputs=[
        Input(domain=(-2.0, 2.0), kinks=(0.0,)),
        Input(domain=(0.05, 0.5), shape=lambda s: s[1:2]),
    ],
    shapes=[(3, 4), (2, 3, 4), (), (0, 3), "3x4nc"],
    reference=_reference,
    examples=[
        (
            [numpy.array([[-1.0, 2.0], [-4.0, -2.0]]), numpy.array([0.5, 0.25])],
            numpy.array([[-0.5, 2.0], [-2.0, -0.5]]),
        )
    ],
)
def prelu(x: Any, W: Any) -> Variable:
    """Parametric ReLU: ``x`` where ``x >= 0``, ``W * x`` below, with a learnable slope ``W``
    (a :class:`~gradkit.Parameter`, say).

    ``W`` has the shape of the axes of ``x`` right after the first: ``x.shape[1:1 + W.ndim]``
    (one slope per channel for ``W.ndim == 1``), or is 0-d for one shared slope. Both ``x``
    and ``W`` get gradients; the kink is at ``x = 0``, where the gradient is that of ``x``.

    >>> import numpy as np
    >>> prelu(np.array([[-1.0, 2.0]]), np.array([0.5, 0.25])).array
    array([[-0.5,  2. ]])
    """
    if W.ndim and tuple(x.shape[1 : 1 + W.ndim]) != tuple(W.shape):
        raise ValueError(
            f"prelu: W has shape {tuple(W.shape)}, but x of shape {tuple(x.shape)} needs W of "
            f"shape x.shape[1:{1 + W.ndim}] = {tuple(x.shape[1 : 1 + W.ndim])} (or a 0-d W)"
        )
    if W.dtype != x.dtype:
        raise TypeError(f"prelu: W has dtype {W.dtype} but x has dtype {x.dtype}")
    return PReLU().apply((x, W))[0]
