r"""triplet: the triplet margin loss on squared Euclidean distances (Chainer's ``triplet``).

For anchors :math:`a`, positives :math:`p` and negatives :math:`n` of shape ``(N, D)``:

.. math:: \ell_i = \max\big(0,\; \|a_i - p_i\|^2 - \|a_i - n_i\|^2 + m\big)

.. math:: \frac{\partial \ell_i}{\partial a_i} = 2 (n_i - p_i),\quad
          \frac{\partial \ell_i}{\partial p_i} = -2 (a_i - p_i),\quad
          \frac{\partial \ell_i}{\partial n_i} = 2 (a_i - n_i)

where the hinge is active (zero elsewhere; at the kink, where the argument is 0, the gradient
is that of ``relu`` at 0, zero). ``reduction="mean"`` averages over the batch, ``"sum"``
sums, ``"none"`` returns :math:`\ell` of shape ``(N,)``. A composite of ``sum``, ``relu`` and
elementwise arithmetic, so every order of gradient works.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import add, mul, sub
from gradkit.testing import Input, op_spec
from gradkit_ops.activation import relu
from gradkit_ops.loss._reduction import check_reduction, check_same_shape, reduce
from gradkit_ops.reduction import sum

__all__ = ["triplet"]


def _squared_distance(x: Any, y: Any) -> Variable:
    d = sub(x, y)
    return sum(mul(d, d), axis=1)


def triplet(
    anchor: Any, positive: Any, negative: Any, margin: float = 0.2, reduction: str = "mean"
) -> Variable:
    """The triplet loss ``max(0, |a - p|^2 - |a - n|^2 + margin)`` of rows of ``anchor``,
    ``positive`` and ``negative`` (one shape ``(N, D)``), reduced over the batch.

    >>> import numpy as np
    >>> from gradkit_ops.loss import triplet
    >>> a, p, n = np.zeros((1, 2)), np.array([[1.0, 0.0]]), np.array([[0.0, 0.5]])
    >>> float(triplet(a, p, n, margin=0.5).array)  # 1 - 0.25 + 0.5
    1.25
    """
    check_reduction(reduction, "triplet")
    check_same_shape("triplet", anchor, positive, negative)
    if anchor.ndim != 2:
        raise ValueError(f"triplet: inputs must have shape (N, D); got {anchor.shape}")
    if not margin > 0:
        raise ValueError(f"triplet: margin must be > 0; got {margin}")
    d_pos = _squared_distance(anchor, positive)
    d_neg = _squared_distance(anchor, negative)
    return reduce(relu(add(sub(d_pos, d_neg), float(margin))), reduction)


def _reference(margin: float = 0.2, reduction: str = "mean") -> Any:
    def reference(a: Any, p: Any, n: Any) -> Any:
        dist = ((a - p) ** 2).sum(axis=1) - ((a - n) ** 2).sum(axis=1) + margin
        loss = numpy.maximum(dist, 0.0)
        if reduction == "mean":
            return numpy.asarray(loss.mean()).astype(a.dtype)
        return numpy.asarray(loss.sum() if reduction == "sum" else loss).astype(a.dtype)

    return reference


def _rows(near_first: bool) -> Any:
    # Rows alternately near the anchors (in (-1, 1)) and far from them (in (4, 5)).
    def values(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
        near = rng.uniform(-1.0, 1.0, size=shape)
        far = rng.uniform(4.0, 5.0, size=shape)
        rows = numpy.arange(shape[0])[:, None] % 2 == (0 if near_first else 1)
        return numpy.where(rows, near, far)

    return values


# The kink is where |a - p|^2 - |a - n|^2 + margin = 0. Anchors lie in (-1, 1), so per
# column a near point is less than 2 away and a far one more than 3: |a - near|^2 < 4 D and
# |a - far|^2 > 9 D. In even rows the positive is near and the negative far, so the argument
# is below margin - 5 D (inactive); in odd rows the roles swap and it is above 5 D (active).
# With margin <= 1, no sample is within 4 of the kink.
_INPUTS = [Input(), Input(values=_rows(True)), Input(values=_rows(False))]
op_spec(
    name="triplet",
    inputs=_INPUTS,
    shapes=[(4, 3), "4x3nc", (1, 2)],
    reference=_reference(),
    # Row 0: 1 - 0.25 + 0.2 = 0.95 (active); row 1: 0.01 - 2 + 0.2 < 0 (inactive).
    examples=[
        (
            [
                numpy.zeros((2, 2)),
                numpy.array([[1.0, 0.0], [0.1, 0.0]]),
                numpy.array([[0.5, 0.0], [1.0, 1.0]]),
            ],
            0.95 / 2,
        )
    ],
)(triplet)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"triplet.{_reduction}",
        inputs=_INPUTS,
        kwargs={"margin": 1.0, "reduction": _reduction},
        shapes=[(4, 3), "4x3nc", (0, 3)],
        reference=_reference(1.0, _reduction),
    )(triplet)
