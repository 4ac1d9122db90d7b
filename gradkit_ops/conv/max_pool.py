r"""max_pool1d, max_pool2d: the maximum over each window, with stride, padding, dilation and
ceil mode.

With :math:`\mathrm{tap}(w)` the first tap of window :math:`w` (in C order over the kernel
axes) where the padded input (padded with :math:`-\infty`) is maximal:

.. math:: y_w = \max_i x_{\mathrm{pad}}[w s + i d] = x_{\mathrm{pad}}[w s + \mathrm{tap}(w) d],
          \qquad \frac{\partial L}{\partial x_j} =
          \sum_{w:\ w s + \mathrm{tap}(w) d = j + p} \frac{\partial L}{\partial y_w}

The gradient goes to the maximal element of each window (summed where windows overlap). At a
tie, a kink of the maximum, it goes to the first maximal tap, as in PyTorch and Chainer. The
selected taps are fixed by the forward pass, so the backward is linear in the output gradient:
:class:`MaxPoolGrad` scatters it to the selected taps, and its own gradient gathers from
them (:class:`MaxPoolSelect`); the two are each other's backward, so every order of
derivative follows (the second derivative of max pooling in :math:`x` is zero).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.conv._windows import IntOrTuple, Windows, check_batched, make_windows, pad_array

__all__ = ["MaxPool", "MaxPoolGrad", "MaxPoolSelect", "max_pool1d", "max_pool2d", "max_pool"]

_ALL2 = (slice(None), slice(None))


def _tap_dtype(xp: Any, windows: Windows) -> Any:
    return xp.int8 if windows.taps <= 127 else xp.int32


class MaxPool(FunctionNode):
    """Max pooling over ``windows``; records the selected tap of every window."""

    def __init__(self, windows: Windows) -> None:
        self.windows = windows

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        xp = get_array_module(x)
        w = self.windows
        xpad = pad_array(xp, x, w, -float("inf"))
        slices = w.tap_slices()
        # A running maximum over the taps, one strided slice each: no window is copied.
        y = xpad[(*_ALL2, *slices[0])]
        tap = xp.zeros(y.shape, dtype=_tap_dtype(xp, w), device=x.device)
        for t in range(1, len(slices)):
            v = xpad[(*_ALL2, *slices[t])]
            better = v > y  # strict: the first maximal tap wins a tie
            y = xp.where(better, v, y)
            tap = xp.where(better, t, tap)
        if len(slices) == 1:
            y = xp.asarray(y, copy=True)  # not a view of the input
        self.tap = tap
        return (y,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return MaxPoolGrad(self.windows, self.tap).apply(grad_outputs)


class MaxPoolGrad(FunctionNode):
    """The gradient of max pooling: each window's output gradient added at its selected tap
    (``tap``, from the forward pass), in an array of the input's shape."""

    def __init__(self, windows: Windows, tap: Any) -> None:
        self.windows = windows
        self.tap = tap

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (gy,) = inputs
        xp = get_array_module(gy)
        w = self.windows
        shape = (*gy.shape[:2], *w.padded_size)
        out = (xp.empty if w.tiling else xp.zeros)(shape, dtype=gy.dtype, device=gy.device)
        disjoint = w.disjoint
        for t, sl in enumerate(w.tap_slices()):
            piece = xp.where(self.tap == t, gy, 0)
            index = (*_ALL2, *sl)
            if disjoint:
                out[index] = piece
            else:
                out[index] += piece
        if w.padded:
            out = out[(*_ALL2, *w.inner)]
        return (out,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return MaxPoolSelect(self.windows, self.tap).apply(grad_outputs)


class MaxPoolSelect(FunctionNode):
    """The element at the selected tap of every window (the adjoint of
    :class:`MaxPoolGrad`): max pooling with the maxima's positions held fixed."""

    def __init__(self, windows: Windows, tap: Any) -> None:
        self.windows = windows
        self.tap = tap

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        xp = get_array_module(x)
        w = self.windows
        xpad = pad_array(xp, x, w)
        y = xp.zeros(self.tap.shape, dtype=x.dtype, device=x.device)
        for t, sl in enumerate(w.tap_slices()):
            y = xp.where(self.tap == t, xpad[(*_ALL2, *sl)], y)
        return (y,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return MaxPoolGrad(self.windows, self.tap).apply(grad_outputs)


def max_pool(
    x: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
) -> Variable:
    """N-dimensional max pooling; the number of spatial axes is ``x.ndim - 2``. See
    :func:`max_pool2d` for the arguments."""
    nd = x.ndim - 2
    op = f"max_pool{nd}d" if nd in (1, 2) else "max_pool"
    if nd < 1:
        check_batched(op, x, 1)
    windows = make_windows(
        op,
        tuple(x.shape[2:]),
        kernel_size,
        kernel_size if stride is None else stride,
        padding,
        dilation,
        ceil_mode=bool(ceil_mode),
    )
    for a, (k, d, p) in enumerate(
        zip(windows.kernel, windows.dilation, windows.pad_lo, strict=True)
    ):
        if 2 * p > d * (k - 1) + 1:
            raise ValueError(
                f"{op}: padding {p} on spatial axis {a} is more than half the window "
                f"({d * (k - 1) + 1} elements): a window could hold padding only"
            )
    return MaxPool(windows).apply((x,))[0]


def max_pool1d(
    x: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
) -> Variable:
    """1-d max pooling of ``x`` ``(N, C, n)``; see :func:`max_pool2d`.

    >>> import numpy as np
    >>> from gradkit_ops.conv import max_pool1d
    >>> max_pool1d(np.array([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2, ceil_mode=True).array
    array([[[3., 2., 5.]]])
    """
    check_batched("max_pool1d", x, 1)
    return max_pool(x, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(
    x: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
) -> Variable:
    """2-d max pooling of ``x`` ``(N, C, H, W)``: the maximum of every window.

    ``stride`` defaults to ``kernel_size``. ``padding`` (at most half the window) pads with
    :math:`-\\infty` on both sides. Per axis the output has ``(n + 2 p - d (k - 1) - 1) / s + 1``
    elements, rounded down, or up with ``ceil_mode`` (a last partial window is kept when it
    starts inside the input or the left padding). The gradient goes to the maximal element of
    every window, to the first one in the window at a tie.

    >>> import numpy as np
    >>> from gradkit_ops.conv import max_pool2d
    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2).array
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    check_batched("max_pool2d", x, 2)
    return max_pool(x, kernel_size, stride, padding, dilation, ceil_mode)


# ------------------------------------------------------------------ reference and specs
def max_pool_reference(
    x: numpy.ndarray,
    kernel: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> numpy.ndarray:
    """Max pooling by plain loops over windows (for specs and tests)."""
    windows = make_windows(
        "reference",
        x.shape[2:],
        kernel,
        kernel if stride is None else stride,
        padding,
        dilation,
        ceil_mode=ceil_mode,
    )
    y = numpy.full((*x.shape[:2], *windows.out_size), -numpy.inf, dtype=x.dtype)
    for q in itertools.product(*[range(o) for o in windows.out_size]):
        for tap in itertools.product(*[range(k) for k in windows.kernel]):
            pos = [
                qa * s + i * d - lo
                for qa, i, s, d, lo in zip(
                    q, tap, windows.stride, windows.dilation, windows.pad_lo, strict=True
                )
            ]
            if all(0 <= j < n for j, n in zip(pos, windows.in_size, strict=True)):
                index = (..., *q)
                y[index] = numpy.maximum(y[index], x[(..., *pos)])
    return y


def tie_free(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
    """Spec inputs for max pooling, all at least 0.08 apart (a shuffled grid with a small
    jitter). A tie in a window is a kink of the maximum: the derivative there is one-sided
    (the first maximal tap takes the gradient), and an almost-tie closer than the numerical
    derivative's step would be crossed by it. So the generated checks use tie-free inputs;
    the tie rule is tested by hand in the op's tests."""
    n = int(numpy.prod(shape))
    grid = (numpy.arange(n) - n / 2) * 0.1
    return (rng.permutation(grid) + rng.uniform(-0.01, 0.01, n)).reshape(shape)


# Inputs are tie-free (see tie_free): ties are kinks of the maximum.
op_spec(
    name="max_pool2d",
    inputs=[Input(values=tie_free)],
    kwargs={"kernel_size": 2},
    shapes=[(2, 3, 4, 6), "2x3x4x6nc", (0, 3, 4, 4)],
    reference=lambda x: max_pool_reference(x, 2),
)(max_pool2d)
op_spec(
    name="max_pool2d.overlap",
    inputs=[Input(values=tie_free)],
    kwargs={"kernel_size": 3, "stride": (1, 2), "padding": 1},
    shapes=[(2, 2, 5, 5), "2x2x5x5nc"],
    reference=lambda x: max_pool_reference(x, 3, (1, 2), 1),
)(max_pool2d)
op_spec(
    name="max_pool2d.ceil",
    inputs=[Input(values=tie_free)],
    kwargs={"kernel_size": (3, 2), "stride": 2, "padding": (1, 0), "ceil_mode": True},
    shapes=[(2, 2, 6, 5), "2x2x6x5nc"],
    reference=lambda x: max_pool_reference(x, (3, 2), 2, (1, 0), 1, True),
)(max_pool2d)
op_spec(
    name="max_pool2d.dilated",
    inputs=[Input(values=tie_free)],
    kwargs={"kernel_size": 2, "stride": 1, "dilation": (2, 1)},
    shapes=[(1, 2, 5, 4)],
    reference=lambda x: max_pool_reference(x, 2, 1, 0, (2, 1)),
)(max_pool2d)
op_spec(
    name="max_pool1d",
    inputs=[Input(values=tie_free)],
    kwargs={"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    shapes=[(2, 3, 8), "2x3x8nc", (0, 3, 8)],
    reference=lambda x: max_pool_reference(x, 3, 2, 1, 1, True),
)(max_pool1d)
op_spec(
    name="max_pool",
    inputs=[Input(values=tie_free)],
    kwargs={"kernel_size": 2},
    shapes=[(1, 2, 2, 4, 2)],
    reference=lambda x: max_pool_reference(x, 2),
)(max_pool)
MaxPool.spec = Unchecked("built and checked by max_pool1d/2d(), which have the specs")
MaxPoolGrad.spec = Unchecked("the gradient of MaxPool: checked by max pooling's double backward")
MaxPoolSelect.spec = Unchecked(
    "the gradient of MaxPoolGrad in its input: checked by max pooling's double backward"
)
