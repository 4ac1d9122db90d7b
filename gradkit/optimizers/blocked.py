"""Parameter updates done in cache-sized blocks on NumPy.

Written plainly, ``p -= lr * g`` makes a temporary array as large as the parameter. When the
parameter is larger than the CPU's cache, that temporary goes out to memory and comes back:
five passes of memory traffic per element (read ``g``, write and read the temporary, read and
write ``p``) where three would do. :func:`subtract_scaled` does the same arithmetic in
blocks of :data:`BLOCK_BYTES`, so the temporary stays in the cache. Each element goes
through the same operations in the same dtype, so the result is bit for bit the plain one.

Anything else (another namespace, a non-contiguous array, overlapping memory, a scale that
is not a Python number) takes the plain expression: on a GPU the temporary is cheap, and
the plain expression defines the result.

>>> import numpy as np
>>> p = np.ones(100_000, dtype=np.float32)
>>> subtract_scaled(p, np.full_like(p, 2.0), 0.25)
>>> float(p[0]), float(p[-1])
(0.5, 0.5)
"""

from __future__ import annotations

import threading
from typing import Any

import numpy

__all__ = ["BLOCK_BYTES", "subtract_scaled"]

#: The size of one block: small enough for the L2 cache of current CPUs, large enough that
#: the two NumPy calls per block cost little next to the work.
BLOCK_BYTES = 256 * 1024

_ndarray = numpy.ndarray
_multiply = numpy.multiply
_subtract = numpy.subtract
_scratch = threading.local()  # per thread: dtype -> a 1-d array of BLOCK_BYTES


def _scratch_for(dtype: numpy.dtype) -> numpy.ndarray:
    buffers = getattr(_scratch, "buffers", None)
    if buffers is None:
        buffers = _scratch.buffers = {}
    buf = buffers.get(dtype)
    if buf is None:
        buf = buffers[dtype] = numpy.empty(BLOCK_BYTES // dtype.itemsize, dtype=dtype)
    return buf


def subtract_scaled(p: Any, g: Any, scale: Any) -> None:
    """``p -= scale * g`` in place (see the module docstring for why in blocks)."""
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
        and not numpy.may_share_memory(p, g)
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
