r"""Maxout: the maximum over groups of channels.

The axis ``axis`` of length :math:`C` is split into :math:`C/k` groups of ``pool_size``
:math:`k` consecutive channels, and each group is reduced to its maximum:

.. math::
    y_{\dots, c, \dots} = \max_{0 \le j < k} x_{\dots, ck + j, \dots},\quad
    \frac{\partial L}{\partial x_{\dots, ck + j, \dots}}
    = \frac{[x_{ck+j} = y_c]}{\#\{j' : x_{ck+j'} = y_c\}}\, g_c

The gradient goes to the channel that attains the maximum; ties, the kinks, share it equally
(as the ``max`` reduction does). The selection is a constant, so the second derivative is zero.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import broadcast_to, normalize_axis, reshape
from gradkit.testing import Input, Unchecked, op_spec

__all__ = ["maxout", "Maxout"]


def _grouped_shape(shape: tuple[int, ...], axis: int, pool_size: int) -> tuple[int, ...]:
    return (*shape[:axis], shape[axis] // pool_size, pool_size, *shape[axis + 1 :])


class Maxout(FunctionNode):
    """The maximum over groups of ``pool_size`` consecutive entries along ``axis``."""

    spec = Unchecked("applied and checked through gradkit_ops.maxout()")

    def __init__(self, pool_size: int, axis: int) -> None:
        self.pool_size = pool_size
        self.axis = axis

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        xp = get_array_module(x)
        grouped = xp.reshape(x, _grouped_shape(x.shape, self.axis, self.pool_size))
        return (xp.max(grouped, axis=self.axis + 1),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        (x,) = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        xd = x.array
        xp = get_array_module(xd)
        grouped_shape = _grouped_shape(xd.shape, self.axis, self.pool_size)
        kept_shape = (*y.shape[: self.axis + 1], 1, *y.shape[self.axis + 1 :])
        hit = xp.astype(xp.reshape(xd, grouped_shape) == xp.reshape(y.array, kept_shape), xd.dtype)
        share = hit / xp.sum(hit, axis=self.axis + 1, keepdims=True)
        g = broadcast_to(reshape(gy, kept_shape), grouped_shape) * share
        return (reshape(g, xd.shape),)


def _distinct(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
    # All values at least 0.08 apart (a shuffled grid with a small jitter): no group has a
    # tie, the kink of the maximum, nor an almost-tie the numerical derivative would cross.
    n = int(numpy.prod(shape))
    grid = (numpy.arange(n) - n / 2) * 0.1
    return (rng.permutation(grid) + rng.uniform(-0.01, 0.01, n)).reshape(shape)


def _reference(x: numpy.ndarray, pool_size: int = 2, axis: int = 1) -> numpy.ndarray:
    return x.reshape(_grouped_shape(x.shape, axis, pool_size)).max(axis=axis + 1)


@op_spec(
    name="maxout_last_axis",
    inputs=[Input(values=_distinct)],
    shapes=[(2, 6), (2, 3, 6), "2x6nc"],
    kwargs={"pool_size": 3, "axis": -1},
    reference=lambda x: _reference(x, 3, x.ndim - 1),
)
@op_spec(
    name="maxout",
    inputs=[Input(values=_distinct)],
    shapes=[(3, 4), (2, 6, 3), (0, 4), "3x4nc"],
    kwargs={"pool_size": 2},
    reference=_reference,
    examples=[([numpy.array([[1.0, 3.0, -2.0, -5.0]])], [[3.0, -2.0]])],
)
def maxout(x: Any, pool_size: int, axis: int = 1) -> Variable:
    """Maxout (Goodfellow et al., 2013): split ``axis`` (default 1, the channels) into groups
    of ``pool_size`` consecutive entries and keep the maximum of each group; the axis shrinks
    by the factor ``pool_size``. The gradient goes to the maximum of each group, shared
    equally at ties (the kinks).

    >>> import numpy as np
    >>> maxout(np.array([[1.0, 3.0, -2.0, -5.0]]), pool_size=2).array
    array([[ 3., -2.]])
    """
    if x.ndim == 0:
        raise ValueError("maxout: a 0-d array has no axis to pool over")
    (a,) = normalize_axis(axis, x.ndim)
    if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
        raise ValueError(f"maxout: pool_size must be a positive int; got {pool_size!r}")
    if x.shape[a] % pool_size:
        raise ValueError(
            f"maxout: axis {a} has length {x.shape[a]}, which pool_size={pool_size} does not divide"
        )
    return Maxout(pool_size, a).apply((x,))[0]
