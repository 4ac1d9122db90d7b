r"""avg_pool1d, avg_pool2d: the mean over each window, with stride, zero padding, ceil mode
and ``count_include_pad``.

.. math:: y_w = \frac{1}{c_w} \sum_i x_{\mathrm{pad}}[w s + i],\qquad
          \frac{\partial L}{\partial x_j} = \sum_{(w, i):\ w s + i = j + p}
          \frac{1}{c_w} \frac{\partial L}{\partial y_w}

The divisor :math:`c_w` is, as in PyTorch, the number of the window's elements inside the
padded input (``count_include_pad=True``; with ``ceil_mode`` a last window that runs past the
padding counts only what it covers) or inside the input itself (``count_include_pad=False``).
It is a product over the axes of per-axis counts. Average pooling is linear: the composite
``unfold``, ``sum`` over the taps and a product with :math:`1 / c`, whose gradient is ``fold``
of the scaled, broadcast output gradient, to any order.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy

from gradkit import Variable, as_array, get_array_module
from gradkit.arithmetic import mul, reshape, sum
from gradkit.testing import op_spec
from gradkit_ops.conv._windows import IntOrTuple, Windows, check_batched, make_windows
from gradkit_ops.conv.unfold import Unfold

__all__ = ["avg_pool1d", "avg_pool2d", "avg_pool"]


def _axis_counts(windows: Windows, axis: int, count_include_pad: bool) -> list[int]:
    """The divisor's factor along one axis, per output position."""
    n = windows.in_size[axis]
    k, s, p = windows.kernel[axis], windows.stride[axis], windows.pad_lo[axis]
    counts = []
    for o in range(windows.out_size[axis]):
        start = o * s - p
        end = min(start + k, n + p)  # the part past the padding (ceil mode) never counts
        counts.append(end - start if count_include_pad else min(end, n) - max(start, 0))
    return counts


