r"""The transpose family: transpose, swapaxes, moveaxis.

Each permutes the axes, so each is the engine's :func:`gradkit.arithmetic.transpose`
(re-exported here); the gradient is the output gradient under the inverse permutation:

.. math:: y = x^{\sigma} \;\Rightarrow\; \partial L / \partial x =
          (\partial L / \partial y)^{\sigma^{-1}}
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import normalize_axis, transpose
from gradkit.testing import op_spec

__all__ = ["transpose", "swapaxes", "moveaxis"]


def swapaxes(x: Any, axis1: int, axis2: int) -> Variable:
    """Exchange axes ``axis1`` and ``axis2`` of ``x``.

    >>> import numpy as np
    >>> from gradkit_ops.array import swapaxes
    >>> swapaxes(np.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    (a,) = normalize_axis(axis1, x.ndim)
    (b,) = normalize_axis(axis2, x.ndim)
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, tuple(axes))


def moveaxis(x: Any, source: int | tuple[int, ...], destination: int | tuple[int, ...]) -> Variable:
    """Move axes ``source`` of ``x`` to positions ``destination``; the others keep their
    order.

    >>> import numpy as np
    >>> from gradkit_ops.array import moveaxis
    >>> moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise ValueError(
            f"moveaxis: source {source} and destination {destination} differ in length"
        )
    ndim = x.ndim
    src = tuple(normalize_axis(s, ndim)[0] for s in src)
    dst = tuple(normalize_axis(d, ndim)[0] for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: repeated axis in {source} or {destination}")
    rest = iter([a for a in range(ndim) if a not in src])
    placed = dict(zip(dst, src, strict=True))
    axes = tuple(placed[i] if i in placed else next(rest) for i in range(ndim))
    return transpose(x, axes)


# The engine's transpose, re-exported: its spec is attached here, with the library's ops.
op_spec(
    name="transpose",
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=numpy.transpose,
)(transpose)
op_spec(
    name="transpose.axes",
    kwargs={"axes": (1, 2, 0)},
    shapes=[(2, 3, 4), "2x3x4nc", (2, 0, 4)],
    reference=lambda x: numpy.transpose(x, (1, 2, 0)),
)(transpose)
op_spec(
    name="swapaxes",
    kwargs={"axis1": 0, "axis2": -1},
    shapes=[(2, 3, 4), "2x3x4nc", (0, 3, 4)],
    reference=lambda x: numpy.swapaxes(x, 0, -1),
)(swapaxes)
op_spec(
    name="moveaxis",
    kwargs={"source": (0, 1), "destination": (-1, 0)},
    shapes=[(2, 3, 4), "2x3x4nc", (0, 3, 4)],
    reference=lambda x: numpy.moveaxis(x, (0, 1), (-1, 0)),
)(moveaxis)
