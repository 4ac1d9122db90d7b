"""The invariants checked on every run, whatever the gradient values.

Structure of the gradients (count, shape, dtype, device), no gradient for integer inputs,
inputs and grad_outputs left unchanged (by comparing with snapshots taken before),
repeatable backward, and zero gradients for a zero grad_output. Each helper returns
``None`` when the invariant holds, or a :class:`Violation` naming the sub-check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy

from gradkit.backend import to_numpy
from gradkit.check.tolerance import dtype_name
from gradkit.device import get_device_from_array

__all__ = [
    "Violation",
    "classify_backward_error",
    "check_gradient_structure",
    "find_mutations",
    "compare_repeated",
    "check_zero_gradients",
]


@dataclass(frozen=True)
class Violation:
    """A broken invariant: the sub-check, a one-line message, and a diagnosis."""

    subcheck: str
    message: str
    diagnosis: str | None = None
    slot: int | None = None
    index: tuple[int, ...] | None = None


# The engine's BackwardResultError messages, matched to sub-checks (first match wins).
_ENGINE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"integer input", "int_input_grad"),
    (r"gradient of shape", "grad_shape"),
    (r"gradient on device", "grad_device"),
    (r"gradient of dtype", "grad_dtype"),
    (r"returned \d+ gradients|must return a tuple|returned a \w+; it must", "grad_count"),
    (r"as the gradient of input", "grad_dtype"),
)

_DIAGNOSES = {
    "int_input_grad": "a floating gradient is returned for an integer input; return None for it",
    "grad_shape": "wrong gradient shape (e.g. a broadcast gradient not summed back with sum_to)",
    "grad_dtype": "wrong gradient dtype (e.g. an array created without dtype=x.dtype)",
    "grad_device": "gradient on the wrong device (create arrays with device=x.device)",
    "grad_count": "wrong number of gradients: return one (or None) per input, in order",
}


def classify_backward_error(exc: BaseException) -> Violation:
    """Turn the engine's :class:`~gradkit.BackwardResultError` into a sub-check violation.

    Uses the error's ``subcheck`` attribute when the engine sets one, else its message.
    """
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    subcheck = getattr(exc, "subcheck", None)
    if not isinstance(subcheck, str):
        subcheck = "grad_count"
        for pattern, name in _ENGINE_PATTERNS:
            if re.search(pattern, message):
                subcheck = name
                break
    index = re.search(r"for input (\d+)", message)
    slot = int(index.group(1)) if index else None
    return Violation(subcheck, message, _DIAGNOSES.get(subcheck), slot)


def check_gradient_structure(
    label: str,
    names: Sequence[str],
    slots: Sequence[int],
    grads: Sequence[Any],
    arrays: Sequence[Any],
) -> Violation | None:
    """Each gradient (array or None) must have its slot's shape, dtype and device."""
    for k, g in zip(slots, grads, strict=True):
        if g is None:
            continue
        x = arrays[k]
        where = f"{label}: gradient of {names[k]}"
        if tuple(g.shape) != tuple(x.shape):
            return Violation(
                "grad_shape",
                f"{where} has shape {tuple(g.shape)}, its input has shape {tuple(x.shape)}",
                _DIAGNOSES["grad_shape"],
                k,
            )
        if dtype_name(g.dtype) != dtype_name(x.dtype):
            return Violation(
                "grad_dtype",
                f"{where} has dtype {dtype_name(g.dtype)}, its input {dtype_name(x.dtype)}",
                _DIAGNOSES["grad_dtype"],
                k,
            )
        gd, xd = get_device_from_array(g), get_device_from_array(x)
        if gd != xd:
            return Violation(
                "grad_device",
                f"{where} is on device {gd}, its input on {xd}",
                _DIAGNOSES["grad_device"],
                k,
            )
    return None


def _first_difference(before: numpy.ndarray, after: numpy.ndarray) -> tuple[int, ...]:
    both_nan = numpy.isnan(before) & numpy.isnan(after) if before.dtype.kind in "fc" else False
    diff = (before != after) & ~both_nan
    return tuple(int(i) for i in numpy.argwhere(diff)[0]) if diff.any() else ()


def find_mutations(
    snapshots: Sequence[Any], arrays: Sequence[Any]
) -> list[tuple[int, tuple[int, ...]]]:
    """Slots whose array differs from its snapshot (in value, NaN equal to NaN), with the
    index of the first changed element."""
    changed = []
    for k, (before, after) in enumerate(zip(snapshots, arrays, strict=True)):
        if (
            type(before) is numpy.ndarray
            and type(after) is numpy.ndarray
            and before.shape == after.shape
            and before.tobytes() == after.tobytes()
        ):
            continue  # the fast path: bitwise equal
        b, a = to_numpy(before), to_numpy(after)
        if b.shape != a.shape:
            changed.append((k, ()))
        elif not numpy.array_equal(b, a, equal_nan=b.dtype.kind in "fc"):
            changed.append((k, _first_difference(b, a)))
    return changed


def compare_repeated(
    first: Sequence[numpy.ndarray], second: Sequence[numpy.ndarray], nondet_tol: float | None
) -> tuple[int, tuple[int, ...], float] | None:
    """Where two runs of backward differ by more than ``nondet_tol`` (bitwise when None):
    ``(position in the lists, element index, difference)`` of the largest difference."""
    worst = None
    for j, (a, b) in enumerate(zip(first, second, strict=True)):
        if a.size == 0 or (a.shape == b.shape and a.tobytes() == b.tobytes()):
            continue  # bitwise equal (the common case, and the cheap test)
        same = (a == b) | (numpy.isnan(a) & numpy.isnan(b))
        diff = numpy.where(same, 0.0, numpy.abs(a - b))
        diff = numpy.where(numpy.isnan(diff), numpy.inf, diff)
        flat = int(numpy.argmax(diff))
        value = float(diff.flat[flat])
        limit = 0.0 if nondet_tol is None else nondet_tol
        if value > limit and (worst is None or value > worst[2]):
            worst = (j, tuple(int(i) for i in numpy.unravel_index(flat, a.shape)), value)
    return worst


def check_zero_gradients(
    zero_grads: Sequence[numpy.ndarray], grads: Sequence[numpy.ndarray]
) -> tuple[int, tuple[int, ...], float] | None:
    """With every grad_output zero, each gradient must be zero wherever the gradient for the
    real grad_output is finite. Returns ``(position, index, value)`` of the largest offender."""
    worst = None
    for j, (z, g) in enumerate(zip(zero_grads, grads, strict=True)):
        if z.size == 0:
            continue
        bad = numpy.where(numpy.isfinite(g), numpy.abs(z), 0.0)
        bad = numpy.where(numpy.isnan(bad), numpy.inf, bad)
        flat = int(numpy.argmax(bad))
        value = float(bad.flat[flat])
        if value > 0 and (worst is None or value > worst[2]):
            worst = (j, tuple(int(i) for i in numpy.unravel_index(flat, z.shape)), value)
    return worst
