r"""diag and trace: building a diagonal matrix from a vector, and summing a diagonal.

.. math:: \mathrm{diag}(v, k)_{ij} = v_i\,[j = i + k] \;(k \ge 0),\qquad
          \frac{\partial L}{\partial v_i} = G_{i, i + k}

.. math:: \mathrm{trace}(X) = \sum_i X_{i, i + k},\qquad
          \frac{\partial L}{\partial X} = g\, I_k

(with :math:`I_k` ones on diagonal :math:`k`). Both are composites: ``diag`` of a vector is the
padded vector times the constant identity of diagonal :math:`k` (its gradient, ``sum_to`` of
``G I_k``, is exactly the diagonal of ``G``), ``diag`` of a matrix is
:func:`~gradkit_ops.array.diagonal`, and ``trace`` sums that diagonal. Every order of gradient
comes from those ops.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable, as_array, get_array_module
from gradkit.arithmetic import mul, reshape
from gradkit.testing import op_spec
from gradkit_ops.array import concat, diagonal
from gradkit_ops.reduction import sum

__all__ = ["diag", "trace"]


def diag(v: Any, k: int = 0) -> Variable:
    """NumPy's ``diag``: for a 1-d ``v``, the square matrix with ``v`` on diagonal ``k``
    (above the main one when positive) and zeros elsewhere; for a 2-d ``v``, its diagonal
    ``k`` as a 1-d array.

    >>> import numpy as np
    >>> from gradkit_ops.linalg import diag
    >>> diag(np.array([1.0, 2.0]), k=1).array
    array([[0., 1., 0.],
           [0., 0., 2.],
           [0., 0., 0.]])
    >>> diag(np.arange(4.0).reshape(2, 2)).array
    array([0., 3.])
    """
    k = int(k)
    if v.ndim == 2:
        return diagonal(v, offset=k)
    if v.ndim != 1:
        raise ValueError(f"diag: needs a 1-d or 2-d array; got shape {v.shape}")
    data = as_array(v)
    xp = get_array_module(data)
    n = v.shape[0]
    m = n + abs(k)
    if k:
        pad = xp.zeros(abs(k), dtype=data.dtype, device=data.device)
        v = concat([v, pad])
    eye = xp.eye(m, k=k, dtype=data.dtype, device=data.device)
    # Row i of the result holds v[i] (k >= 0); column j holds v[j] (k < 0).
    return mul(reshape(v, (m, 1) if k >= 0 else (1, m)), eye)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Variable:
    """The sum of diagonal ``offset`` of the 2-d sub-arrays spanned by ``axis1`` and
    ``axis2`` (NumPy's ``trace``); those axes are removed.

    >>> import numpy as np
    >>> from gradkit_ops.linalg import trace
    >>> trace(np.arange(9.0).reshape(3, 3)).array
    array(12.)
    """
    return sum(diagonal(x, offset=offset, axis1=axis1, axis2=axis2), axis=-1)


def _ref(f: Any) -> Any:
    return lambda x: numpy.asarray(f(x)).astype(x.dtype)


op_spec(
    name="diag",
    shapes=[(4,), (1,), (0,), "4nc"],
    reference=_ref(numpy.diag),
    examples=[([numpy.array([1.0, -2.0])], [[1.0, 0.0], [0.0, -2.0]])],
)(diag)
op_spec(
    name="diag.above",
    kwargs={"k": 2},
    shapes=[(3,), (0,), "3nc"],
    reference=_ref(lambda v: numpy.diag(v, 2)),
)(diag)
op_spec(
    name="diag.below",
    kwargs={"k": -1},
    shapes=[(3,), (0,), "3nc"],
    reference=_ref(lambda v: numpy.diag(v, -1)),
)(diag)
op_spec(
    name="diag.matrix",
    kwargs={"k": -1},
    shapes=[(3, 4), (4, 3), "3x4nc", (0, 3)],
    reference=_ref(lambda x: numpy.diag(x, -1)),
)(diag)
op_spec(
    name="trace",
    shapes=[(3, 3), (3, 4), "3x4nc", (0, 0)],
    reference=_ref(numpy.trace),
    examples=[([numpy.array([[1.0, 2.0], [3.0, 4.0]])], 5.0)],
)(trace)
op_spec(
    name="trace.axes",
    kwargs={"offset": 1, "axis1": 2, "axis2": 0},
    shapes=[(3, 2, 4), "3x2x4nc", (3, 0, 4)],
    reference=_ref(lambda x: numpy.trace(x, 1, 2, 0)),
)(trace)
