r"""cumprod: running products along an axis.

.. math:: y_k = \prod_{i \le k} x_i \;\Rightarrow\;
          \frac{\partial L}{\partial x_i} = \sum_{k \ge i} \frac{\partial L}{\partial y_k}
          \prod_{j \le k,\ j \ne i} x_j = e_i\, r_i

with :math:`e_i = \prod_{j < i} x_j` (the exclusive running product, :math:`y` shifted by one)
and :math:`r_i = g_i + x_{i+1} r_{i+1}` (:math:`g = \partial L / \partial y`), a linear
recurrence run from the end. The usual shortcut :math:`\sum_{k \ge i} g_k y_k / x_i` divides
by zero when the input holds zeros; here nothing is divided, so any number of zeros is exact.
The recurrence is evaluated as a log-depth scan made of ``mul``, ``add``, slices and
``concat``, which keeps every higher-order gradient exact too.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import add, getitem, mul, reshape
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.array._index import normalize_axis_index
from gradkit_ops.array._values import nonzero, with_zeros
from gradkit_ops.array.concat import concat
from gradkit_ops.array.flip import Flip

__all__ = ["CumProd", "cumprod", "shift_along"]


def shift_along(v: Variable, axis: int, d: int, fill: float) -> Variable:
    """``v`` moved ``d`` places forward along ``axis``, the first ``d`` places set to
    ``fill`` (a constant) and the last ``d`` elements dropped."""
    data = v.array
    xp = get_array_module(data)
    n = v.shape[axis]
    lead = (slice(None),) * axis
    pad_shape = tuple(d if k == axis else s for k, s in enumerate(v.shape))
    pad = xp.full(pad_shape, fill, dtype=data.dtype, device=data.device)
    return concat([pad, getitem(v, (*lead, slice(0, n - d)))], axis)


def _linear_scan(a: Variable, b: Variable, axis: int) -> Variable:
    """The recurrence :math:`s_i = b_i + a_i s_{i-1}` (:math:`s_{-1} = 0`) along ``axis``,
    by Hillis-Steele doubling: after the step of width ``d``, element ``i`` holds the affine
    map of the ``2d`` elements ending at ``i``."""
    n = a.shape[axis]
    d = 1
    while d < n:
        b = add(b, mul(a, shift_along(b, axis, d, 0.0)))
        d *= 2
        if d < n:
            a = mul(a, shift_along(a, axis, d // 2, 1.0))
    return b


class CumProd(FunctionNode):
    """Running products along ``axis`` (a non-negative int)."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return (get_array_module(x).cumulative_prod(x, axis=self.axis),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        (x,) = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        axis = self.axis
        if x.shape[axis] <= 1:
            return (gy,)
        exclusive = shift_along(y, axis, 1, 1.0)
        # r_i = g_i + x_{i+1} r_{i+1}, run from the end: flip, scan forward, flip back.
        flip = (axis,)
        (g_rev,) = Flip(flip).apply((gy,))
        (x_rev,) = Flip(flip).apply((x,))
        a_rev = shift_along(x_rev, axis, 1, 0.0)
        (r,) = Flip(flip).apply((_linear_scan(a_rev, g_rev, axis),))
        return (mul(exclusive, r),)


def cumprod(x: Any, axis: int | None = None) -> Variable:
    """Running products of ``x`` along ``axis`` (of the flattened ``x`` when None).

    >>> import numpy as np
    >>> from gradkit_ops.reduction import cumprod
    >>> cumprod(np.array([1.0, 2.0, 3.0])).array
    array([1., 2., 6.])
    """
    if axis is None:
        x = reshape(x, (x.size,))
        axis = 0
    if x.ndim == 0:
        raise ValueError("cumprod: a 0-d array needs axis=None")
    return CumProd(normalize_axis_index(axis, x.ndim, "cumprod")).apply((x,))[0]


op_spec(
    name="cumprod",
    inputs=[Input(values=nonzero)],
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=lambda x: numpy.cumprod(x),
)(cumprod)
op_spec(
    name="cumprod.axis",
    inputs=[Input(values=nonzero)],
    kwargs={"axis": 1},
    shapes=[(3, 4), "3x4nc", (0, 4), (2, 7)],
    reference=lambda x: numpy.cumprod(x, axis=1),
)(cumprod)
# Zeros in the input (one in row 0, two in row 1 of a 3x4 input), where the usual
# ``revcumsum(g * y) / x`` gradient divides by zero.
op_spec(
    name="cumprod.zeros",
    inputs=[Input(values=with_zeros([1, 4, 6]))],
    kwargs={"axis": 1},
    shapes=[(3, 4), "3x4nc", (2, 7)],
    reference=lambda x: numpy.cumprod(x, axis=1),
)(cumprod)
CumProd.spec = Unchecked("built and checked by cumprod() and prod(), which have specs")
