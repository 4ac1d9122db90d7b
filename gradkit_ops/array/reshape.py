r"""The reshape family: reshape, flatten, expand_dims, squeeze.

All of them keep the elements in order and only change the shape, so each is the engine's
:func:`gradkit.arithmetic.reshape` (re-exported here) and its gradient is the output gradient
reshaped back to the input's shape:

.. math:: \partial L / \partial x = \mathrm{reshape}(\partial L / \partial y,\ x.\mathrm{shape})
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import normalize_axis, reshape
from gradkit.testing import op_spec

__all__ = ["reshape", "flatten", "expand_dims", "squeeze"]


def flatten(x: Any) -> Variable:
    """The elements of ``x`` as a 1-d array, in row-major order.

    >>> import numpy as np
    >>> from gradkit_ops.array import flatten
    >>> flatten(np.ones((2, 3))).shape
    (6,)
    """
    return reshape(x, (x.size,))


def expand_dims(x: Any, axis: int | tuple[int, ...] = 0) -> Variable:
    """Insert axes of length 1 at the positions ``axis`` of the result.

    >>> import numpy as np
    >>> from gradkit_ops.array import expand_dims
    >>> expand_dims(np.ones((2, 3)), (0, -1)).shape
    (1, 2, 3, 1)
    """
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = x.ndim + len(axes)
    positions = normalize_axis(axes, ndim)
    dims = iter(x.shape)
    shape = tuple(1 if i in positions else next(dims) for i in range(ndim))
    return reshape(x, shape)


def squeeze(x: Any, axis: int | tuple[int, ...] | None = None) -> Variable:
    """Remove axes of length 1: those in ``axis``, or all of them when ``axis`` is None.

    >>> import numpy as np
    >>> from gradkit_ops.array import squeeze
    >>> squeeze(np.ones((1, 2, 1))).shape
    (2,)
    """
    if axis is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        axes = normalize_axis(axis, x.ndim)
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(
                    f"squeeze: axis {a} has length {x.shape[a]}; only axes of length 1 can be "
                    "removed"
                )
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    return reshape(x, shape)


_SHAPES = [(3, 4), (), "3x4nc", (0, 3)]
# The engine's reshape, re-exported: its spec is attached here, with the library's ops.
op_spec(
    name="reshape",
    kwargs={"shape": (2, -1)},
    shapes=[(3, 4), "3x4nc", (0, 3), (2, 3, 2)],
    reference=lambda x: numpy.reshape(x, (2, -1)),
)(reshape)
op_spec(
    name="reshape.scalar",
    kwargs={"shape": (1, 1)},
    shapes=[()],
    reference=lambda x: numpy.reshape(x, (1, 1)),
)(reshape)
op_spec(name="flatten", shapes=_SHAPES, reference=numpy.ravel)(flatten)
op_spec(
    name="expand_dims",
    kwargs={"axis": (0, -1)},
    shapes=_SHAPES,
    reference=lambda x: numpy.expand_dims(x, (0, -1)),
)(expand_dims)
op_spec(
    name="squeeze",
    shapes=[(1, 3, 1, 4), "1x3x1x4nc", (), (1, 0, 1, 3)],
    reference=numpy.squeeze,
)(squeeze)
op_spec(
    name="squeeze.axis",
    kwargs={"axis": -2},
    shapes=[(1, 3, 1, 4), "1x3x1x4nc", (2, 0, 1, 3)],
    reference=lambda x: numpy.squeeze(x, -2),
)(squeeze)
