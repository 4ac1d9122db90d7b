r"""concat, stack and split: joining arrays along an axis, and its adjoint, cutting one.

.. math:: y = [x_0, x_1, \dots]_{\text{axis}}
          \;\Rightarrow\; \partial L / \partial x_k = (\partial L / \partial y)[s_k]

where :math:`s_k` is the slice of ``y`` that came from :math:`x_k`. So the gradient of
``concat`` is a ``split`` of the output gradient, and the gradient of ``split`` (an op with one
output per piece) is the ``concat`` of the pieces' gradients. ``stack`` is ``concat`` of the
inputs with a new axis inserted.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Unchecked, op_spec
from gradkit_ops.array._index import normalize_axis_index
from gradkit_ops.array.reshape import expand_dims

__all__ = ["Concat", "Split", "concat", "stack", "split"]


class Concat(FunctionNode):
    """Join the inputs along ``axis``; the gradient splits the output gradient."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        axis = self.axis
        bounds = []
        offset = 0
        for x in inputs[:-1]:
            offset += x.shape[axis]
            bounds.append(offset)
        self.bounds = tuple(bounds)
        return (get_array_module(inputs[0]).concat(inputs, axis=axis),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        pieces = Split(self.bounds, self.axis).apply(grad_outputs)
        return tuple([pieces[i] for i in target_input_indexes])


class Split(FunctionNode):
    """Cut the input along ``axis`` at the offsets ``bounds``; one output per piece."""

    def __init__(self, bounds: tuple[int, ...], axis: int) -> None:
        self.bounds = bounds
        self.axis = axis

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        lead = (slice(None),) * self.axis
        starts = (0, *self.bounds)
        stops = (*self.bounds, x.shape[self.axis])
        return tuple(
            [x[(*lead, slice(a, b), Ellipsis)] for a, b in zip(starts, stops, strict=True)]
        )

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        if len(grad_outputs) == 1:
            return grad_outputs
        return Concat(self.axis).apply(grad_outputs)


def _check_same(xs: Sequence[Any], op: str, axis: int | None) -> None:
    first = xs[0]
    for i, x in enumerate(xs[1:], 1):
        if x.dtype != first.dtype:
            raise TypeError(
                f"{op}: input {i} has dtype {x.dtype} but input 0 has dtype {first.dtype}; "
                "cast them to one dtype first"
            )
        if x.ndim != first.ndim or any(
            a != b for d, (a, b) in enumerate(zip(x.shape, first.shape, strict=True)) if d != axis
        ):
            where = "" if axis is None else f" except along axis {axis}"
            raise ValueError(
                f"{op}: input {i} has shape {x.shape} but input 0 has shape {first.shape}; "
                f"the shapes must agree{where}"
            )


def concat(xs: Sequence[Any], axis: int = 0) -> Variable:
    """Join the arrays ``xs`` along the existing axis ``axis``.

    >>> import numpy as np
    >>> from gradkit_ops.array import concat
    >>> concat([np.zeros((1, 2)), np.ones((2, 2))]).shape
    (3, 2)
    """
    xs = tuple(xs)
    if not xs:
        raise ValueError("concat: needs at least one array")
    if xs[0].ndim == 0:
        raise ValueError("concat: 0-d arrays cannot be concatenated; use stack")
    axis = normalize_axis_index(axis, xs[0].ndim, "concat")
    _check_same(xs, "concat", axis)
    return Concat(axis).apply(xs)[0]


def stack(xs: Sequence[Any], axis: int = 0) -> Variable:
    """Join the arrays ``xs`` (all of one shape) along a new axis ``axis``.

    >>> import numpy as np
    >>> from gradkit_ops.array import stack
    >>> stack([np.zeros(2), np.ones(2)], axis=1).shape
    (2, 2)
    """
    xs = tuple(xs)
    if not xs:
        raise ValueError("stack: needs at least one array")
    axis = normalize_axis_index(axis, xs[0].ndim + 1, "stack")
    _check_same(xs, "stack", None)
    return concat([expand_dims(x, axis) for x in xs], axis)


def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> tuple[Variable, ...]:
    """Cut ``x`` along ``axis`` into pieces, returned as a tuple of Variables.

    ``indices_or_sections`` is either the number of equal pieces (it must divide the axis
    length) or the sorted offsets where to cut, as in NumPy.

    >>> import numpy as np
    >>> from gradkit_ops.array import split
    >>> [p.shape for p in split(np.zeros(5), [2, 3])]
    [(2,), (1,), (2,)]
    """
    if x.ndim == 0:
        raise ValueError("split: a 0-d array cannot be split")
    axis = normalize_axis_index(axis, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0 or n % sections:
            raise ValueError(
                f"split: {sections} sections do not divide an axis of length {n} equally; "
                "give the offsets where to cut instead"
            )
        step = n // sections
        bounds = tuple(step * i for i in range(1, sections))
    else:
        bounds = tuple(
            min(max(int(b) if b >= 0 else int(b) + n, 0), n) for b in indices_or_sections
        )
        if any(b1 > b2 for b1, b2 in itertools.pairwise(bounds)):
            raise ValueError(f"split: the offsets {tuple(indices_or_sections)} must be sorted")
    return Split(bounds, axis).apply((x,))


op_spec(
    name="concat",
    inputs=2,
    factory=lambda: lambda *xs: concat(xs, axis=1),
    shapes=[((3, 4), (3, 2)), "3x4_3x2nc", ((0, 4), (0, 2)), ((3, 0), (3, 2))],
    reference=lambda a, b: numpy.concatenate([a, b], axis=1),
)(concat)
op_spec(
    name="concat.three",
    inputs=3,
    factory=lambda: lambda *xs: concat(xs, axis=0),
    shapes=[(3, 4), "3x4nc", (0, 4)],
    reference=lambda a, b, c: numpy.concatenate([a, b, c], axis=0),
)(concat)
op_spec(
    name="stack",
    inputs=2,
    factory=lambda: lambda *xs: stack(xs, axis=-1),
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=lambda a, b: numpy.stack([a, b], axis=-1),
)(stack)
op_spec(
    name="split",
    kwargs={"indices_or_sections": [1, 3], "axis": 1},
    shapes=[(3, 4), "3x4nc", (0, 4), (3, 5)],
    reference=lambda x: tuple(numpy.split(x, [1, 3], axis=1)),
)(split)
op_spec(
    name="split.sections",
    kwargs={"indices_or_sections": 2, "axis": -1},
    shapes=[(3, 4), "3x4nc", (0, 4)],
    reference=lambda x: tuple(numpy.split(x, 2, axis=-1)),
)(split)
Concat.spec = Unchecked("built and checked by concat() and split(), which have the specs")
Split.spec = Unchecked("built and checked by split() and concat(), which have the specs")
