r"""Local response normalization across channels (Chainer's, as in AlexNet).

For ``x`` of shape :math:`(N, C, \dots)` and a window of :math:`n` channels
(:math:`h = \lfloor n / 2 \rfloor` on each side, cut at the edges):

.. math::
    s_c = k + \alpha \sum_{j = \max(0, c - h)}^{\min(C - 1, c + h)} x_j^2, \quad
    y_c = x_c\, s_c^{-\beta}

.. math::
    \frac{\partial L}{\partial x_c} = g_c\, s_c^{-\beta}
        - 2 \alpha \beta\, x_c \sum_{j:\, |j - c| \le h} g_j\, x_j\, s_j^{-\beta - 1}

with :math:`g` the output gradient. :math:`\alpha` multiplies the sum (Chainer's convention;
PyTorch's ``local_response_norm`` divides it by :math:`n` first). A composite of ``square``,
``pad``, channel slices, ``add`` and ``pow``, so every order of gradient follows.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import add, getitem, mul
from gradkit.testing import Input, op_spec
from gradkit_ops.array import pad
from gradkit_ops.math import square

__all__ = ["local_response_norm"]


def local_response_norm(
    x: Any, n: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75
) -> Variable:
    """Local response normalization of ``x`` (shape ``(N, C, ...)``) across windows of ``n``
    channels: ``x / (k + alpha * sum of x**2 over the window) ** beta``.

    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0, 2.0]])
    >>> local_response_norm(x, n=3, k=0.0, alpha=1.0, beta=0.5).array
    array([[0.4472136 , 0.66666667, 0.70710678]])
    """
    if x.ndim < 2:
        raise ValueError(
            f"local_response_norm: x needs a batch and a channel axis; got {tuple(x.shape)}"
        )
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"local_response_norm: n must be a positive int; got {n!r}")
    h = n // 2
    c = x.shape[1]
    widths = [(0, 0)] * x.ndim
    widths[1] = (h, h)
    padded = pad(square(x), widths)
    window = getitem(padded, (slice(None), slice(0, c)))
    for d in range(1, 2 * h + 1):
        window = add(window, getitem(padded, (slice(None), slice(d, d + c))))
    # Functional mul: x may be a plain array, which has no Variable operators.
    return mul(x, (window * alpha + k) ** (-beta))


def _reference(
    x: numpy.ndarray, n: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75
) -> numpy.ndarray:
    h = n // 2
    c = x.shape[1]
    out = numpy.empty_like(x)
    for i in range(c):
        window = x[:, max(0, i - h) : min(c, i + h + 1)]
        out[:, i] = x[:, i] / (k + alpha * numpy.sum(window**2, axis=1)) ** beta
    return out


op_spec(
    name="local_response_norm",
    shapes=[(2, 7, 3), (2, 3), (2, 6, 2, 2), (0, 7), "2x7x3nc"],
    reference=_reference,
)(local_response_norm)
# Parameters where the normalization dominates, so that the checks see its gradient.
op_spec(
    name="local_response_norm.strong",
    inputs=[Input(domain=(-2.0, 2.0))],
    kwargs={"n": 3, "k": 1.0, "alpha": 0.5, "beta": 0.75},
    shapes=[(2, 5, 3), (2, 2), "2x5x3nc"],
    reference=lambda x: _reference(x, n=3, k=1.0, alpha=0.5, beta=0.75),
)(local_response_norm)
