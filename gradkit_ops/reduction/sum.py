r"""sum: the sum of the elements over axes.

This is the engine's :func:`gradkit.arithmetic.sum` (``Variable.sum``), re-exported.

.. math:: y = \sum_{i \in \text{axes}} x_i \;\Rightarrow\;
          \partial L / \partial x = \mathrm{broadcast}(\partial L / \partial y)
"""

from __future__ import annotations

import numpy

from gradkit.arithmetic import sum
from gradkit.testing import op_spec

__all__ = ["sum"]


# The engine's sum, re-exported: its specs are attached here, with the library's ops.
op_spec(name="sum", shapes=[(3, 4), (), "3x4nc", (0, 3)], reference=numpy.sum)(sum)
op_spec(
    name="sum.axes",
    kwargs={"axis": (0, 2), "keepdims": True},
    shapes=[(2, 3, 4), "2x3x4nc", (2, 0, 4), (0, 3, 4)],
    reference=lambda x: numpy.sum(x, axis=(0, 2), keepdims=True),
)(sum)
