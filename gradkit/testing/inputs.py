"""Input arrays for a case: drawn on the host from a spec's input generators, then placed.

Values are drawn with a seeded :class:`numpy.random.Generator` in float64 and cast to the case
dtype, so a case's inputs depend only on its seed. Float inputs are uniform over their
domain less a margin around each declared kink; integer inputs uniform over their range.
Placing sends the arrays to the case's device and, for a non-contiguous case, makes each one
a strided view (every other element of the last axis of a twice-as-wide array, whose other
elements are NaN, so an op that ignores strides shows it).

>>> import numpy as np
>>> from gradkit.testing import Input, OpSpec
>>> from gradkit.testing.inputs import draw_inputs, place_inputs
>>> from gradkit.testing.shapes import ShapeCase
>>> spec = OpSpec(inputs=[Input(domain=(0.5, 2.0)), Input(dtype="int64", domain=(0, 3))])
>>> x, i = draw_inputs(spec, ShapeCase.parse((2, 3)), "float32", np.random.default_rng(0))
>>> x.dtype, i.dtype, bool(((x >= 0.5) & (x <= 2.0)).all())
(dtype('float32'), dtype('int64'), True)
>>> (v,) = place_inputs([x[0]], "cpu", noncontiguous=True)
>>> v.flags.c_contiguous, bool((v == x[0]).all())
(False, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy

from gradkit.device import get_device
from gradkit.testing.shapes import Shape, ShapeCase
from gradkit.testing.spec import Input, OpSpec

__all__ = ["draw_input", "draw_inputs", "place_inputs", "input_dtype"]


def input_dtype(inp: Input, case_dtype: str) -> str:
    """The dtype name of ``inp`` in a case of dtype ``case_dtype``."""
    return case_dtype if inp.dtype is None else inp.dtype


def draw_input(inp: Input, shape: Shape, dtype: str, rng: numpy.random.Generator) -> Any:
    """Draw one host (NumPy) array for ``inp`` of ``shape`` and dtype name ``dtype``."""
    kind = numpy.dtype(dtype).kind
    if inp.values is not None:
        out = numpy.asarray(inp.values(rng, shape, dtype), dtype=dtype)
        if out.shape != tuple(shape):
            raise ValueError(
                f"Input(values=...) returned shape {out.shape} for requested shape {shape}"
            )
        return out
    if kind == "b":
        return rng.random(shape) < 0.5
    if kind in "iu":
        low, high = inp.domain  # type: ignore[misc]  # validated: integer inputs have one
        return rng.integers(int(low), int(high), size=shape, dtype=dtype)
    intervals = inp.sampling_intervals
    if len(intervals) == 1:
        (low, high), piece = intervals[0], None
        values = rng.uniform(low, high, size=shape)
    else:
        lengths = numpy.array([hi - lo for lo, hi in intervals])
        piece = rng.choice(len(intervals), size=shape, p=lengths / lengths.sum())
        lows = numpy.array([lo for lo, _ in intervals])[piece]
        values = lows + rng.random(shape) * lengths[piece]
    return numpy.asarray(values, dtype=dtype)


def draw_inputs(
    spec: OpSpec, case: ShapeCase, dtype: str, rng: numpy.random.Generator
) -> tuple[Any, ...]:
    """Draw the host (NumPy, contiguous) inputs of ``spec`` for a shape case and dtype."""
    shapes = spec.input_shapes(case)
    return tuple(
        draw_input(inp, shape, input_dtype(inp, dtype), rng)
        for inp, shape in zip(spec.inputs, shapes, strict=True)
    )


def _strided(host: Any) -> Any:
    """A twice-as-wide array (NaN or zero elsewhere) and the every-other-column view of it."""
    wide_shape = (*host.shape[:-1], 2 * host.shape[-1])
    fill = numpy.nan if host.dtype.kind == "f" else 0
    wide = numpy.full(wide_shape, fill, dtype=host.dtype)
    wide[..., ::2] = host
    return wide


def place_inputs(arrays: Sequence[Any], device: str, *, noncontiguous: bool = False) -> list[Any]:
    """Send host ``arrays`` to ``device`` (a name); with ``noncontiguous``, as strided views.

    Raises ``ValueError`` when the device is not available (see :func:`gradkit.get_device`).
    """
    dev = get_device(device)
    if not noncontiguous:
        return [dev.send(numpy.array(a, copy=True)) for a in arrays]
    placed = []
    for a in arrays:
        a = numpy.asarray(a)
        if a.ndim == 0 or a.shape[-1] < 2:
            placed.append(dev.send(numpy.array(a, copy=True)))
        else:
            placed.append(dev.send(_strided(a))[..., ::2])
    return placed
