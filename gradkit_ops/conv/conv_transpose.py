r"""conv_transpose1d, conv_transpose2d: transposed convolution ("deconvolution"), the adjoint
of a convolution in its input, with stride, padding, output padding, dilation, groups and an
optional bias.

For :math:`x` of shape :math:`(N, C, n_1, \dots, n_D)` and weights :math:`W` of shape
:math:`(C, O/G, k_1, \dots, k_D)` (as PyTorch), every input element scatters a scaled copy
of its kernel into the output, which is then cropped by the padding :math:`p`:

.. math:: y[b, o, q s + i d - p] \mathrel{+}= \sum_{c} x[b, c, q]\, W[c, o', i]

for the channels :math:`c` of the group of output channel :math:`o = g\,O/G + o'`. Along each
axis the output has :math:`(n - 1) s - 2 p + d (k - 1) + p_{out} + 1` elements, where the
output padding :math:`p_{out} < \max(s, d)` picks one of the sizes that a strided convolution
maps to :math:`n`. It is computed as one matrix product and a ``fold`` (col2im):
:math:`y = \mathrm{fold}(W^\top x) + b`. With :math:`g = \partial L / \partial y`,

.. math:: \frac{\partial L}{\partial x} = W \cdot \mathrm{unfold}(g),\quad
          \frac{\partial L}{\partial W} = \sum_b x_b\, \mathrm{unfold}(g)_b^\top,\quad
          \frac{\partial L}{\partial b_o} = \sum_{b, q} g[b, o, q]

(a convolution of the output gradient), written with ``unfold``, ``matmul``, ``reshape`` and
``sum`` by the composite, so derivatives of every order follow.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import matmul, reshape, transpose
from gradkit.testing import Input, op_spec
from gradkit_ops.conv._windows import IntOrTuple, Windows, as_tuple, check_batched
from gradkit_ops.conv.conv import add_bias, check_bias, check_groups
from gradkit_ops.conv.unfold import Fold

__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose"]


def _transposed_windows(
    op: str,
    in_size: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: Any,
    padding: Any,
    output_padding: Any,
    dilation: Any,
) -> Windows:
    """The windows of the convolution that maps the output back to the input's shape."""
    nd = len(in_size)
    s = as_tuple(op, "stride", stride, nd, 1)
    p = as_tuple(op, "padding", padding, nd, 0)
    po = as_tuple(op, "output_padding", output_padding, nd, 0)
    d = as_tuple(op, "dilation", dilation, nd, 1)
    out = []
    for a in range(nd):
        if po[a] >= max(s[a], d[a]):
            raise ValueError(
                f"{op}: output_padding {po[a]} on axis {a} must be smaller than the stride "
                f"({s[a]}) or the dilation ({d[a]})"
            )
        size = (in_size[a] - 1) * s[a] - 2 * p[a] + d[a] * (kernel[a] - 1) + po[a] + 1
        if size < 1:
            raise ValueError(
                f"{op}: the output would have {size} elements along spatial axis {a}; "
                f"padding {p[a]} is too large for an input of length {in_size[a]}"
            )
        out.append(size)
    # The taps of input position q start at q * s (padded coordinates); the padded output
    # has room for all of them (out + 2 p >= (n - 1) s + d (k - 1) + 1).
    return Windows(tuple(out), kernel, s, p, p, d, tuple(in_size))