def avg_pool(
    x: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Variable:
    """N-dimensional average pooling; the number of spatial axes is ``x.ndim - 2``. See
    :func:`avg_pool2d` for the arguments."""
    nd = x.ndim - 2
    op = f"avg_pool{nd}d" if nd in (1, 2) else "avg_pool"
    if nd < 1:
        check_batched(op, x, 1)
    windows = make_windows(
        op,
        tuple(x.shape[2:]),
        kernel_size,
        kernel_size if stride is None else stride,
        padding,
        ceil_mode=bool(ceil_mode),
    )
    for a, (k, p) in enumerate(zip(windows.kernel, windows.pad_lo, strict=True)):
        if 2 * p > k:
            raise ValueError(
                f"{op}: padding {p} on spatial axis {a} is more than half the kernel ({k})"
            )
    n, c = x.shape[:2]
    cols = reshape(Unfold(windows).apply((x,))[0], (n, c, windows.taps, *windows.out_size))
    total = sum(cols, axis=2)
    counts = [_axis_counts(windows, a, bool(count_include_pad)) for a in range(nd)]
    if all(m == windows.taps for axis in counts for m in axis):
        return mul(total, 1.0 / windows.taps)
    # One reciprocal per window: the outer product of the per-axis counts.
    host = numpy.ones(windows.out_size)
    for a, axis in enumerate(counts):
        host = host * numpy.reshape(axis, (-1,) + (1,) * (nd - 1 - a))
    data = as_array(x)
    xp = get_array_module(data)
    inverse = xp.asarray(1.0 / host, dtype=data.dtype, device=data.device)
    return mul(total, inverse)


def avg_pool1d(
    x: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Variable:
    """1-d average pooling of ``x`` ``(N, C, n)``; see :func:`avg_pool2d`.

    >>> import numpy as np
    >>> from gradkit_ops.conv import avg_pool1d
    >>> avg_pool1d(np.array([[[1.0, 3.0, 2.0]]]), 2, padding=1).array
    array([[[0.5, 2.5]]])
    >>> avg_pool1d(np.array([[[1.0, 3.0, 2.0]]]), 2, padding=1, count_include_pad=False).array
    array([[[1. , 2.5]]])
    """
    check_batched("avg_pool1d", x, 1)
    return avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(
    x: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Variable:
    """2-d average pooling of ``x`` ``(N, C, H, W)``: the mean of every window.

    ``stride`` defaults to ``kernel_size``; ``padding`` (at most half the kernel) adds zeros
    on both sides. The output size per axis is ``(n + 2 p - k) / s + 1``, rounded down, or up
    with ``ceil_mode`` (as :func:`~gradkit_ops.conv.max_pool2d`). Each window is divided by
    the number of its elements inside the padded input (``count_include_pad=True``, the
    default) or inside the input (``False``), as PyTorch does.

    >>> import numpy as np
    >>> from gradkit_ops.conv import avg_pool2d
    >>> avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2).array
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    check_batched("avg_pool2d", x, 2)
    return avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad)


# ------------------------------------------------------------------ reference and specs
def avg_pool_reference(
    x: numpy.ndarray,
    kernel: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> numpy.ndarray:
    """Average pooling by plain loops over windows and their elements, counting the divisor
    element by element (for specs and tests)."""
    windows = make_windows(
        "reference",
        x.shape[2:],
        kernel,
        kernel if stride is None else stride,
        padding,
        ceil_mode=ceil_mode,
    )
    y = numpy.zeros((*x.shape[:2], *windows.out_size), dtype=x.dtype)
    for q in itertools.product(*[range(o) for o in windows.out_size]):
        total = numpy.zeros(x.shape[:2], dtype=x.dtype)
        count = 0
        for tap in itertools.product(*[range(k) for k in windows.kernel]):
            pos = [
                qa * s + i - p
                for qa, i, s, p in zip(q, tap, windows.stride, windows.pad_lo, strict=True)
            ]
            inside = all(0 <= j < n for j, n in zip(pos, windows.in_size, strict=True))
            in_padded = all(
                -p <= j < n + p
                for j, n, p in zip(pos, windows.in_size, windows.pad_lo, strict=True)
            )
            if inside:
                total += x[(..., *pos)]
            count += inside if not count_include_pad else in_padded
        y[(..., *q)] = total / count
    return y


op_spec(
    name="avg_pool2d",
    kwargs={"kernel_size": 2},
    shapes=[(2, 3, 4, 6), "2x3x4x6nc", (0, 3, 4, 4)],
    reference=lambda x: avg_pool_reference(x, 2),
)(avg_pool2d)
op_spec(
    name="avg_pool2d.padded",
    kwargs={"kernel_size": 3, "stride": (1, 2), "padding": 1},
    shapes=[(2, 2, 5, 5), "2x2x5x5nc"],
    reference=lambda x: avg_pool_reference(x, 3, (1, 2), 1),
)(avg_pool2d)
op_spec(
    name="avg_pool2d.ceil_exclude_pad",
    kwargs={
        "kernel_size": (3, 2),
        "stride": 2,
        "padding": (1, 0),
        "ceil_mode": True,
        "count_include_pad": False,
    },
    shapes=[(2, 2, 6, 5), "2x2x6x5nc"],
    reference=lambda x: avg_pool_reference(x, (3, 2), 2, (1, 0), True, False),
)(avg_pool2d)
op_spec(
    name="avg_pool2d.ceil_include_pad",
    kwargs={"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    shapes=[(1, 2, 6, 6)],
    reference=lambda x: avg_pool_reference(x, 3, 2, 1, True, True),
)(avg_pool2d)
op_spec(
    name="avg_pool1d",
    kwargs={"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    shapes=[(2, 3, 8), "2x3x8nc", (0, 3, 8)],
    reference=lambda x: avg_pool_reference(x, 3, 2, 1, False, False),
)(avg_pool1d)
op_spec(
    name="avg_pool",
    kwargs={"kernel_size": 2},
    shapes=[(1, 2, 2, 4, 2)],
    reference=lambda x: avg_pool_reference(x, 2),
)(avg_pool)
