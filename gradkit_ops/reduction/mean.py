r"""mean: the arithmetic mean over axes.

.. math:: y = \frac{1}{n} \sum_{i \in \text{axes}} x_i \;\Rightarrow\;
          \partial L / \partial x = \frac{1}{n}\,\mathrm{broadcast}(\partial L / \partial y)

with :math:`n` the number of elements reduced into each output. A composite of ``sum`` and a
division by the constant :math:`n`, so every order of gradient comes from those. The mean of
no elements is NaN, as in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import div, sum
from gradkit.testing import op_spec
from gradkit_ops.reduction._axes import reduced_axes, reduced_size

__all__ = ["mean"]


def mean(x: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Variable:
    """The mean of ``x`` over ``axis`` (None: all axes; an int or a tuple of ints).

    >>> import numpy as np
    >>> from gradkit_ops.reduction import mean
    >>> mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=1).array
    array([1.5, 4. ])
    """
    axes = reduced_axes(axis, x.ndim)
    n = reduced_size(tuple(x.shape), axes)
    total = sum(x, axes, keepdims)
    return div(total, n) if n else div(total, float("nan"))


op_spec(name="mean", shapes=[(3, 4), (), "3x4nc"], reference=numpy.mean)(mean)
op_spec(
    name="mean.axes",
    kwargs={"axis": (0, -1), "keepdims": True},
    shapes=[(2, 3, 4), "2x3x4nc", (2, 0, 4)],
    reference=lambda x: numpy.mean(x, axis=(0, -1), keepdims=True),
)(mean)
op_spec(
    name="mean.axis",
    kwargs={"axis": 1},
    shapes=[(3, 4), "3x4nc", (0, 4)],
    reference=lambda x: numpy.mean(x, axis=1),
)(mean)
