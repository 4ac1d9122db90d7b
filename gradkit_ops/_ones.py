"""Cached read-only vectors of ones: the constant operand of sums computed as products.

On NumPy, summing an ``(m, n)`` array over one axis as a matrix-vector product with a vector of
ones runs in BLAS, about twice as fast as ``numpy.sum`` along that axis for the sizes of
neural-network layers. The ops that do so (linear's bias gradient, the group sums of the
normalizations, softmax's row sums) share these vectors. NumPy only: other namespaces keep
their own ``sum``.
"""

from __future__ import annotations

from typing import Any

import numpy

__all__ = ["ones_vector"]

_CACHE: dict[tuple[int, str], numpy.ndarray] = {}
_LIMIT = 64


def ones_vector(n: int, dtype: Any) -> numpy.ndarray:
    """A read-only NumPy vector of ``n`` ones of ``dtype``, kept for the next call.

    >>> v = ones_vector(3, numpy.dtype("float32"))
    >>> v, v is ones_vector(3, numpy.dtype("float32")), v.flags.writeable
    (array([1., 1., 1.], dtype=float32), True, False)
    """
    dtype = numpy.dtype(dtype)
    key = (n, dtype.char)
    ones = _CACHE.get(key)
    if ones is None:
        if len(_CACHE) >= _LIMIT:
            _CACHE.clear()
        ones = _CACHE[key] = numpy.ones(n, dtype=dtype)
        ones.flags.writeable = False
    return ones
