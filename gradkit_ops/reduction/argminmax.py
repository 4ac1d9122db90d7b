r"""argmax and argmin: the position of the extremum along an axis.

The result is an int64 index array. It is piecewise constant in the input, so it has no
gradient (a zero-gradient op): nothing flows back to the input. Where several elements tie,
the first one is returned, as in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.array._index import normalize_axis_index
from gradkit_ops.array._values import distinct

__all__ = ["ArgMax", "ArgMin", "argmax", "argmin"]


class _ArgExtremum(FunctionNode):
    _name = ""

    def __init__(self, axis: int | None, keepdims: bool) -> None:
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        xp = get_array_module(x)
        index = getattr(xp, self._name)(x, axis=self.axis, keepdims=self.keepdims)
        return (xp.astype(index, xp.int64),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[None, ...]:
        return (None,)  # an integer output: the gradient is zero


class ArgMax(_ArgExtremum):
    """The index of the largest element along ``axis`` (None: of the flattened input)."""

    _name = "argmax"


class ArgMin(_ArgExtremum):
    """The index of the smallest element along ``axis`` (None: of the flattened input)."""

    _name = "argmin"


def _axis(x: Any, axis: int | None, op: str) -> int | None:
    if axis is None:
        if x.size == 0:
            raise ValueError(f"{op}: an empty array has no extremum")
        return None
    axis = normalize_axis_index(axis, x.ndim, op)
    if x.shape[axis] == 0:
        raise ValueError(f"{op}: cannot reduce an empty axis of an array of shape {x.shape}")
    return axis


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Variable:
    """The int64 index of the largest element of ``x`` along ``axis`` (of the flattened
    ``x`` when None). It has no gradient.

    >>> import numpy as np
    >>> from gradkit_ops.reduction import argmax
    >>> argmax(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=1).array
    array([1, 0])
    """
    return ArgMax(_axis(x, axis, "argmax"), bool(keepdims)).apply((x,))[0]


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Variable:
    """The int64 index of the smallest element of ``x`` along ``axis`` (of the flattened
    ``x`` when None). It has no gradient.

    >>> import numpy as np
    >>> from gradkit_ops.reduction import argmin
    >>> argmin(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=1).array
    array([0, 1])
    """
    return ArgMin(_axis(x, axis, "argmin"), bool(keepdims)).apply((x,))[0]


# The outputs are integers: no gradient flows back (a zero-gradient op). Ties pick the
# first index, checked on a hand-computed example; the sampled inputs are tie-free.
for _op, _ref in ((argmax, numpy.argmax), (argmin, numpy.argmin)):
    op_spec(
        name=_op.__name__,
        inputs=[Input(values=distinct)],
        shapes=[(3, 4), (), "3x4nc"],
        reference=_ref,
    )(_op)
    op_spec(
        name=f"{_op.__name__}.axis",
        inputs=[Input(values=distinct)],
        kwargs={"axis": 1, "keepdims": True},
        shapes=[(3, 4), "3x4nc", (0, 4)],
        reference=lambda x, _ref=_ref: _ref(x, axis=1, keepdims=True),
    )(_op)
op_spec(
    name="argmax.ties",
    kwargs={"axis": 1},
    examples=[([[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]], numpy.array([1, 0]))],
    checks=("forward",),
)(argmax)
op_spec(
    name="argmin.ties",
    kwargs={"axis": 1},
    examples=[([[[1.0, 0.5, 0.5], [2.0, 2.0, 2.0]]], numpy.array([1, 0]))],
    checks=("forward",),
)(argmin)


# The zero gradient itself, checked where it shows: the maximum gathered at argmax's index is
# differentiable, and its gradient is exactly the gather's (one at the index, zero elsewhere),
# so an index that let any gradient through would fail this check.
def _gather_at(op: Any) -> Any:
    def gathered(x: Any) -> Variable:
        from gradkit_ops.array.take_along_axis import take_along_axis

        return take_along_axis(x, op(x, axis=1, keepdims=True), axis=1)

    return gathered


for _op, _ref in ((argmax, numpy.argmax), (argmin, numpy.argmin)):
    op_spec(
        name=f"{_op.__name__}.gather",
        inputs=[Input(values=distinct)],
        factory=lambda _op=_op: _gather_at(_op),
        shapes=[(3, 4), "3x4nc"],
        reference=lambda x, _ref=_ref: numpy.take_along_axis(
            x, _ref(x, axis=1, keepdims=True), axis=1
        ),
    )(_op)
ArgMax.spec = Unchecked("built and checked by argmax(), which has the specs")
ArgMin.spec = Unchecked("built and checked by argmin(), which has the specs")
