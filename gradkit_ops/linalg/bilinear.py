r"""bilinear: the bilinear layer of Chainer, ``e1^T W e2 + V1^T e1 + V2^T e2 + b`` per sample.

.. math:: y_{nl} = \sum_{jk} e^1_{nj} e^2_{nk} W_{jkl}
          + \sum_j e^1_{nj} V^1_{jl} + \sum_k e^2_{nk} V^2_{kl} + b_l

.. math:: \frac{\partial L}{\partial W_{jkl}} = \sum_n e^1_{nj} e^2_{nk} G_{nl},\quad
          \frac{\partial L}{\partial e^1_{nj}} = \sum_{kl} e^2_{nk} W_{jkl} G_{nl}
          + \sum_l V^1_{jl} G_{nl}

(and symmetrically for :math:`e^2`, :math:`V^2`; :math:`\partial L/\partial b = \sum_n G_n`).
A composite: the bilinear term is :func:`~gradkit_ops.linalg.einsum` of three operands
(``"nj,nk,jkl->nl"``), the linear terms are ``matmul``, so every order of gradient comes from
those ops.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import add, matmul, reshape
from gradkit.testing import Input, op_spec
from gradkit_ops.linalg.einsum import einsum

__all__ = ["bilinear"]


def _flat(e: Any, name: str) -> Any:
    if e.ndim < 2:
        raise ValueError(f"bilinear: {name} must have shape (N, ...); got shape {e.shape}")
    return e if e.ndim == 2 else reshape(e, (e.shape[0], math.prod(e.shape[1:])))


def bilinear(e1: Any, e2: Any, W: Any, V1: Any = None, V2: Any = None, b: Any = None) -> Variable:
    """The bilinear layer: ``e1`` of shape ``(N, J)``, ``e2`` of shape ``(N, K)`` (further
    axes are flattened into J and K), ``W`` of shape ``(J, K, L)``; optionally ``V1``
    ``(J, L)``, ``V2`` ``(K, L)`` and ``b`` ``(L,)``, all three or none (as in Chainer).
    The result has shape ``(N, L)``.

    >>> import numpy as np
    >>> from gradkit_ops.linalg import bilinear
    >>> bilinear(np.ones((1, 2)), np.ones((1, 3)), np.ones((2, 3, 4))).array
    array([[6., 6., 6., 6.]])
    """
    given = [v is not None for v in (V1, V2, b)]
    if any(given) and not all(given):
        raise ValueError("bilinear: give all of V1, V2 and b, or none of them")
    x1, x2 = _flat(e1, "e1"), _flat(e2, "e2")
    if x1.shape[0] != x2.shape[0]:
        raise ValueError(
            f"bilinear: e1 and e2 must have one batch size; got {e1.shape} and {e2.shape}"
        )
    if W.ndim != 3 or tuple(W.shape[:2]) != (x1.shape[1], x2.shape[1]):
        raise ValueError(
            f"bilinear: W must have shape ({x1.shape[1]}, {x2.shape[1]}, L) for e1 of shape "
            f"{e1.shape} and e2 of shape {e2.shape}; got shape {W.shape}"
        )
    y = einsum("nj,nk,jkl->nl", x1, x2, W)
    if V1 is None:
        return y
    n_out = W.shape[2]
    for name, v, rows in (("V1", V1, x1.shape[1]), ("V2", V2, x2.shape[1])):
        if tuple(v.shape) != (rows, n_out):
            raise ValueError(f"bilinear: {name} must have shape ({rows}, {n_out}); got {v.shape}")
    if tuple(b.shape) != (n_out,):
        raise ValueError(f"bilinear: b must have shape ({n_out},); got shape {b.shape}")
    return add(add(add(y, matmul(x1, V1)), matmul(x2, V2)), b)


def _reference(e1: Any, e2: Any, W: Any, V1: Any = None, V2: Any = None, b: Any = None) -> Any:
    x1 = e1.reshape((e1.shape[0], math.prod(e1.shape[1:])))
    x2 = e2.reshape((e2.shape[0], math.prod(e2.shape[1:])))
    y = numpy.einsum("nj,nk,jkl->nl", x1, x2, W)
    if V1 is not None:
        y = y + x1 @ V1 + x2 @ V2 + b
    return y.astype(e1.dtype)


# The shared shape is e1's (N, J); e2 is (N, 3) and there are L = 2 outputs.
op_spec(
    name="bilinear",
    inputs=[
        Input(),
        Input(shape=lambda s: (s[0], 3)),
        Input(shape=lambda s: (s[1], 3, 2)),
        Input(shape=lambda s: (s[1], 2)),
        Input(shape=lambda s: (3, 2)),
        Input(shape=lambda s: (2,)),
    ],
    shapes=[(4, 2), "4x2nc", (0, 2), (1, 1)],
    reference=_reference,
)(bilinear)
op_spec(
    name="bilinear.nobias",
    inputs=[Input(), Input(shape=lambda s: (s[0], 2)), Input(shape=lambda s: (s[1], 2, 3))],
    shapes=[(3, 4), "3x4nc"],
    reference=_reference,
    examples=[
        (
            [
                numpy.array([[1.0, 2.0]]),
                numpy.array([[3.0]]),
                numpy.array([[[1.0, 0.0]], [[0.0, 1.0]]]),
            ],
            [[3.0, 6.0]],
        )
    ],
)(bilinear)
op_spec(
    name="bilinear.flatten",
    inputs=[
        Input(),
        Input(shape=lambda s: (s[0], 2)),
        Input(shape=lambda s: (s[1] * s[2], 2, 2)),
    ],
    shapes=[(3, 2, 2), "3x2x2nc"],
    reference=_reference,
)(bilinear)
