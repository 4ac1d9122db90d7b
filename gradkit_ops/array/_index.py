"""Index arrays for the gathering ops: brought to the data's namespace and device, checked to
hold integers, negative entries wrapped."""

from __future__ import annotations

from typing import Any

import numpy

import gradkit
from gradkit import DeviceMismatchError, Variable

__all__ = ["as_index_array", "normalize_axis_index"]


def as_index_array(indices: Any, like: Any, op: str, size: int | None = None) -> Any:
    """Return ``indices`` as an int64 array of ``like``'s namespace and device.

    Python ints, lists and NumPy arrays are host data and are sent to ``like``'s device; an
    array of another device is refused, as a GPU would. With ``size``, negative indices are
    wrapped (``-1`` is ``size - 1``) and out-of-range ones rejected.
    """
    if isinstance(indices, Variable):
        indices = indices.array
    data = like.array if isinstance(like, Variable) else like
    xp = gradkit.get_array_module(data)
    if not gradkit.is_array(indices) or (isinstance(indices, numpy.ndarray) and xp is not numpy):
        host = numpy.asarray(indices)
        if host.dtype.kind not in "iu" and host.size:
            raise TypeError(f"{op}: indices must be integers; got dtype {host.dtype}")
        if host.dtype.kind == "b":
            raise TypeError(f"{op}: indices must be integers, not booleans")
        indices = xp.asarray(host.astype(numpy.int64), dtype=xp.int64, device=data.device)
    else:
        if gradkit.get_array_module(indices) is not xp or indices.device != data.device:
            raise DeviceMismatchError(
                f"{op}: the indices are on {gradkit.get_device_from_array(indices)} but the "
                f"data is on {gradkit.get_device_from_array(data)}; move them to one device"
            )
        if not xp.isdtype(indices.dtype, "integral"):
            raise TypeError(f"{op}: indices must be integers; got dtype {indices.dtype}")
        if indices.dtype != xp.int64:
            indices = xp.astype(indices, xp.int64)
    if size is not None and indices.size:
        lo, hi = -size, size
        if bool(xp.any(indices < lo)) or bool(xp.any(indices >= hi)):
            raise IndexError(f"{op}: an index is out of range for an axis of size {size}")
        indices = xp.where(indices < 0, indices + size, indices)
    return indices


def normalize_axis_index(axis: int, ndim: int, op: str) -> int:
    """``axis`` as a non-negative int, checked against ``ndim``."""
    if not isinstance(axis, int | numpy.integer) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int; got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of bounds for an array of {ndim} dimensions")
    return int(axis) % ndim
