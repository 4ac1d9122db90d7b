"""Elementwise parameter updates done in cache-sized blocks on NumPy.

An update rule is a short sequence of in-place elementwise operations over the parameter, its
gradient, its state and a scratch array. Written over the whole arrays, each operation is one
pass through memory once the arrays are larger than the CPU's cache: Adam makes about fifteen.
Since every operation is elementwise, the same sequence can run block by block over
corresponding views of the arrays instead, with a block-sized scratch: each block stays in the
cache while the whole sequence runs on it, and every array goes through memory once. Each
element goes through the same operations in the same dtype and order, so the result is bit for
bit the one over the whole arrays.

:func:`block_views` gives those corresponding blocks (or ``None`` where blocks would not give
the same result: another namespace, a layout that is not C-contiguous, overlapping memory);
:func:`subtract_scaled` is ``p -= scale * g`` done so. The scratch belongs to the calling
thread, so threads may update parameters at the same time.

>>> import numpy as np
>>> p = np.ones(100_000, dtype=np.float32)
>>> subtract_scaled(p, np.full_like(p, 2.0), 0.25)
>>> float(p[0]), float(p[-1])
(0.5, 0.5)
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

import numpy

__all__ = ["BLOCK_BYTES", "block_views", "subtract_scaled"]

#: The size of one block of one array: small enough that the blocks of a rule's five or six
#: arrays fit the L2 cache of current CPUs (1-2 MiB) together, large enough that the NumPy
#: calls per block cost little next to the work. (Adam's update of a 784-512-512-10 MLP was
#: fastest at 256 KiB, and within 5% from 128 to 512 KiB.)
BLOCK_BYTES = 256 * 1024

_ndarray = numpy.ndarray
_may_share_memory = numpy.may_share_memory
_multiply = numpy.multiply
_subtract = numpy.subtract
_scratch = threading.local()  # per thread: dtype -> a 1-d array of BLOCK_BYTES


def _scratch_for(dtype: numpy.dtype) -> numpy.ndarray:
    buffers = getattr(_scratch, "buffers", None)
    if buffers is None:
        buffers = _scratch.buffers = {}
    buf = buffers.get(dtype)
    if buf is None:
        buf = buffers[dtype] = numpy.empty(max(BLOCK_BYTES // dtype.itemsize, 1), dtype=dtype)
    return buf


def block_views(*arrays: Any) -> Iterable[tuple[numpy.ndarray, ...]] | None:
    """Corresponding blocks of ``arrays``, each with a scratch block, for an elementwise
    in-place sequence of operations to run on block after block; ``None`` where it cannot.

    Each item is a tuple of one view per array, then a scratch array of the first array's
    dtype and of the views' shape (its values are garbage). Running an elementwise sequence
    on every item in turn leaves the arrays as running it once over the whole arrays, with a
    scratch array like the first, would: bit for bit.

    - An array of at most one block (:data:`BLOCK_BYTES`) comes whole, in one item; only
      the scratch is new.
    - Larger arrays come as flat views of one block each (the last one shorter), when every
      array is C-contiguous, all have one shape and one dtype, and no two share memory.
    - ``None`` when an array is not a NumPy ndarray, or the arrays are large and not as
      above: the caller then runs its sequence once, over the whole arrays.

    The scratch belongs to the calling thread and is shared by every call on that thread:
    finish one loop before starting another.

    >>> import numpy as np
    >>> p, g = np.ones((512, 784), dtype=np.float32), np.full((512, 784), 2.0, np.float32)
    >>> for p_part, g_part, scratch in block_views(p, g):  # p -= 0.5 * g, in blocks
    ...     scratch[...] = g_part
    ...     scratch *= 0.5
    ...     p_part -= scratch
    >>> float(p.min()), float(p.max())
    (0.0, 0.0)
    >>> block_views(p.T, g.T) is None  # transposed views are not C-contiguous
    True
    """
    first = arrays[0]
    for a in arrays:
        if type(a) is not _ndarray:
            return None
    scratch = _scratch_for(first.dtype)
    block = scratch.size
    n = first.size
    if n <= block:
        return ((*arrays, scratch[:n].reshape(first.shape)),)
    shape, dtype = first.shape, first.dtype
    for i, a in enumerate(arrays):
        if a.shape != shape or a.dtype is not dtype or not a.flags.c_contiguous:
            return None
        for b in arrays[i + 1 :]:
            if _may_share_memory(a, b):
                return None
    return _blocks([a.reshape(-1) for a in arrays], scratch, n)


def _blocks(
    flats: list[numpy.ndarray], scratch: numpy.ndarray, n: int
) -> Iterator[tuple[numpy.ndarray, ...]]:
    block = scratch.size
    for start in range(0, n, block):
        stop = start + block
        if stop > n:
            stop = n
            scratch = scratch[: stop - start]
        yield (*[f[start:stop] for f in flats], scratch)


def subtract_scaled(p: Any, g: Any, scale: Any) -> None:
    """``p -= scale * g`` in place (see the module docstring for why in blocks).

    Blocks are used for C-contiguous NumPy arrays of one shape and dtype, larger than one
    block and not overlapping, and a Python ``float`` or ``int`` scale; anything else takes
    the plain expression (on a GPU its temporary is cheap, and a NumPy scalar scale may
    promote the arithmetic to another dtype).
    """
    # Its own loop rather than block_views(): with two operations per block, the generic
    # loop's cost per block made SGD's update 3-4% slower.
    if (
        type(p) is _ndarray
        and type(g) is _ndarray
        and p.nbytes > BLOCK_BYTES
        and (type(scale) is float or type(scale) is int)
        and p.dtype is g.dtype
        and p.shape == g.shape
        and p.flags.c_contiguous
        and g.flags.c_contiguous
        and p.flags.writeable
        and not _may_share_memory(p, g)
    ):
        buf = _scratch_for(p.dtype)
        block = buf.size
        flat_p = p.reshape(-1)  # views: both are contiguous
        flat_g = g.reshape(-1)
        n = flat_p.size
        for start in range(0, n, block):
            stop = start + block
            if stop > n:
                stop = n
                buf = buf[: stop - start]
            part = flat_p[start:stop]
            _multiply(flat_g[start:stop], scale, out=buf)
            _subtract(part, buf, out=part)
        return
    p -= scale * g
