r"""diagonal: the diagonal of two axes, moved to the last axis (as NumPy's ``diagonal``).

.. math:: y[\dots, t] = x[\dots, i_0 + t, \dots, j_0 + t, \dots], \quad
          (i_0, j_0) = (0, k) \text{ if } k \ge 0 \text{ else } (-k, 0)

Each output element is one input element, so this is a ``take`` on the two axes flattened
together; the gradient puts the output gradient back on the diagonal and zeros elsewhere.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable, as_array, get_array_module
from gradkit.arithmetic import reshape
from gradkit.testing import op_spec
from gradkit_ops.array._index import normalize_axis_index
from gradkit_ops.array.take import Take
from gradkit_ops.array.transpose import moveaxis

__all__ = ["diagonal"]


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Variable:
    """The diagonal ``offset`` (above the main one when positive) of the 2-d sub-arrays
    spanned by ``axis1`` and ``axis2``; those axes are removed and the diagonal becomes the
    last axis.

    >>> import numpy as np
    >>> from gradkit_ops.array import diagonal
    >>> diagonal(np.arange(9.0).reshape(3, 3), offset=1).array
    array([1., 5.])
    """
    if x.ndim < 2:
        raise ValueError(f"diagonal: needs at least 2 dimensions; got shape {x.shape}")
    a1 = normalize_axis_index(axis1, x.ndim, "diagonal")
    a2 = normalize_axis_index(axis2, x.ndim, "diagonal")
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 are the same axis ({a1})")
    offset = int(offset)
    y = moveaxis(x, (a1, a2), (-2, -1))
    lead = y.shape[:-2]
    n, m = y.shape[-2:]
    i0, j0 = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(n - i0, m - j0))
    xp = get_array_module(x)
    t = xp.arange(length, dtype=xp.int64, device=as_array(x).device)
    positions = (t + i0) * m + (t + j0)
    flat = reshape(y, (*lead, n * m))
    return Take(positions, len(lead)).apply((flat,))[0]


op_spec(
    name="diagonal",
    kwargs={"offset": 1},
    shapes=[(3, 4), "3x4nc", (0, 3), (4, 3)],
    reference=lambda x: numpy.diagonal(x, 1),
)(diagonal)
op_spec(
    name="diagonal.axes",
    kwargs={"offset": -1, "axis1": 2, "axis2": 0},
    shapes=[(2, 3, 4), "2x3x4nc", (2, 0, 4)],
    reference=lambda x: numpy.diagonal(x, -1, 2, 0),
)(diagonal)
