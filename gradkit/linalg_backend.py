"""Backend-table entries of the linear-algebra ops: what the array API standard lacks.

Importing this module registers one implementation per namespace in :mod:`gradkit.backend`'s
table (CuPy is imported on first use, never at import; ``array_api_strict`` goes through the
host explicitly, like the table's ``scatter_add``, and sends the result back to the arrays'
device, as a GPU kernel's result would be):

* ``einsum``: not in the standard (its ``linalg`` extension has ``det``, ``inv``, ``solve``,
  ``cholesky`` and ``slogdet``, which ops call as ``xp.linalg.*`` directly). Every
  implementation takes explicit subscripts (with ``->``, without ``...``) and returns an array
  of the operands' namespace, dtype and device, 0-d arrays included.

>>> import numpy as np
>>> from gradkit.linalg_backend import einsum
>>> einsum("ij,jk->ik", np.eye(2), np.arange(4.0).reshape(2, 2))
array([[0., 1.],
       [2., 3.]])
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit.backend import backend_function, get_array_module, register_backend_function, to_numpy

__all__ = ["einsum", "OPTIMIZE_MIN_SIZE"]

#: Contract through BLAS (``optimize=True``) from this many elements of the operands on:
#: NumPy's own loops are faster for small operands, where finding a path costs more.
OPTIMIZE_MIN_SIZE = 4096


def _optimize(operands: tuple[Any, ...]) -> bool:
    if len(operands) > 2:
        return True
    return len(operands) == 2 and sum(int(numpy.prod(o.shape)) for o in operands) >= (
        OPTIMIZE_MIN_SIZE
    )


def einsum(subscripts: str, *operands: Any) -> Any:
    """Einstein summation of ``operands`` on their namespace and device, through the table.

    ``subscripts`` is explicit (``"ij,jk->ik"``); all operands share one namespace.
    """
    return backend_function("einsum", get_array_module(operands[0]))(subscripts, *operands)


def _numpy_einsum(subscripts: str, *operands: Any) -> Any:
    out = numpy.einsum(subscripts, *operands, optimize=_optimize(operands))
    return numpy.asarray(out)  # a 0-d result comes back as a NumPy scalar


def _cupy_einsum(subscripts: str, *operands: Any) -> Any:
    import cupy

    return cupy.einsum(subscripts, *operands)


def _strict_einsum(subscripts: str, *operands: Any) -> Any:
    # array_api_strict has no einsum; go through the host explicitly, then come back to the
    # operands' own device.
    import array_api_strict as xp

    host = [to_numpy(o) for o in operands]
    out = numpy.einsum(subscripts, *host, optimize=_optimize(operands))
    return xp.asarray(numpy.asarray(out), device=operands[0].device)


register_backend_function("einsum", "numpy", _numpy_einsum)
register_backend_function("einsum", "cupy", _cupy_einsum)
register_backend_function("einsum", "array_api_strict", _strict_einsum)
