r"""broadcast_to: repeat an array along new or length-1 axes (NumPy's broadcasting rules).

This is the engine's :func:`gradkit.arithmetic.broadcast_to`, re-exported. Its gradient sums
the output gradient over the broadcast axes (:func:`gradkit.arithmetic.sum_to`):

.. math:: \partial L / \partial x = \mathrm{sum\_to}(\partial L / \partial y,\ x.\mathrm{shape})
"""

from __future__ import annotations

from gradkit.arithmetic import broadcast_to

__all__ = ["broadcast_to"]
