r"""cosine_similarity: the cosine of the angle between vectors along an axis.

.. math:: c = \frac{x \cdot y}{\max(\|x\|, \epsilon)\, \max(\|y\|, \epsilon)},\qquad
          \frac{\partial c}{\partial x} = \frac{y}{\|x\| \|y\|} - c\, \frac{x}{\|x\|^2}

(for norms above :math:`\epsilon`; symmetrically for :math:`y`). Each norm is clamped at
``eps`` separately, as PyTorch's ``cosine_similarity`` does, so zero vectors give 0 instead
of NaN (an ``eps`` below the dtype's smallest normal number is raised to it: 1e-8 is 0 in
float16). ``reduction`` defaults to ``"none"`` (one similarity per pair, as PyTorch); ``"mean"``
and ``"sum"`` reduce them (``1 - cosine_similarity(...)`` is then a loss). A composite of
``sum``, ``sqrt``, ``maximum`` and products, so every order of gradient works.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import div, mul
from gradkit.testing import Input, op_spec
from gradkit_ops.comparison import maximum
from gradkit_ops.loss._reduction import check_reduction, check_same_shape, reduce
from gradkit_ops.math import sqrt
from gradkit_ops.math._operands import dtype_name
from gradkit_ops.reduction import sum

__all__ = ["cosine_similarity"]


def cosine_similarity(
    x1: Any, x2: Any, axis: int = 1, eps: float = 1e-8, reduction: str = "none"
) -> Variable:
    """The cosine similarity of ``x1`` and ``x2`` (one shape) along ``axis``, each norm
    clamped below at ``eps``; one value per pair (``reduction="none"``), or their ``"mean"``
    or ``"sum"``.

    >>> import numpy as np
    >>> from gradkit_ops.loss import cosine_similarity
    >>> x1, x2 = np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[2.0, 0.0], [-1.0, 0.0]])
    >>> cosine_similarity(x1, x2).array
    array([ 1.        , -0.70710678])
    """
    check_reduction(reduction, "cosine_similarity")
    check_same_shape("cosine_similarity", x1, x2)
    if not eps > 0:
        raise ValueError(f"cosine_similarity: eps must be > 0; got {eps}")
    # An eps below the dtype's smallest normal number (1e-8 in float16) would be 0.
    eps = max(float(eps), float(numpy.finfo(str(dtype_name(x1.dtype))).tiny))
    n1 = maximum(sqrt(sum(mul(x1, x1), axis=axis)), eps)
    n2 = maximum(sqrt(sum(mul(x2, x2), axis=axis)), eps)
    return reduce(div(sum(mul(x1, x2), axis=axis), mul(n1, n2)), reduction)


def _reference(axis: int = 1, reduction: str = "none") -> Any:
    def reference(x1: Any, x2: Any) -> Any:
        n1 = numpy.maximum(numpy.linalg.norm(x1, axis=axis), 1e-8)
        n2 = numpy.maximum(numpy.linalg.norm(x2, axis=axis), 1e-8)
        c = (x1 * x2).sum(axis=axis) / (n1 * n2)
        if reduction == "mean":
            return numpy.asarray(c.mean()).astype(x1.dtype)
        return numpy.asarray(c.sum() if reduction == "sum" else c).astype(x1.dtype)

    return reference


# Norms far above eps: the clamp (a kink of maximum) is never reached in the samples.
# A zero vector is a kink (of the whole vector): x1's elements stay away from 0.
_INPUTS = [Input(domain=(0.2, 1.0)), Input(domain=(-1.0, 1.0), kinks=(0.0,))]
op_spec(
    name="cosine_similarity",
    inputs=_INPUTS,
    shapes=[(3, 4), "3x4nc", (2, 3, 2), (0, 3)],
    reference=_reference(),
    examples=[
        # A zero vector has similarity 0, not NaN.
        (
            [numpy.array([[0.0, 0.0], [3.0, 4.0]]), numpy.array([[1.0, 2.0], [4.0, -3.0]])],
            [0.0, 0.0],
        )
    ],
)(cosine_similarity)
# Positive vectors: similarities near 1 do not cancel in the mean, whose float16 rounding
# would otherwise be measured against a mean near 0 (the forward check scales by the output).
op_spec(
    name="cosine_similarity.mean",
    inputs=[Input(domain=(0.2, 1.0)), Input(domain=(0.2, 1.0))],
    kwargs={"axis": -1, "reduction": "mean"},
    shapes=[(3, 4), "3x4nc", (2, 3, 2)],
    reference=_reference(-1, "mean"),
)(cosine_similarity)
op_spec(
    name="cosine_similarity.sum",
    inputs=_INPUTS,
    kwargs={"axis": 0, "reduction": "sum"},
    shapes=[(3, 4), "3x4nc"],
    reference=_reference(0, "sum"),
)(cosine_similarity)
