r"""scatter_add: add values into a copy of an array at an index; repeated indices add up.

.. math:: y = x, \quad y[\mathrm{index}] \mathrel{+}= v \quad\text{(unbuffered)}

The gradient with respect to ``x`` is the output gradient itself, and with respect to ``v``
it gathers the output gradient at the index (summed over the axes ``v`` was broadcast on):

.. math:: \partial L / \partial x = \partial L / \partial y, \qquad
          \partial L / \partial v = \mathrm{sum\_to}((\partial L / \partial y)[\mathrm{index}],
          \ v.\mathrm{shape})

Both are made of differentiable ops (``getitem``, ``sum_to``), so higher orders follow. The
index has no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, is_array
from gradkit.arithmetic import getitem, sum_to
from gradkit.backend import scatter_add as _backend_scatter_add
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.array._index import as_index_array

__all__ = ["ScatterAdd", "scatter_add"]


class ScatterAdd(FunctionNode):
    """``x`` with ``values`` added at ``index`` (a tuple of ints, slices, Ellipsis and int64
    arrays of ``x``'s device)."""

    def __init__(self, index: tuple[Any, ...]) -> None:
        self.index = index

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        x, values = inputs
        self.values_shape = values.shape
        return (_backend_scatter_add(x, self.index, values),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        result = []
        for i in target_input_indexes:
            if i == 0:
                result.append(gy)
            else:
                result.append(sum_to(getitem(gy, self.index), self.values_shape))
        return tuple(result)


def _normalize(index: Any, x: Any) -> tuple[Any, ...]:
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for part in parts:
        if isinstance(part, Variable) or is_array(part) or isinstance(part, list):
            out.append(as_index_array(part, x, "scatter_add"))
        elif isinstance(part, numpy.integer):
            out.append(int(part))
        elif part is None or isinstance(part, bool):
            raise IndexError("scatter_add: None and boolean scalars are not valid indices here")
        else:
            out.append(part)
    return tuple(out)


def scatter_add(x: Any, index: Any, values: Any) -> Variable:
    """Return a copy of ``x`` with ``values`` added at ``x[index]``; where an integer-array
    index repeats an element, all its values add up (unlike ``x[index] += values``).

    ``index`` is what ``x[index]`` accepts: ints, slices, Ellipsis and integer arrays or
    lists. ``values`` broadcasts to the shape of ``x[index]`` and has ``x``'s dtype.

    >>> import numpy as np
    >>> from gradkit_ops.array import scatter_add
    >>> scatter_add(np.zeros(3), np.array([0, 0, 2]), np.ones(3)).array
    array([2., 0., 1.])
    """
    if x.dtype != values.dtype:
        raise TypeError(
            f"scatter_add: values of dtype {values.dtype} cannot be added into an array of "
            f"dtype {x.dtype}; cast them first"
        )
    parts = _normalize(index, x)
    return ScatterAdd(parts).apply((x, values))[0]


_ROWS = numpy.array([0, 2, 0])


def _scatter_reference(x: Any, index: Any, values: Any) -> Any:
    out = numpy.array(x, copy=True)
    numpy.add.at(out, index, values)
    return out


op_spec(
    name="scatter_add",
    inputs=[Input(), Input(shape=lambda s: (3, *s[1:]))],
    factory=lambda: lambda x, v: scatter_add(x, (_ROWS,), v),
    shapes=[(3, 4), "3x4nc", (3, 0)],
    reference=lambda x, v: _scatter_reference(x, (_ROWS,), v),
)(scatter_add)
# The index as an integer input (repeated and negative entries, drawn per case), and values
# that broadcast along the last axis.
op_spec(
    name="scatter_add.int_input",
    inputs=[
        Input(),
        Input(dtype="int64", domain=(-3, 3), shape=lambda s: (5,)),
        Input(shape=lambda s: (5, 1)),
    ],
    shapes=[(3, 4), "3x4nc"],
    reference=lambda x, i, v: _scatter_reference(x, (i,), v),
)(scatter_add)
ScatterAdd.spec = Unchecked("built and checked by scatter_add(), which has the specs")
