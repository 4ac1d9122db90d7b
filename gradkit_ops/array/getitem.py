r"""getitem: ``x[index]`` with basic (ints, slices, None, Ellipsis) and advanced (integer or
boolean arrays, lists) indices, as in NumPy.

This is the engine's :func:`gradkit.arithmetic.getitem` (``Variable.__getitem__``),
re-exported. Its gradient scatters the output gradient back into zeros of the input's shape,
adding up where an advanced index repeats an element:

.. math:: \partial L / \partial x = \mathrm{scatter\_add}(0_{x.\mathrm{shape}},\ \mathrm{index},
          \ \partial L / \partial y)

The indices themselves have no gradient.
"""

from __future__ import annotations

from gradkit.arithmetic import getitem

__all__ = ["getitem"]
