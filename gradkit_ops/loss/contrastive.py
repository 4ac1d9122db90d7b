r"""contrastive: the contrastive loss of pairs with similarity labels (Chainer's
``contrastive``).

For pairs of rows :math:`x_0, x_1` of shape ``(N, D)`` and integer labels
:math:`y \in \{0, 1\}` (1: similar), with :math:`d_i = \|x_{0i} - x_{1i}\|`:

.. math:: \ell_i = \tfrac12 \Big(y_i\, d_i^2 + (1 - y_i) \max(0,\, m - d_i)^2\Big)

.. math:: \frac{\partial \ell_i}{\partial x_{0i}} = -\frac{\partial \ell_i}{\partial x_{1i}}
          = \Big(y_i - (1 - y_i) \frac{\max(0, m - d_i)}{d_i}\Big) (x_{0i} - x_{1i})

The loss is once differentiable; its second derivative jumps at :math:`d_i = m` for dissimilar
pairs (the specs keep distances away from the margin). A dissimilar pair with
:math:`d_i = 0` has no gradient direction; the op gives 0 there instead of NaN.
``reduction="mean"`` averages over the batch (Chainer's ``sum / 2N``), ``"sum"`` sums, ``"none"``
returns :math:`\ell` of shape ``(N,)``. A composite (the square root guarded by ``where``), so
every order of gradient works. The labels get no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable, get_array_module
from gradkit.arithmetic import add, mul, sub
from gradkit.testing import Input, op_spec
from gradkit_ops.activation import relu
from gradkit_ops.comparison import where
from gradkit_ops.loss._reduction import check_reduction, check_same_shape, labels, reduce
from gradkit_ops.math import sqrt
from gradkit_ops.reduction import sum

__all__ = ["contrastive"]


def contrastive(x0: Any, x1: Any, y: Any, margin: float = 1.0, reduction: str = "mean") -> Variable:
    """The contrastive loss of the row pairs of ``x0`` and ``x1`` (shape ``(N, D)``) with
    integer labels ``y`` (shape ``(N,)``; 1 for similar pairs, 0 for dissimilar ones).

    >>> import numpy as np
    >>> from gradkit_ops.loss import contrastive
    >>> x0, x1 = np.zeros((2, 2)), np.array([[0.6, 0.8], [0.3, 0.4]])
    >>> contrastive(x0, x1, np.array([1, 0]), margin=1.0, reduction="none").array
    array([0.5  , 0.125])
    """
    check_reduction(reduction, "contrastive")
    check_same_shape("contrastive", x0, x1)
    if x0.ndim != 2:
        raise ValueError(f"contrastive: x0 and x1 must have shape (N, D); got {x0.shape}")
    if tuple(y.shape) != (x0.shape[0],):
        raise ValueError(f"contrastive: y must have shape ({x0.shape[0]},); got {tuple(y.shape)}")
    if not margin > 0:
        raise ValueError(f"contrastive: margin must be > 0; got {margin}")
    lab = labels(y, 2, None, x0.dtype, "contrastive")
    xp = get_array_module(lab.safe)
    similar = xp.astype(lab.safe, x0.dtype)
    d = sub(x0, x1)
    d2 = sum(mul(d, d), axis=1)
    # sqrt guarded at 0, where its derivative is infinite: 0 * inf would make NaN gradients.
    nonzero = d2.array > 0
    dist = where(nonzero, sqrt(where(nonzero, d2, xp.ones_like(d2.array))), xp.zeros_like(d2.array))
    gap = relu(sub(float(margin), dist))
    loss = mul(add(mul(d2, similar), mul(mul(gap, gap), 1.0 - similar)), 0.5)
    return reduce(loss, reduction)


def _reference(margin: float = 1.0, reduction: str = "mean") -> Any:
    def reference(x0: Any, x1: Any, y: Any) -> Any:
        d2 = ((x0 - x1) ** 2).sum(axis=1)
        gap = numpy.maximum(margin - numpy.sqrt(d2), 0.0)
        loss = 0.5 * (y * d2 + (1 - y) * gap**2)
        if reduction == "mean":
            return numpy.asarray(loss.mean()).astype(x0.dtype)
        return numpy.asarray(loss.sum() if reduction == "sum" else loss).astype(x0.dtype)

    return reference


def _rows(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
    # Even rows far from x0 (in (2, 2.5)), odd rows close to it (in (-0.1, 0.1)).
    far = rng.uniform(2.0, 2.5, size=shape)
    near = rng.uniform(-0.1, 0.1, size=shape)
    return numpy.where(numpy.arange(shape[0])[:, None] % 2 == 0, far, near)


# The second derivative jumps at d = margin = 1. x0 lies in (-0.3, 0.3) and x1 is row by row
# far from it (each of the D = 3 columns more than 1.7 away: d > 2.9) or close to it (each
# column less than 0.4 away: d < 0.7), so no distance is within 0.3 of the margin.
_INPUTS = [
    Input(domain=(-0.3, 0.3)),
    Input(values=_rows),
    Input(dtype="int64", domain=(0, 2), shape=lambda s: (s[0],)),
]
op_spec(
    name="contrastive",
    inputs=_INPUTS,
    shapes=[(4, 3), "4x3nc"],
    reference=_reference(),
    examples=[
        # 0.5 * 1 for the similar pair, 0.5 * (1 - 0.5)^2 for the dissimilar one; a dissimilar
        # pair at distance 0 costs 0.5 * margin^2.
        (
            [numpy.zeros((3, 2)), numpy.array([[0.6, 0.8], [0.3, 0.4], [0.0, 0.0]]), [1, 0, 0]],
            (0.5 + 0.125 + 0.5) / 3,
        )
    ],
)(contrastive)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"contrastive.{_reduction}",
        inputs=_INPUTS,
        kwargs={"reduction": _reduction},
        shapes=[(4, 3), "4x3nc", (0, 3)],
        reference=_reference(1.0, _reduction),
    )(contrastive)
