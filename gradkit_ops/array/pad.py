r"""pad: extend an array at both ends of each axis, by a constant, the edge values, or a
reflection.

* ``constant``: :math:`y = c` in the border and :math:`y[s] = x` inside (``s`` the inner
  slices). The gradient is the inner part of the output gradient,
  :math:`\partial L / \partial x = (\partial L / \partial y)[s]`; ``c`` is a constant.
* ``edge`` and ``reflect``: each output element is a copy of one input element,
  :math:`y_j = x_{p(j)}` along each padded axis, with :math:`p(j)` clamped to the ends
  (``edge``) or mirrored about them without repeating the edge (``reflect``, as NumPy). So
  these are a ``take`` per padded axis, and the gradient adds up the output gradient of all
  copies of an element: :math:`\partial L / \partial x_i = \sum_{j: p(j) = i}
  \partial L / \partial y_j`.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, as_array, as_variable, get_array_module
from gradkit.arithmetic import getitem
from gradkit.testing import Unchecked, op_spec
from gradkit_ops.array.take import Take

__all__ = ["PadConstant", "pad"]

_MODES = ("constant", "edge", "reflect")


class PadConstant(FunctionNode):
    """Pad with the constant ``value``; ``pairs`` holds ``(before, after)`` per axis."""

    def __init__(self, pairs: tuple[tuple[int, int], ...], value: float) -> None:
        self.pairs = pairs
        self.value = value

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        xp = get_array_module(x)
        shape = tuple(b + n + a for n, (b, a) in zip(x.shape, self.pairs, strict=True))
        self.inner = tuple(slice(b, b + n) for n, (b, _) in zip(x.shape, self.pairs, strict=True))
        y = xp.full(shape, self.value, dtype=x.dtype, device=x.device)
        y[(*self.inner, Ellipsis)] = x
        return (y,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return (getitem(grad_outputs[0], self.inner),)


def _source_positions(xp: Any, n: int, before: int, after: int, mode: str, device: Any) -> Any:
    """For each output position along one axis, the input position it copies."""
    pos = xp.arange(-before, n + after, dtype=xp.int64, device=device)
    if mode == "edge" or n == 1:
        return xp.clip(pos, 0, n - 1)
    period = 2 * (n - 1)
    pos = xp.remainder(pos, period)
    return xp.where(pos >= n, period - pos, pos)


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0) -> Variable:
    """Pad ``x`` as NumPy's ``pad`` does, with ``mode`` one of ``"constant"``, ``"edge"``
    and ``"reflect"``.

    ``pad_width`` is an int (the same before and after every axis), a pair
    ``(before, after)`` for every axis, or one pair per axis.

    >>> import numpy as np
    >>> from gradkit_ops.array import pad
    >>> pad(np.array([1.0, 2.0, 3.0]), (2, 1), mode="reflect").array
    array([3., 2., 1., 2., 3., 2.])
    """
    if mode not in _MODES:
        raise ValueError(f"pad: mode {mode!r} is not one of {_MODES}")
    try:
        widths = numpy.broadcast_to(numpy.asarray(pad_width, dtype=numpy.int64), (x.ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: pad_width {pad_width!r} does not fit an array of {x.ndim} dimensions; give "
            "an int, a (before, after) pair, or one pair per axis"
        ) from None
    if (widths < 0).any():
        raise ValueError(f"pad: pad_width {pad_width!r} has a negative width")
    pairs = tuple((int(b), int(a)) for b, a in widths)
    if mode == "constant":
        return PadConstant(pairs, constant_values).apply((x,))[0]
    y = x
    xp = get_array_module(x)
    for axis, (before, after) in enumerate(pairs):
        if before == 0 and after == 0:
            continue
        n = x.shape[axis]
        if n == 0:
            raise ValueError(f"pad: mode {mode!r} cannot pad axis {axis}, which is empty")
        positions = _source_positions(xp, n, before, after, mode, as_array(x).device)
        y = Take(positions, axis).apply((y,))[0]
    return as_variable(y)


op_spec(
    name="pad",
    kwargs={"pad_width": 1, "constant_values": 0.5},
    shapes=[(3, 4), (), "3x4nc", (0, 3)],
    reference=lambda x: numpy.pad(x, 1, constant_values=0.5),
)(pad)
op_spec(
    name="pad.edge",
    kwargs={"pad_width": ((1, 2), (2, 1)), "mode": "edge"},
    shapes=[(3, 4), "3x4nc", (1, 2)],
    reference=lambda x: numpy.pad(x, ((1, 2), (2, 1)), "edge"),
)(pad)
# Widths past the axis length reflect more than once.
op_spec(
    name="pad.reflect",
    kwargs={"pad_width": ((2, 2), (3, 5)), "mode": "reflect"},
    shapes=[(3, 4), "3x4nc", (1, 2)],
    reference=lambda x: numpy.pad(x, ((2, 2), (3, 5)), "reflect"),
)(pad)
PadConstant.spec = Unchecked("built and checked by pad(), which has the specs")
