r"""L2 normalization along an axis (Chainer's ``normalize``).

.. math::
    y = \frac{x}{\lVert x \rVert_2 + \epsilon}, \quad
    \lVert x \rVert_2 = \sqrt{\textstyle\sum_{\text{axis}} x_i^2}

.. math::
    \frac{\partial L}{\partial x} = \frac{g}{\lVert x \rVert + \epsilon}
        - \frac{x \sum_i g_i x_i}{\lVert x \rVert (\lVert x \rVert + \epsilon)^2}

with :math:`g` the output gradient. :math:`\epsilon` is added to the norm (not under the
square root), so a zero vector maps to zero. There the norm has a kink: its gradient is taken
as 0 (as :func:`~gradkit_ops.norm` does), which makes the gradient of ``normalize`` at a zero
vector :math:`g / \epsilon`, the limit of the formula above (its second term vanishes like
:math:`\lVert x \rVert`). A composite of ``norm``, ``add`` and ``div``, so higher orders
follow.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import div
from gradkit.testing import Input, op_spec
from gradkit_ops.reduction import norm

__all__ = ["normalize"]


def normalize(x: Any, eps: float = 1e-5, axis: int = 1) -> Variable:
    """``x`` divided by its L2 norm along ``axis`` (plus ``eps``): unit vectors along that
    axis, zero vectors left at zero.

    >>> import numpy as np
    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]])).array.round(5)
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    if x.ndim == 0:
        raise ValueError("normalize: a 0-d array has no axis to normalize along")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"normalize: axis {axis} is out of bounds for shape {tuple(x.shape)}")
    if eps < 0:
        raise ValueError(f"normalize: eps must be >= 0; got {eps}")
    return div(x, norm(x, 2, axis, keepdims=True) + eps)


def _reference(x: numpy.ndarray, axis: int = 1, eps: float = 1e-5) -> numpy.ndarray:
    return x / (numpy.sqrt(numpy.sum(x * x, axis=axis, keepdims=True)) + eps)


# The norm has a kink where a whole vector is 0; drawn vectors of two or more elements in
# (-1, 1) stay far from it, and the zero vector is a forward example.
_ZERO_ROW = numpy.array([[0.0, 0.0, 0.0], [1.0, -2.0, 2.0]])
op_spec(
    name="normalize",
    # A zero row is a kink (of the whole row); elements away from 0 keep rows away from it.
    inputs=[Input(kinks=(0.0,))],
    shapes=[(3, 4), (2, 3, 4), (0, 4), "3x4nc"],
    reference=_reference,
    examples=[([_ZERO_ROW], [[0.0, 0.0, 0.0], [v / (3.0 + 1e-5) for v in (1.0, -2.0, 2.0)]])],
)(normalize)
op_spec(
    name="normalize.last_axis",
    inputs=[Input(domain=(-3.0, 3.0), kinks=(0.0,))],
    kwargs={"axis": -1, "eps": 0.5},
    shapes=[(3, 4), (4,), "3x4nc"],
    reference=lambda x: _reference(x, axis=-1, eps=0.5),
)(normalize)
