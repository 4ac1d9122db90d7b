r"""adaptive_avg_pool2d: average pooling to a requested output size, with windows that adapt
to the input size.

Along an axis of length :math:`n` pooled to :math:`m` outputs, output :math:`o` averages the
input over :math:`[\lfloor o n / m \rfloor, \lceil (o + 1) n / m \rceil)` (as PyTorch; the
windows may overlap and differ in size by one). That is a linear map per axis, an
:math:`m \times n` averaging matrix :math:`A`, and the axes are independent:

.. math:: y = A_H\, x\, A_W^\top,\qquad
          \frac{\partial L}{\partial x} = A_H^\top \frac{\partial L}{\partial y} A_W

written as two matrix products with constant matrices, so derivatives of every order follow.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable, as_array, get_array_module
from gradkit.arithmetic import matmul, mul
from gradkit.testing import op_spec
from gradkit_ops.conv._windows import check_batched

__all__ = ["adaptive_avg_pool2d"]


def averaging_matrix(n: int, m: int) -> numpy.ndarray:
    """The ``(m, n)`` matrix of adaptive average pooling from ``n`` to ``m`` elements.

    >>> averaging_matrix(3, 2)
    array([[0.5, 0.5, 0. ],
           [0. , 0.5, 0.5]])
    """
    a = numpy.zeros((m, n))
    for o in range(m):
        start, end = (o * n) // m, -((-(o + 1) * n) // m)
        a[o, start:end] = 1.0 / (end - start)
    return a


def adaptive_avg_pool2d(x: Any, output_size: int | tuple[int | None, int | None]) -> Variable:
    """Average pooling of ``x`` ``(N, C, H, W)`` to ``(N, C, *output_size)``: output ``o``
    of an axis of length ``n`` pooled to ``m`` averages the input over
    ``[floor(o n / m), ceil((o + 1) n / m))``, as PyTorch. ``output_size`` is an int (square)
    or a pair; ``None`` keeps that axis's size.

    >>> import numpy as np
    >>> from gradkit_ops.conv import adaptive_avg_pool2d
    >>> adaptive_avg_pool2d(np.arange(6.0).reshape(1, 1, 2, 3), (1, 2)).array
    array([[[[2., 3.]]]])
    """
    check_batched("adaptive_avg_pool2d", x, 2)
    if isinstance(output_size, int) and not isinstance(output_size, bool):
        output_size = (output_size, output_size)
    sizes = tuple(output_size)
    if len(sizes) != 2 or not all(
        s is None or (isinstance(s, int) and not isinstance(s, bool) and s >= 1) for s in sizes
    ):
        raise ValueError(
            f"adaptive_avg_pool2d: output_size must be a positive int or a pair of positive "
            f"ints (or None); got {output_size!r}"
        )
    h, w = x.shape[2:]
    if h == 0 or w == 0:
        raise ValueError(
            f"adaptive_avg_pool2d: cannot pool an empty spatial axis (x has shape {x.shape})"
        )
    oh, ow = (h if sizes[0] is None else sizes[0]), (w if sizes[1] is None else sizes[1])
    data = as_array(x)
    xp = get_array_module(data)

    def send(matrix: numpy.ndarray) -> Any:
        return xp.asarray(matrix, dtype=data.dtype, device=data.device)

    if (oh, ow) == (h, w):
        return mul(x, 1.0)  # nothing to pool; still a new node, as every op's output
    y = x
    if oh != h:
        y = matmul(send(averaging_matrix(h, oh)), y)  # (oh, H) @ (N, C, H, W)
    if ow != w:
        y = matmul(y, send(averaging_matrix(w, ow).T))  # (N, C, oh, W) @ (W, ow)
    return y


def adaptive_avg_pool2d_reference(x: numpy.ndarray, size: tuple[int, int]) -> numpy.ndarray:
    """Adaptive average pooling by plain loops over output positions (for specs and tests)."""
    n, c, h, w = x.shape
    oh, ow = size
    y = numpy.zeros((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        h0, h1 = (i * h) // oh, -((-(i + 1) * h) // oh)
        for j in range(ow):
            w0, w1 = (j * w) // ow, -((-(j + 1) * w) // ow)
            y[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    return y


op_spec(
    name="adaptive_avg_pool2d",
    kwargs={"output_size": (2, 3)},
    shapes=[(2, 3, 5, 7), "2x3x5x7nc", (0, 3, 4, 4), (1, 2, 2, 3)],
    reference=lambda x: adaptive_avg_pool2d_reference(x, (2, 3)),
)(adaptive_avg_pool2d)
# Upsampling one axis (windows of one element, repeated) and global pooling of the other.
op_spec(
    name="adaptive_avg_pool2d.mixed",
    kwargs={"output_size": (4, 1)},
    shapes=[(2, 2, 3, 5), "2x2x3x5nc"],
    reference=lambda x: adaptive_avg_pool2d_reference(x, (4, 1)),
)(adaptive_avg_pool2d)
op_spec(
    name="adaptive_avg_pool2d.identity",
    kwargs={"output_size": (None, 3)},
    shapes=[(2, 2, 3, 3)],
    # None keeps the input's height, whatever shape hypothesis mode draws.
    reference=lambda x: adaptive_avg_pool2d_reference(x, (x.shape[2], 3)),
)(adaptive_avg_pool2d)