def conv_transpose(
    x: Any,
    W: Any,
    b: Any = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Variable:
    """N-dimensional transposed convolution; the number of spatial axes is ``W.ndim - 2``.
    See :func:`conv_transpose2d` for the arguments."""
    nd = W.ndim - 2
    op = f"conv_transpose{nd}d" if nd in (1, 2) else "conv_transpose"
    if nd < 1:
        raise ValueError(
            f"{op}: W (input 1) must have shape (in_channels, out_channels / groups, *kernel); "
            f"got shape {tuple(W.shape)}"
        )
    check_batched(op, x, nd)
    n, c = x.shape[:2]
    if W.shape[0] != c:
        raise ValueError(
            f"{op}: W (input 1) of shape {tuple(W.shape)} expects {W.shape[0]} input channels; "
            f"x has {c} (shape {tuple(x.shape)})"
        )
    groups = check_groups(op, groups, c, W.shape[1] * groups)
    og = W.shape[1]
    o = og * groups
    if W.dtype != x.dtype:
        raise TypeError(f"{op}: W (input 1) has dtype {W.dtype}; x has dtype {x.dtype}")
    check_bias(op, b, o, x.dtype)
    in_size = tuple(x.shape[2:])
    windows = _transposed_windows(
        op, in_size, tuple(W.shape[2:]), stride, padding, output_padding, dilation
    )
    cg = c // groups
    xr = reshape(x, (n, groups, cg, math.prod(in_size)))
    wt = transpose(reshape(W, (groups, cg, og * windows.taps)), (0, 2, 1))
    col = reshape(matmul(wt, xr), (n, o * windows.taps, *in_size))  # (N, O * taps, *in)
    (y,) = Fold(windows).apply((col,))
    return add_bias(y, b, nd)


def conv_transpose1d(
    x: Any,
    W: Any,
    b: Any = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Variable:
    """1-d transposed convolution of ``x`` ``(N, C, n)`` with ``W`` ``(C, O / groups, k)``,
    plus the optional bias ``b`` ``(O,)``; see :func:`conv_transpose2d`.

    >>> import numpy as np
    >>> from gradkit_ops.conv import conv_transpose1d
    >>> conv_transpose1d(np.array([[[1.0, 2.0]]]), np.array([[[1.0, 10.0]]]), stride=2).array
    array([[[ 1., 10.,  2., 20.]]])
    """
    _expect_nd("conv_transpose1d", W, 1)
    return conv_transpose(x, W, b, stride, padding, output_padding, dilation, groups)


def conv_transpose2d(
    x: Any,
    W: Any,
    b: Any = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Variable:
    """2-d transposed convolution of ``x`` ``(N, C, H, W)`` with ``W`` ``(C, O / groups, kh,
    kw)`` (PyTorch's layout), plus the optional bias ``b`` ``(O,)``: the gradient of
    :func:`~gradkit_ops.conv.conv2d` with respect to its input, used to upsample.

    Per axis the output has ``(n - 1) s - 2 p + d (k - 1) + output_padding + 1`` elements;
    ``output_padding`` (smaller than the stride or the dilation) adds rows and columns at the
    end, to reach sizes that a strided convolution would map to the same ``n``.

    >>> import numpy as np
    >>> from gradkit_ops.conv import conv_transpose2d
    >>> conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2))).array
    array([[[[1., 2., 1.],
             [2., 4., 2.],
             [1., 2., 1.]]]])
    """
    _expect_nd("conv_transpose2d", W, 2)
    return conv_transpose(x, W, b, stride, padding, output_padding, dilation, groups)


def _expect_nd(op: str, W: Any, nd: int) -> None:
    if W.ndim != nd + 2:
        raise ValueError(
            f"{op}: W (input 1) must have {nd + 2} dimensions (in_channels, out_channels / "
            f"groups{', k' * nd}); got shape {tuple(W.shape)}"
        )


# ------------------------------------------------------------------ reference and specs
def conv_transpose_reference(
    x: numpy.ndarray,
    W: numpy.ndarray,
    b: numpy.ndarray | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> numpy.ndarray:
    """Transposed convolution by plain loops: every input position scatters its weighted
    kernel into the output (for specs and tests)."""
    nd = W.ndim - 2
    s = as_tuple("reference", "stride", stride, nd, 1)
    p = as_tuple("reference", "padding", padding, nd, 0)
    po = as_tuple("reference", "output_padding", output_padding, nd, 0)
    d = as_tuple("reference", "dilation", dilation, nd, 1)
    in_size, kernel = x.shape[2:], W.shape[2:]
    size = [
        (n - 1) * s[a] - 2 * p[a] + d[a] * (kernel[a] - 1) + po[a] + 1
        for a, n in enumerate(in_size)
    ]
    cg, og = x.shape[1] // groups, W.shape[1]
    padded = [m + 2 * q for m, q in zip(size, p, strict=True)]
    full = numpy.zeros((x.shape[0], og * groups, *padded), dtype=x.dtype)
    for q in itertools.product(*[range(n) for n in in_size]):
        for tap in itertools.product(*[range(k) for k in kernel]):
            pos = tuple(q[a] * s[a] + tap[a] * d[a] for a in range(nd))
            for g in range(groups):
                values = x[(slice(None), slice(g * cg, (g + 1) * cg), *q)]  # (N, C/G)
                weights = W[(slice(g * cg, (g + 1) * cg), slice(None), *tap)]  # (C/G, O/G)
                full[(slice(None), slice(g * og, (g + 1) * og), *pos)] += values @ weights
    y = full[(..., *[slice(q, q + m) for q, m in zip(p, size, strict=True)])]
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * nd)
    return y


op_spec(
    name="conv_transpose2d",
    inputs=[Input(), Input(shape=lambda s: (s[1], 3, 3, 3)), Input(shape=lambda s: (3,))],
    kwargs={"stride": 2, "padding": 1, "output_padding": 1},
    shapes=[(2, 4, 3, 3), "2x4x3x3nc", (0, 4, 3, 3)],
    reference=lambda x, W, b: conv_transpose_reference(x, W, b, 2, 1, 1),
)(conv_transpose2d)
# Groups, dilation and stride per axis; output padding smaller than the dilation only.
op_spec(
    name="conv_transpose2d.groups",
    inputs=[Input(), Input(shape=lambda s: (s[1], 1, 2, 2))],
    kwargs={"stride": (1, 2), "dilation": (3, 1), "output_padding": (2, 0), "groups": 2},
    shapes=[(2, 4, 3, 4), "2x4x3x4nc"],
    reference=lambda x, W: conv_transpose_reference(x, W, None, (1, 2), 0, (2, 0), (3, 1), 2),
)(conv_transpose2d)
op_spec(
    name="conv_transpose1d",
    inputs=[Input(), Input(shape=lambda s: (s[1], 2, 3)), Input(shape=lambda s: (2,))],
    kwargs={"stride": 3, "padding": 1, "output_padding": 2},
    shapes=[(2, 3, 4), "2x3x4nc", (0, 3, 4)],
    reference=lambda x, W, b: conv_transpose_reference(x, W, b, 3, 1, 2),
)(conv_transpose1d)
op_spec(
    name="conv_transpose",
    inputs=[Input(), Input(shape=lambda s: (s[1], 2, 2, 2, 2))],
    kwargs={"stride": 2},
    shapes=[(1, 2, 2, 2, 2)],
    reference=lambda x, W: conv_transpose_reference(x, W, None, 2),
)(conv_transpose)
