r"""broadcast_to: repeat an array along new or length-1 axes (NumPy's broadcasting rules).

This is the engine's :func:`gradkit.arithmetic.broadcast_to`, re-exported. Its gradient sums
the output gradient over the broadcast axes (:func:`gradkit.arithmetic.sum_to`):

.. math:: \partial L / \partial x = \mathrm{sum\_to}(\partial L / \partial y,\ x.\mathrm{shape})
"""

from __future__ import annotations

import numpy

from gradkit.arithmetic import broadcast_to
from gradkit.testing import op_spec

__all__ = ["broadcast_to"]


# The engine's broadcast_to, re-exported: its spec is attached here, with the library's ops.
op_spec(
    name="broadcast_to",
    kwargs={"shape": (2, 3, 4)},
    shapes=[(3, 4), (), (1, 4), "3x4nc", (3, 1)],
    reference=lambda x: numpy.broadcast_to(x, (2, 3, 4)),
)(broadcast_to)
op_spec(
    name="broadcast_to.empty",
    kwargs={"shape": (2, 0, 3)},
    shapes=[(1, 3), (0, 1)],
    reference=lambda x: numpy.broadcast_to(x, (2, 0, 3)),
)(broadcast_to)
