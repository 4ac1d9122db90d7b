r"""conv1d, conv2d, conv3d: N-dimensional convolution (cross-correlation, as in every deep
learning library) with stride, zero padding, dilation, groups and an optional bias.

For :math:`x` of shape :math:`(N, C, n_1, \dots, n_D)`, weights :math:`W` of shape
:math:`(O, C/G, k_1, \dots, k_D)` and :math:`G` groups (output channel :math:`o` in group
:math:`g(o)` sees input channels :math:`g(o) C/G \dots (g(o) + 1) C/G - 1`):

.. math:: y[b, o, q] = b_o + \sum_{c < C/G} \sum_{i} W[o, c, i]\,
          x_{\mathrm{pad}}[b, g(o) C/G + c, q s + i d]

It is computed as one matrix product over im2col columns (:func:`~gradkit_ops.conv.unfold`):
:math:`\mathrm{col} = \mathrm{unfold}(x)` viewed as :math:`(N, G, (C/G) \prod k, L)` with
:math:`L = \prod_j o_j`, then :math:`y = W_{(G, O/G, (C/G) \prod k)} \cdot \mathrm{col}`.
The gradients are those of the composite, with :math:`g = \partial L/\partial y`:

.. math:: \frac{\partial L}{\partial W} = \sum_b g_b\, \mathrm{col}_b^\top,\quad
          \frac{\partial L}{\partial x} = \mathrm{fold}(W^\top g),\quad
          \frac{\partial L}{\partial b_o} = \sum_{b, q} g[b, o, q]

that is a convolution of the input with the output gradient, a transposed convolution of the
output gradient, and a sum. They are written with ``fold``, ``unfold``, ``matmul``, ``reshape``
and ``sum``, so derivatives of every order follow.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy

from gradkit import Variable, as_variable
from gradkit.arithmetic import add, matmul, reshape
from gradkit.testing import Input, op_spec
from gradkit_ops.conv._windows import IntOrTuple, Windows, check_batched, make_windows
from gradkit_ops.conv.unfold import Unfold

__all__ = ["conv1d", "conv2d", "conv3d", "convolution"]


def check_groups(op: str, groups: Any, channels: int, out_channels: int) -> int:
    """Validate ``groups`` against the input and output channel counts; return it."""
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int; got {groups!r}")
    if channels % groups or out_channels % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide the input channels ({channels}) and the "
            f"output channels ({out_channels})"
        )
    return groups


def check_bias(op: str, b: Any, out_channels: int, dtype: Any) -> None:
    """Raise unless ``b`` is None or a vector of ``out_channels`` entries of ``dtype``."""
    if b is None:
        return
    if tuple(b.shape) != (out_channels,):
        raise ValueError(
            f"{op}: the bias (input 2) must have shape ({out_channels},), one entry per output "
            f"channel; got shape {tuple(b.shape)}"
        )
    if b.dtype != dtype:
        raise TypeError(f"{op}: the bias (input 2) has dtype {b.dtype}; x has dtype {dtype}")


def add_bias(y: Variable, b: Any, nd: int) -> Variable:
    """``y + b`` with ``b`` (one entry per channel) broadcast over batch and space."""
    if b is None:
        return y
    return add(y, reshape(b, (1, b.shape[0], *(1,) * nd)))


def _trivial(windows: Windows) -> bool:
    # A 1x1 kernel with stride 1 and no padding: the columns are the input itself.
    return windows.taps == 1 and not windows.padded and all(s == 1 for s in windows.stride)


def convolution(
    x: Any,
    W: Any,
    b: Any = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Variable:
    """N-dimensional convolution; the number of spatial axes is ``W.ndim - 2``. See
    :func:`conv2d` for the arguments."""
    nd = W.ndim - 2
    op = f"conv{nd}d" if nd in (1, 2, 3) else "convolution"
    if nd < 1:
        raise ValueError(
            f"{op}: W (input 1) must have shape (out_channels, in_channels / groups, *kernel); "
            f"got shape {tuple(W.shape)}"
        )
    check_batched(op, x, nd)
    n, c = x.shape[:2]
    o, cg = W.shape[:2]
    groups = check_groups(op, groups, c, o)
    if cg * groups != c:
        raise ValueError(
            f"{op}: W (input 1) of shape {tuple(W.shape)} expects {cg * groups} input channels "
            f"with groups={groups}; x has {c} (shape {tuple(x.shape)})"
        )
    if W.dtype != x.dtype:
        raise TypeError(f"{op}: W (input 1) has dtype {W.dtype}; x has dtype {x.dtype}")
    check_bias(op, b, o, x.dtype)
    windows = make_windows(op, tuple(x.shape[2:]), tuple(W.shape[2:]), stride, padding, dilation)
    col = as_variable(x) if _trivial(windows) else Unfold(windows).apply((x,))[0]
    taps = cg * windows.taps
    col = reshape(col, (n, groups, taps, math.prod(windows.out_size)))
    y = matmul(reshape(W, (groups, o // groups, taps)), col)  # (N, G, O / G, L)
    return add_bias(reshape(y, (n, o, *windows.out_size)), b, nd)


def conv1d(
    x: Any,
    W: Any,
    b: Any = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Variable:
    """1-d convolution of ``x`` ``(N, C, n)`` with ``W`` ``(O, C / groups, k)``, plus the
    optional bias ``b`` ``(O,)``; see :func:`conv2d`.

    >>> import numpy as np
    >>> from gradkit_ops.conv import conv1d
    >>> conv1d(np.array([[[1.0, 2.0, 3.0]]]), np.array([[[1.0, -1.0]]])).array
    array([[[-1., -1.]]])
    """
    _expect_nd("conv1d", W, 1)
    return convolution(x, W, b, stride, padding, dilation, groups)


def conv2d(
    x: Any,
    W: Any,
    b: Any = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Variable:
    """2-d convolution (cross-correlation) of ``x`` ``(N, C, H, W)`` with weights ``W``
    ``(O, C / groups, kh, kw)``, plus the optional bias ``b`` ``(O,)``.

    ``stride``, ``padding`` (zeros on both sides) and ``dilation`` are an int or one int per
    spatial axis; ``groups`` splits the channels into independent convolutions. The output
    has shape ``(N, O, oh, ow)`` with ``o = (n + 2 p - d (k - 1) - 1) // s + 1`` per axis.

    >>> import numpy as np
    >>> from gradkit_ops.conv import conv2d
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv2d(x, np.ones((1, 1, 2, 2)), np.array([0.5])).array
    array([[[[ 8.5, 12.5],
             [20.5, 24.5]]]])
    """
    _expect_nd("conv2d", W, 2)
    return convolution(x, W, b, stride, padding, dilation, groups)


def conv3d(
    x: Any,
    W: Any,
    b: Any = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Variable:
    """3-d convolution of ``x`` ``(N, C, d, h, w)`` with ``W`` ``(O, C / groups, kd, kh,
    kw)``, plus the optional bias ``b`` ``(O,)``; see :func:`conv2d`.

    >>> import numpy as np
    >>> from gradkit_ops.conv import conv3d
    >>> conv3d(np.ones((1, 2, 2, 2, 2)), np.ones((1, 2, 2, 2, 2))).shape
    (1, 1, 1, 1, 1)
    """
    _expect_nd("conv3d", W, 3)
    return convolution(x, W, b, stride, padding, dilation, groups)


def _expect_nd(op: str, W: Any, nd: int) -> None:
    if W.ndim != nd + 2:
        raise ValueError(
            f"{op}: W (input 1) must have {nd + 2} dimensions (out_channels, in_channels / "
            f"groups{', k' * nd}); got shape {tuple(W.shape)}"
        )


# ------------------------------------------------------------------ reference and specs
def conv_reference(
    x: numpy.ndarray,
    W: numpy.ndarray,
    b: numpy.ndarray | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> numpy.ndarray:
    """Direct convolution by plain loops over output positions, taps and groups (no im2col;
    for specs and tests)."""
    nd = W.ndim - 2
    windows = make_windows("reference", x.shape[2:], W.shape[2:], stride, padding, dilation)
    pads = [(0, 0), (0, 0), *zip(windows.pad_lo, windows.pad_hi, strict=True)]
    xpad = numpy.pad(x, pads)
    o_ch, cg = W.shape[:2]
    og = o_ch // groups
    y = numpy.zeros((x.shape[0], o_ch, *windows.out_size), dtype=x.dtype)
    for q in itertools.product(*[range(o) for o in windows.out_size]):
        for tap in itertools.product(*[range(k) for k in windows.kernel]):
            pos = tuple(
                qa * s + i * d
                for qa, i, s, d in zip(q, tap, windows.stride, windows.dilation, strict=True)
            )
            for g in range(groups):
                patch = xpad[(slice(None), slice(g * cg, (g + 1) * cg), *pos)]  # (N, C/G)
                weights = W[(slice(g * og, (g + 1) * og), slice(None), *tap)]  # (O/G, C/G)
                y[(slice(None), slice(g * og, (g + 1) * og), *q)] += patch @ weights.T
    if b is not None:
        y += b.reshape((1, o_ch) + (1,) * nd)
    return y


op_spec(
    name="conv2d",
    inputs=[
        Input(),
        Input(shape=lambda s: (4, s[1], 3, 3)),
        Input(shape=lambda s: (4,)),
    ],
    kwargs={"padding": 1},
    shapes=[(2, 3, 5, 5), "2x3x5x5nc", (0, 3, 4, 4)],
    reference=lambda x, W, b: conv_reference(x, W, b, 1, 1),
)(conv2d)
# Groups, unequal strides, padding and dilation per axis, no bias.
op_spec(
    name="conv2d.groups",
    inputs=[Input(), Input(shape=lambda s: (6, s[1] // 2, 2, 3))],
    kwargs={"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1), "groups": 2},
    shapes=[(2, 4, 6, 5), "2x4x6x5nc"],
    reference=lambda x, W: conv_reference(x, W, None, (2, 1), (1, 2), (2, 1), 2),
)(conv2d)
# A 1x1 kernel: the columns are the input itself (no unfold).
op_spec(
    name="conv2d.pointwise",
    inputs=[Input(), Input(shape=lambda s: (3, s[1], 1, 1)), Input(shape=lambda s: (3,))],
    shapes=[(2, 4, 3, 3), "2x4x3x3nc"],
    reference=lambda x, W, b: conv_reference(x, W, b),
)(conv2d)
# Depthwise (groups = channels), strided and padded.
op_spec(
    name="conv1d",
    inputs=[Input(), Input(shape=lambda s: (s[1], 1, 3)), Input(shape=lambda s: (s[1],))],
    kwargs={"stride": 2, "padding": 1, "groups": 3},
    shapes=[(2, 3, 7), "2x3x7nc", (0, 3, 7)],
    reference=lambda x, W, b: conv_reference(x, W, b, 2, 1, 1, 3),
)(conv1d)
op_spec(
    name="conv1d.dilated",
    inputs=[Input(), Input(shape=lambda s: (2, s[1], 3))],
    kwargs={"dilation": 2},
    shapes=[(2, 3, 8)],
    reference=lambda x, W: conv_reference(x, W, None, 1, 0, 2),
)(conv1d)
op_spec(
    name="conv3d",
    inputs=[
        Input(),
        Input(shape=lambda s: (2, s[1], 2, 2, 2)),
        Input(shape=lambda s: (2,)),
    ],
    kwargs={"stride": (1, 2, 1), "padding": (0, 1, 1)},
    shapes=[(1, 2, 3, 4, 3), "1x2x3x4x3nc"],
    reference=lambda x, W, b: conv_reference(x, W, b, (1, 2, 1), (0, 1, 1)),
)(conv3d)
op_spec(
    name="convolution",
    inputs=[Input(), Input(shape=lambda s: (2, s[1], 2, 2))],
    shapes=[(1, 2, 3, 3)],
    reference=lambda x, W: conv_reference(x, W),
)(convolution)
