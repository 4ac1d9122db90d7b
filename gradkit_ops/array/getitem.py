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

import numpy

from gradkit.arithmetic import getitem
from gradkit.testing import Input, op_spec

__all__ = ["getitem"]


_ROWS = numpy.array([0, 2, 2, -1])
_MASK = numpy.array([[True, False, True, True], [False] * 4, [True, True, False, True]])

# The engine's getitem, re-exported: its specs are attached here, with the library's ops.
op_spec(
    name="getitem.basic",
    kwargs={"index": (1, slice(None, None, -2))},
    shapes=[(3, 4), "3x4nc", (3, 0)],
    reference=lambda x: x[1, ::-2],
)(getitem)
op_spec(
    name="getitem.newaxis",
    kwargs={"index": (Ellipsis, None)},
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=lambda x: x[..., None],
)(getitem)
op_spec(
    name="getitem.advanced",
    kwargs={"index": (_ROWS, slice(1, 3))},
    shapes=[(3, 4), "3x4nc"],
    reference=lambda x: x[_ROWS, 1:3],
)(getitem)
op_spec(
    name="getitem.mask",
    kwargs={"index": _MASK},
    shapes=[(3, 4), "3x4nc"],
    reference=lambda x: x[_MASK],
)(getitem)
# The index as an integer input: repeated and negative entries, drawn per case.
op_spec(
    name="getitem.int_input",
    inputs=[Input(), Input(dtype="int64", domain=(-3, 3), shape=lambda s: (5,))],
    shapes=[(3, 4), "3x4nc", (3, 0)],
    reference=lambda x, i: x[i],
)(getitem)
