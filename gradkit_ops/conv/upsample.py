r"""upsample: resize the spatial axes of ``(N, C, *spatial)`` arrays by nearest-neighbour or
(bi/tri)linear interpolation, to a given size or by a scale factor.

Along an axis of length :math:`n` resized to :math:`m` (the axes are independent):

* ``nearest``: :math:`y_o = x_{\lfloor o n / m \rfloor}`, a gather;
* ``linear`` (``bilinear`` on two axes, ``trilinear`` on three): the source coordinate is
  :math:`u_o = \max(0, (o + \tfrac12) n / m - \tfrac12)`, or :math:`u_o = o (n - 1)/(m - 1)`
  with ``align_corners``, and :math:`y_o = (1 - t_o)\, x_{i_o} + t_o\, x_{\min(i_o + 1,\,
  n - 1)}` with :math:`i_o = \lfloor u_o \rfloor`, :math:`t_o = u_o - i_o`, as PyTorch.

Both are linear in :math:`x` with constant weights, so the gradient scatters the output
gradient back with the same weights, :math:`\partial L / \partial x_i = \sum_o w_{oi}\,
\partial L / \partial y_o`: the gradients of ``take`` (a scatter-add), of products with
constants and of sums, to any order. An integer nearest scale is a broadcast instead of a
gather, whose gradient is a sum.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy

from gradkit import Variable, as_array, as_variable, get_array_module
from gradkit.arithmetic import add, broadcast_to, mul, reshape
from gradkit.testing import op_spec
from gradkit_ops.array.take import Take
from gradkit_ops.conv._windows import check_batched

__all__ = ["upsample"]

_LINEAR_MODES = {1: "linear", 2: "bilinear", 3: "trilinear"}


def _output_size(x: Any, size: Any, scale_factor: Any, nd: int) -> tuple[int, ...]:
    if (size is None) == (scale_factor is None):
        raise ValueError("upsample: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * nd if isinstance(size, int) else tuple(size)
        if len(sizes) != nd or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in sizes
        ):
            raise ValueError(f"upsample: size must be {nd} positive ints; got {size!r}")
        return sizes
    scales = (scale_factor,) * nd if isinstance(scale_factor, int | float) else scale_factor
    scales = tuple(scales)
    if len(scales) != nd or not all(isinstance(s, int | float) and s > 0 for s in scales):
        raise ValueError(
            f"upsample: scale_factor must be a positive number or {nd} of them; got "
            f"{scale_factor!r}"
        )
    sizes = tuple(math.floor(n * s) for n, s in zip(x.shape[2:], scales, strict=True))
    if min(sizes) < 1:
        raise ValueError(f"upsample: scale_factor {scale_factor!r} leaves an empty axis")
    return sizes


def linear_sources(n: int, m: int, align_corners: bool) -> tuple[list[int], list[float]]:
    """For each of ``m`` outputs along an axis of length ``n``: the lower source index and
    the weight of the upper neighbour (PyTorch's coordinate rules).

    >>> linear_sources(2, 4, False)
    ([0, 0, 0, 1], [0.0, 0.25, 0.75, 0.0])
    """
    low, frac = [], []
    for o in range(m):
        if align_corners:
            u = o * (n - 1) / (m - 1) if m > 1 else 0.0
        else:
            u = max((o + 0.5) * n / m - 0.5, 0.0)
        i = min(math.floor(u), n - 1)
        low.append(i)
        frac.append(u - i if i < n - 1 else 0.0)
    return low, frac


def _nearest_axis(y: Variable, axis: int, n: int, m: int, xp: Any, device: Any) -> Variable:
    shape = tuple(y.shape)
    if m % n == 0:  # every element repeated m / n times: a broadcast
        r = m // n
        wide = (*shape[: axis + 1], r, *shape[axis + 1 :])
        y = broadcast_to(reshape(y, (*shape[: axis + 1], 1, *shape[axis + 1 :])), wide)
        return reshape(y, (*shape[:axis], m, *shape[axis + 1 :]))
    index = xp.asarray([(o * n) // m for o in range(m)], dtype=xp.int64, device=device)
    return Take(index, axis).apply((y,))[0]


def _linear_axis(
    y: Variable, axis: int, n: int, m: int, align_corners: bool, xp: Any, dtype: Any, device: Any
) -> Variable:
    low, frac = linear_sources(n, m, align_corners)
    trailing = (1,) * (y.ndim - axis - 1)
    lower = Take(xp.asarray(low, dtype=xp.int64, device=device), axis).apply((y,))[0]
    if not any(frac):
        return lower
    high = [min(i + 1, n - 1) for i in low]
    upper = Take(xp.asarray(high, dtype=xp.int64, device=device), axis).apply((y,))[0]
    w_up = numpy.reshape(numpy.asarray(frac), (m, *trailing))
    w_low = xp.asarray(1.0 - w_up, dtype=dtype, device=device)
    w_up = xp.asarray(w_up, dtype=dtype, device=device)
    return add(mul(lower, w_low), mul(upper, w_up))


def upsample(
    x: Any,
    size: int | tuple[int, ...] | None = None,
    scale_factor: float | tuple[float, ...] | None = None,
    mode: str = "nearest",
    align_corners: bool = False,
) -> Variable:
    """Resize the spatial axes of ``x`` ``(N, C, *spatial)`` to ``size``, or to
    ``floor(n * scale_factor)`` per axis.

    ``mode`` is ``"nearest"`` (any number of spatial axes) or ``"linear"``, ``"bilinear"``,
    ``"trilinear"`` (one, two, three spatial axes). Source coordinates follow PyTorch with
    ``recompute_scale_factor=True`` (they use the ratio of the sizes); ``align_corners``
    maps the corner elements of input and output onto each other (linear modes only).

    >>> import numpy as np
    >>> from gradkit_ops.conv import upsample
    >>> upsample(np.array([[[1.0, 2.0]]]), scale_factor=2).array
    array([[[1., 1., 2., 2.]]])
    >>> upsample(np.array([[[1.0, 2.0]]]), size=4, mode="linear").array
    array([[[1.  , 1.25, 1.75, 2.  ]]])
    """
    nd = x.ndim - 2
    if nd < 1:
        check_batched("upsample", x, 1)
    linear = mode != "nearest"
    if linear and mode != _LINEAR_MODES.get(nd):
        raise ValueError(
            f"upsample: mode {mode!r} does not fit an input with {nd} spatial axes; use "
            f"'nearest' or {_LINEAR_MODES.get(nd, 'nearest')!r}"
        )
    if align_corners and not linear:
        raise ValueError("upsample: align_corners applies to the linear modes only")
    sizes = _output_size(x, size, scale_factor, nd)
    data = as_array(x)
    xp = get_array_module(data)
    y = as_variable(x)
    changed = False
    for a, (n, m) in enumerate(zip(x.shape[2:], sizes, strict=True)):
        if n == m:  # both modes map an axis of unchanged length onto itself
            continue
        if n == 0:
            raise ValueError(f"upsample: spatial axis {a} is empty (x has shape {x.shape})")
        changed = True
        if linear:
            y = _linear_axis(y, 2 + a, n, m, bool(align_corners), xp, data.dtype, data.device)
        else:
            y = _nearest_axis(y, 2 + a, n, m, xp, data.device)
    return y if changed else mul(x, 1.0)


# ------------------------------------------------------------------ reference and specs
def upsample_reference(
    x: numpy.ndarray, size: tuple[int, ...], mode: str = "nearest", align_corners: bool = False
) -> numpy.ndarray:
    """Resizing by plain loops over output positions: the nearest source, or the weighted
    sum over the ``2 ** D`` corners of the enclosing cell (for specs and tests)."""
    in_size = x.shape[2:]
    y = numpy.zeros((*x.shape[:2], *size), dtype=x.dtype)
    for q in itertools.product(*[range(m) for m in size]):
        if mode == "nearest":
            src = tuple((o * n) // m for o, n, m in zip(q, in_size, size, strict=True))
            y[(..., *q)] = x[(..., *src)]
            continue
        coords = []
        for o, n, m in zip(q, in_size, size, strict=True):
            if align_corners:
                u = o * (n - 1) / (m - 1) if m > 1 else 0.0
            else:
                u = max((o + 0.5) * n / m - 0.5, 0.0)
            coords.append(u)
        total = numpy.zeros(x.shape[:2])
        for corner in itertools.product((0, 1), repeat=len(size)):
            weight = 1.0
            src = []
            for u, up, n in zip(coords, corner, in_size, strict=True):
                i = min(math.floor(u), n - 1)
                t = u - i
                weight *= t if up else 1.0 - t
                src.append(min(i + up, n - 1))
            total = total + weight * x[(..., *src)]
        y[(..., *q)] = total
    return y


op_spec(
    name="upsample",
    kwargs={"size": (5, 8)},
    shapes=[(2, 3, 3, 4), "2x3x3x4nc", (0, 3, 3, 4)],
    reference=lambda x: upsample_reference(x, (5, 8)),
)(upsample)
# Downsampling by nearest neighbour on one axis, an integer scale on the other.
op_spec(
    name="upsample.nearest_scale",
    kwargs={"scale_factor": (0.5, 3)},
    shapes=[(2, 2, 5, 3), "2x2x5x3nc"],
    # The output size follows the input's (floor(n * scale)), whatever shape is drawn.
    reference=lambda x: upsample_reference(x, (x.shape[2] // 2, 3 * x.shape[3])),
)(upsample)
op_spec(
    name="upsample.bilinear",
    kwargs={"size": (5, 7), "mode": "bilinear"},
    shapes=[(2, 2, 3, 4), "2x2x3x4nc", (0, 2, 3, 4)],
    reference=lambda x: upsample_reference(x, (5, 7), "bilinear"),
)(upsample)
op_spec(
    name="upsample.bilinear_align_corners",
    kwargs={"size": (3, 6), "mode": "bilinear", "align_corners": True},
    shapes=[(2, 2, 5, 3), "2x2x5x3nc"],
    reference=lambda x: upsample_reference(x, (3, 6), "bilinear", True),
)(upsample)
op_spec(
    name="upsample.linear",
    kwargs={"scale_factor": 2.5, "mode": "linear"},
    shapes=[(2, 3, 4), "2x3x4nc"],
    reference=lambda x: upsample_reference(x, (math.floor(2.5 * x.shape[2]),), "linear"),
)(upsample)
