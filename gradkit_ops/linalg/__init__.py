"""Linear algebra: matrix products and contractions, the linear and bilinear layers,
diagonals and traces, and determinants, inverses, linear solves and Cholesky factors.

Products and contractions are composites of the engine's ``matmul``, ``reshape`` and
``transpose`` (``tensordot``, ``inner``, ``outer``), or one ``Einsum`` node whose gradient is an
einsum again. The factorizations call the array API's ``linalg`` extension and write their
gradients with ``inv``, ``solve`` and ``matmul``, so every order of gradient works. ``einsum``,
absent from the array API, goes through the engine's backend table
(:mod:`gradkit.linalg_backend`). ``matmul`` is the engine's own, re-exported.

>>> import numpy as np
>>> from gradkit_ops import linalg
>>> round(float(linalg.det(linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))).array), 12)
0.125
"""

from __future__ import annotations

from gradkit_ops.linalg.bilinear import bilinear
from gradkit_ops.linalg.cholesky import cholesky
from gradkit_ops.linalg.det import det, slogdet
from gradkit_ops.linalg.diag import diag, trace
from gradkit_ops.linalg.einsum import einsum
from gradkit_ops.linalg.inv import inv
from gradkit_ops.linalg.linear import linear
from gradkit_ops.linalg.matmul import matmul
from gradkit_ops.linalg.solve import solve
from gradkit_ops.linalg.tensordot import inner, outer, tensordot

__all__ = [
    "matmul",
    "linear",
    "bilinear",
    "tensordot",
    "einsum",
    "inner",
    "outer",
    "trace",
    "diag",
    "det",
    "slogdet",
    "inv",
    "solve",
    "cholesky",
]
