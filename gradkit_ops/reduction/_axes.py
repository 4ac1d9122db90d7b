"""Axis bookkeeping shared by the reductions: which axes are reduced, and how a gradient of
the reduced shape is stretched back over the input."""

from __future__ import annotations

import math
from typing import Any

from gradkit import Variable
from gradkit.arithmetic import broadcast_to, normalize_axis, reshape

__all__ = ["reduced_axes", "reduced_size", "keepdims_shape", "expand_to_input"]


def reduced_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple of ints) as a sorted tuple of non-negative axes."""
    if ndim == 0 and axis is not None:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        for a in axes:
            if a not in (0, -1):
                raise ValueError(f"axis {a} is out of bounds for an array of 0 dimensions")
        return ()
    return normalize_axis(axis, ndim)


def reduced_size(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    """The number of elements that each reduced value combines."""
    return math.prod(shape[a] for a in axes)


def keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` set to 1 (the shape of ``keepdims=True``)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def expand_to_input(
    gy: Variable, in_shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool
) -> Variable:
    """Broadcast ``gy`` (shaped like the reduction's output) back to the input's shape."""
    kept = keepdims_shape(in_shape, axes)
    if not keepdims:
        gy = reshape(gy, kept)
    return broadcast_to(gy, in_shape)
