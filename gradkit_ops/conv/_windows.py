r"""Sliding windows over the trailing spatial axes: the geometry shared by unfold, fold,
convolution and pooling.

Along one spatial axis of length :math:`n`, padded by :math:`p_{lo}` before and
:math:`p_{hi}` after, a kernel of :math:`k` taps with dilation :math:`d` and stride :math:`s`
has :math:`\lfloor (n + p_{lo} + p_{hi} - d(k - 1) - 1) / s \rfloor + 1` positions; tap
:math:`i` of window :math:`o` reads the padded position :math:`o s + i d`. So for a fixed tap
the windows read a strided slice of the padded array, and every op here is a loop over the
:math:`\prod k` taps of slices (a gather) or of slice-adds (its adjoint), never a loop over
windows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["IntOrTuple", "Windows", "as_tuple", "make_windows", "pad_array", "check_batched"]

#: A size, stride, padding or dilation: one int for every spatial axis, or one int per axis.
IntOrTuple = int | tuple[int, ...]


def as_tuple(op: str, name: str, value: Any, nd: int, minimum: int) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``nd`` ints, each ``>= minimum``) as an ``nd``-tuple.

    >>> as_tuple("conv2d", "stride", 2, 2, 1)
    (2, 2)
    """
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or {nd} ints; got {value!r}")
    if isinstance(value, int):
        values: tuple[Any, ...] = (value,) * nd
    elif isinstance(value, Sequence) and not isinstance(value, str):
        values = tuple(value)
    else:
        raise TypeError(f"{op}: {name} must be an int or {nd} ints; got {value!r}")
    if len(values) != nd or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{op}: {name} must be an int or {nd} ints; got {value!r}")
    if any(v < minimum for v in values):
        raise ValueError(f"{op}: {name} must be >= {minimum}; got {value!r}")
    return tuple(int(v) for v in values)


@dataclass(frozen=True)
class Windows:
    """The windows of a kernel over the trailing ``len(kernel)`` axes of an array.

    Attributes:
        in_size: the spatial shape of the (unpadded) input.
        kernel: taps per axis.
        stride: step between windows per axis.
        pad_lo, pad_hi: padding before and after, per axis.
        dilation: step between taps per axis.
        out_size: windows per axis.
    """

    in_size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    pad_lo: tuple[int, ...]
    pad_hi: tuple[int, ...]
    dilation: tuple[int, ...]
    out_size: tuple[int, ...]

    @property
    def taps(self) -> int:
        r"""The number of taps of one window, :math:`\prod k`."""
        return math.prod(self.kernel)

    @property
    def padded_size(self) -> tuple[int, ...]:
        """The spatial shape of the padded input."""
        return tuple(
            n + lo + hi for n, lo, hi in zip(self.in_size, self.pad_lo, self.pad_hi, strict=True)
        )

    @property
    def padded(self) -> bool:
        """Whether any axis is padded."""
        return any(self.pad_lo) or any(self.pad_hi)

    @property
    def inner(self) -> tuple[slice, ...]:
        """The spatial slices of the padded array that hold the input."""
        return tuple(slice(lo, lo + n) for n, lo in zip(self.in_size, self.pad_lo, strict=True))

    @property
    def disjoint(self) -> bool:
        """Whether no padded position is read by two taps (each window's span fits in a
        stride), so the adjoint may assign slices instead of adding them."""
        return all(
            d * (k - 1) < s for k, s, d in zip(self.kernel, self.stride, self.dilation, strict=True)
        )

    @property
    def tiling(self) -> bool:
        """Whether every padded position is read by exactly one tap."""
        return all(
            k == s and d == 1 and o * s == p
            for k, s, d, o, p in zip(
                self.kernel,
                self.stride,
                self.dilation,
                self.out_size,
                self.padded_size,
                strict=True,
            )
        )

    def tap_slices(self) -> list[tuple[slice, ...]]:
        """For each tap (in C order over the kernel axes), the spatial slices of the padded
        array that it reads across all windows."""
        per_axis = [
            [slice(i * d, i * d + s * (o - 1) + 1, s) for i in range(k)]
            for k, s, d, o in zip(
                self.kernel, self.stride, self.dilation, self.out_size, strict=True
            )
        ]
        return [tuple(c) for c in itertools.product(*per_axis)]


def make_windows(
    op: str,
    in_size: tuple[int, ...],
    kernel_size: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    ceil_mode: bool = False,
) -> Windows:
    """The windows of a kernel over an input of spatial shape ``in_size``, with symmetric
    ``padding``. With ``ceil_mode``, a last partial window is kept when it starts inside the
    input or its left padding (as PyTorch), by padding more after."""
    nd = len(in_size)
    kernel = as_tuple(op, "kernel_size", kernel_size, nd, 1)
    stride_t = as_tuple(op, "stride", stride, nd, 1)
    pad = as_tuple(op, "padding", padding, nd, 0)
    dil = as_tuple(op, "dilation", dilation, nd, 1)
    pad_hi = list(pad)
    out = []
    for a, (n, k, s, p, d) in enumerate(zip(in_size, kernel, stride_t, pad, dil, strict=True)):
        span = n + 2 * p - d * (k - 1) - 1
        if span < 0:
            raise ValueError(
                f"{op}: the kernel (size {k}, dilation {d}) is larger than spatial axis {a} of "
                f"length {n} padded by {p} on both sides"
            )
        if ceil_mode:
            o = -(-span // s) + 1
            if (o - 1) * s >= n + p:  # the last window would start in the right padding
                o -= 1
            pad_hi[a] = max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)
        else:
            o = span // s + 1
        out.append(o)
    return Windows(tuple(in_size), kernel, stride_t, pad, tuple(pad_hi), dil, tuple(out))


def pad_array(xp: Any, x: Any, windows: Windows, value: float = 0.0) -> Any:
    """``x`` padded on its spatial axes with ``value`` (``x`` itself when unpadded)."""
    if not windows.padded:
        return x
    lead = x.shape[: x.ndim - len(windows.in_size)]
    out = xp.full((*lead, *windows.padded_size), value, dtype=x.dtype, device=x.device)
    out[(..., *windows.inner)] = x
    return out


def check_batched(op: str, x: Any, nd: int) -> None:
    """Raise unless ``x`` has the shape ``(N, C, *spatial)`` with ``nd`` spatial axes."""
    if x.ndim != nd + 2:
        raise ValueError(
            f"{op}: expected an input of shape (N, C{', *spatial' if nd else ''}) with {nd} "
            f"spatial axes ({nd + 2} dimensions); got shape {tuple(x.shape)}"
        )
