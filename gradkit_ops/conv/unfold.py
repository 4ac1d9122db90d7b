r"""unfold (im2col) and fold (col2im): the windows of a convolution laid out as columns, and
the adjoint that adds columns back into an image.

For :math:`x` of shape :math:`(N, C, n_1, \dots, n_D)`, zero padded, ``unfold`` copies every
window into a column (multi-indices over the :math:`D` spatial axes: tap :math:`i`, window
:math:`o`, stride :math:`s`, dilation :math:`d`):

.. math:: \mathrm{col}[b, (c, i), o] = x_{\mathrm{pad}}[b, c, o s + i d]

of shape :math:`(N, C \prod k, o_1, \dots, o_D)`, channel major and taps minor, as Chainer's
``im2col``. ``unfold`` is linear, so its gradient is its adjoint ``fold``, which adds every
column element back where it was read (what lands in the padding is dropped):

.. math:: \mathrm{fold}(g)[b, c, j] = \sum_{(i, o):\ o s + i d = j + p_{lo}} g[b, (c, i), o],
          \qquad \frac{\partial L}{\partial x} = \mathrm{fold}\Big(\frac{\partial L}
          {\partial\, \mathrm{col}}\Big),\quad
          \frac{\partial L}{\partial g} = \mathrm{unfold}\Big(\frac{\partial L}
          {\partial\, \mathrm{fold}(g)}\Big)

Each node is the other's backward, so every order of derivative follows. Both loop over the
:math:`\prod k` taps, never over windows: a tap reads (or adds into) one strided slice.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Unchecked, op_spec
from gradkit_ops.conv._windows import Windows, as_tuple, make_windows, pad_array

__all__ = ["Unfold", "Fold", "unfold", "fold"]

_ALL2 = (slice(None), slice(None))


class Unfold(FunctionNode):
    """im2col: ``(N, C, *spatial)`` to ``(N, C * taps, *out)`` for the given windows."""

    def __init__(self, windows: Windows) -> None:
        self.windows = windows

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        xp = get_array_module(x)
        w = self.windows
        xpad = pad_array(xp, x, w)
        col = xp.stack([xpad[(*_ALL2, *sl)] for sl in w.tap_slices()], axis=2)
        return (xp.reshape(col, (x.shape[0], x.shape[1] * w.taps, *w.out_size)),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return Fold(self.windows).apply(grad_outputs)


class Fold(FunctionNode):
    """col2im: ``(N, C * taps, *out)`` to ``(N, C, *in_size)``, adding overlapping taps; the
    adjoint of :class:`Unfold` with the same windows."""

    def __init__(self, windows: Windows) -> None:
        self.windows = windows

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (col,) = inputs
        xp = get_array_module(col)
        w = self.windows
        n, c = col.shape[0], col.shape[1] // w.taps
        col = xp.reshape(col, (n, c, w.taps, *w.out_size))
        shape = (n, c, *w.padded_size)
        # Where the taps tile the padded array, every element is written exactly once.
        out = (xp.empty if w.tiling else xp.zeros)(shape, dtype=col.dtype, device=col.device)
        disjoint = w.disjoint
        for t, sl in enumerate(w.tap_slices()):
            index = (*_ALL2, *sl)
            if disjoint:
                out[index] = col[:, :, t, ...]
            else:
                out[index] += col[:, :, t, ...]
        if w.padded:
            out = out[(*_ALL2, *w.inner)]
        return (out,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return Unfold(self.windows).apply(grad_outputs)


def unfold(
    x: Any,
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, ...] = 1,
) -> Variable:
    """im2col: every window of ``x`` (shape ``(N, C, *spatial)``, any number of spatial axes)
    as a column, in an array of shape ``(N, C * prod(kernel_size), *out)`` (channel major,
    taps minor, as Chainer's ``im2col``; PyTorch's ``unfold`` is this reshaped to
    ``(N, C * prod(kernel_size), prod(out))``). ``padding`` adds zeros on both sides.

    >>> import numpy as np
    >>> from gradkit_ops.conv import unfold
    >>> unfold(np.arange(4.0).reshape(1, 1, 4), 2).array
    array([[[0., 1., 2.],
            [1., 2., 3.]]])
    """
    if x.ndim < 3:
        raise ValueError(
            f"unfold: expected an input of shape (N, C, *spatial) with at least one spatial "
            f"axis; got shape {tuple(x.shape)}"
        )
    windows = make_windows("unfold", tuple(x.shape[2:]), kernel_size, stride, padding, dilation)
    return Unfold(windows).apply((x,))[0]


def fold(
    col: Any,
    output_size: int | tuple[int, ...],
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, ...] = 1,
) -> Variable:
    """col2im, the adjoint of :func:`unfold`: add the columns of ``col`` (shape
    ``(N, C * prod(kernel_size), *out)``) back into an array of shape
    ``(N, C, *output_size)``; elements read by several windows receive the sum.

    >>> import numpy as np
    >>> from gradkit_ops.conv import fold
    >>> fold(np.ones((1, 2, 3)), 4, 2).array
    array([[[1., 2., 2., 1.]]])
    """
    nd = col.ndim - 2
    if nd < 1:
        raise ValueError(
            f"fold: expected columns of shape (N, C * taps, *out); got shape {tuple(col.shape)}"
        )
    size = as_tuple("fold", "output_size", output_size, nd, 1)
    windows = make_windows("fold", size, kernel_size, stride, padding, dilation)
    if col.shape[1] % windows.taps or tuple(col.shape[2:]) != windows.out_size:
        raise ValueError(
            f"fold: columns of shape {tuple(col.shape)} do not fit output_size {size} with "
            f"{windows.taps} taps per window: expected shape (N, C * {windows.taps}, "
            f"{', '.join(map(str, windows.out_size))})"
        )
    return Fold(windows).apply((col,))[0]


# ------------------------------------------------------------------ references and specs
def _positions(x_shape: tuple[int, ...], kernel: Any, stride: Any, padding: Any, dilation: Any):
    """For the spec references: the windows, and for each (tap, window) pair of
    multi-indices the padded position it reads."""
    windows = make_windows("reference", x_shape[2:], kernel, stride, padding, dilation)
    pairs = []
    for tap in itertools.product(*[range(k) for k in windows.kernel]):
        for out in itertools.product(*[range(o) for o in windows.out_size]):
            pos = tuple(
                o * s + i * d
                for o, i, s, d in zip(out, tap, windows.stride, windows.dilation, strict=True)
            )
            pairs.append((tap, out, pos))
    return windows, pairs


def unfold_reference(
    x: numpy.ndarray, kernel: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> numpy.ndarray:
    """im2col by plain loops over taps and windows (for specs and tests)."""
    windows, pairs = _positions(x.shape, kernel, stride, padding, dilation)
    pads = [(0, 0), (0, 0), *zip(windows.pad_lo, windows.pad_hi, strict=True)]
    xpad = numpy.pad(x, pads)
    col = numpy.zeros((*x.shape[:2], *windows.kernel, *windows.out_size), dtype=x.dtype)
    for tap, out, pos in pairs:
        col[(..., *tap, *out)] = xpad[(..., *pos)]
    return col.reshape(x.shape[0], x.shape[1] * windows.taps, *windows.out_size)


def fold_reference(
    col: numpy.ndarray,
    size: tuple[int, ...],
    kernel: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
) -> numpy.ndarray:
    """col2im by plain loops: every column element added where it was read (for specs and
    tests)."""
    n = col.shape[0]
    windows, pairs = _positions((n, 1, *size), kernel, stride, padding, dilation)
    c = col.shape[1] // windows.taps
    col = col.reshape(n, c, *windows.kernel, *windows.out_size)
    out = numpy.zeros((n, c, *windows.padded_size), dtype=col.dtype)
    for tap, o, pos in pairs:
        out[(..., *pos)] += col[(..., *tap, *o)]
    return out[(..., *windows.inner)]


op_spec(
    name="unfold",
    kwargs={"kernel_size": (2, 3), "stride": (2, 1), "padding": (1, 0), "dilation": (1, 2)},
    shapes=[(2, 3, 5, 6), "2x3x5x6nc", (0, 3, 5, 6)],
    reference=lambda x: unfold_reference(x, (2, 3), (2, 1), (1, 0), (1, 2)),
)(unfold)
op_spec(
    name="unfold.1d",
    kwargs={"kernel_size": 3, "stride": 2, "padding": 1},
    shapes=[(2, 3, 7), "2x3x7nc"],
    reference=lambda x: unfold_reference(x, 3, 2, 1),
)(unfold)
op_spec(
    name="unfold.3d",
    kwargs={"kernel_size": 2, "dilation": (1, 1, 2)},
    shapes=[(1, 2, 3, 3, 4)],
    reference=lambda x: unfold_reference(x, 2, 1, 0, (1, 1, 2)),
)(unfold)
# Overlapping windows (stride 1 < kernel 3): fold adds.
op_spec(
    name="fold",
    kwargs={"output_size": (4, 5), "kernel_size": 3, "padding": 1},
    shapes=[(2, 18, 4, 5), "2x18x4x5nc", (0, 18, 4, 5)],
    reference=lambda c: fold_reference(c, (4, 5), 3, 1, 1),
)(fold)
# Disjoint windows with gaps (stride 3 > kernel 2), dilation and asymmetric geometry.
op_spec(
    name="fold.strided",
    kwargs={"output_size": (7, 6), "kernel_size": 2, "stride": 3, "dilation": (1, 2)},
    shapes=[(2, 8, 2, 2)],
    reference=lambda c: fold_reference(c, (7, 6), 2, 3, 0, (1, 2)),
)(fold)
op_spec(
    name="fold.1d",
    kwargs={"output_size": 6, "kernel_size": 2, "stride": 2},
    shapes=[(2, 6, 3), "2x6x3nc"],
    reference=lambda c: fold_reference(c, (6,), 2, 2),
)(fold)
Unfold.spec = Unchecked("built and checked by unfold() (and the convolutions), which have specs")
Fold.spec = Unchecked("built and checked by fold() (and the convolutions), which have specs")
