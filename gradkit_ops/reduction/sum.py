r"""sum: the sum of the elements over axes.

This is the engine's :func:`gradkit.arithmetic.sum` (``Variable.sum``), re-exported.

.. math:: y = \sum_{i \in \text{axes}} x_i \;\Rightarrow\;
          \partial L / \partial x = \mathrm{broadcast}(\partial L / \partial y)
"""

from __future__ import annotations

from gradkit.arithmetic import sum

__all__ = ["sum"]
