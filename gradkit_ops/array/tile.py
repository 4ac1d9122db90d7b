r"""tile and repeat: copies of the whole array, or of each element.

* ``tile(x, reps)``: the array repeated ``reps[k]`` times along axis ``k``. Written as
  ``reshape -> broadcast_to -> reshape``, so its gradient is the output gradient summed over
  the copies (the adjoint of the broadcast).
* ``repeat(x, repeats, axis)``: each element repeated along ``axis``, :math:`y_j = x_{p(j)}`.
  With one count for all elements it is again ``reshape -> broadcast_to -> reshape``; with a
  count per element it is a ``take``. Either way :math:`\partial L / \partial x_i =
  \sum_{j: p(j) = i} \partial L / \partial y_j`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy

from gradkit import Variable, as_array, as_variable, get_array_module
from gradkit.arithmetic import broadcast_to, reshape
from gradkit.testing import op_spec
from gradkit_ops.array._index import normalize_axis_index
from gradkit_ops.array.take import Take

__all__ = ["tile", "repeat"]


def tile(x: Any, reps: int | Sequence[int]) -> Variable:
    """Repeat the whole of ``x`` ``reps[k]`` times along each axis ``k``, as NumPy's ``tile``
    (``reps`` and ``x.shape`` are aligned on the right, padded with ones on the left).

    >>> import numpy as np
    >>> from gradkit_ops.array import tile
    >>> tile(np.array([1.0, 2.0]), 2).array
    array([1., 2., 1., 2.])
    """
    reps = (int(reps),) if isinstance(reps, int | numpy.integer) else tuple(int(r) for r in reps)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps {reps} must not be negative")
    ndim = max(x.ndim, len(reps))
    shape = (1,) * (ndim - x.ndim) + tuple(x.shape)
    reps = (1,) * (ndim - len(reps)) + reps
    interleaved = tuple(v for s in shape for v in (1, s))
    target = tuple(v for r, s in zip(reps, shape, strict=True) for v in (r, s))
    y = broadcast_to(reshape(x, interleaved), target)
    return reshape(y, tuple(r * s for r, s in zip(reps, shape, strict=True)))


def repeat(x: Any, repeats: int | Sequence[int], axis: int | None = None) -> Variable:
    """Repeat each element of ``x`` along ``axis`` (of the flattened ``x`` when None), as
    NumPy's ``repeat``. ``repeats`` is one count for all, or one count per element.

    >>> import numpy as np
    >>> from gradkit_ops.array import repeat
    >>> repeat(np.array([1.0, 2.0]), [1, 3]).array
    array([1., 2., 2., 2.])
    """
    if axis is None:
        x = reshape(x, (math.prod(x.shape),))
        axis = 0
    axis = normalize_axis_index(axis, x.ndim, "repeat")
    n = x.shape[axis]
    if isinstance(repeats, int | numpy.integer):
        repeats = int(repeats)
        if repeats < 0:
            raise ValueError(f"repeat: repeats {repeats} must not be negative")
        shape = tuple(x.shape)
        expanded = (*shape[: axis + 1], 1, *shape[axis + 1 :])
        target = (*shape[: axis + 1], repeats, *shape[axis + 1 :])
        y = broadcast_to(reshape(x, expanded), target)
        return reshape(y, (*shape[:axis], n * repeats, *shape[axis + 1 :]))
    counts = [int(r) for r in repeats]
    if len(counts) != n or any(r < 0 for r in counts):
        raise ValueError(
            f"repeat: needs {n} non-negative counts for an axis of length {n}; got {repeats}"
        )
    xp = get_array_module(x)
    positions = [i for i, r in enumerate(counts) for _ in range(r)]
    index = xp.asarray(positions, dtype=xp.int64, device=as_array(x).device)
    return as_variable(Take(index, axis).apply((x,))[0])


op_spec(
    name="tile",
    kwargs={"reps": (2, 1, 2)},
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=lambda x: numpy.tile(x, (2, 1, 2)),
)(tile)
op_spec(
    name="repeat",
    kwargs={"repeats": 2},
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=lambda x: numpy.repeat(x, 2),
)(repeat)
op_spec(
    name="repeat.counts",
    kwargs={"repeats": [1, 0, 3, 1], "axis": 1},
    shapes=[(3, 4), "3x4nc", (0, 4)],
    reference=lambda x: numpy.repeat(x, [1, 0, 3, 1], axis=1),
)(repeat)
