"""Backend-table entries of the linear-algebra and loss ops: what the array API standard lacks.

Importing this module registers one implementation per namespace in :mod:`gradkit.backend`'s
table (CuPy is imported on first use, never at import; ``array_api_strict`` goes through the
host explicitly, like the table's ``scatter_add``, and sends the result back to the arrays'
device, as a GPU kernel's result would be):

* ``einsum``: not in the standard (its ``linalg`` extension has ``det``, ``inv``, ``solve``,
  ``cholesky`` and ``slogdet``, which ops call as ``xp.linalg.*`` directly). Every
  implementation takes explicit subscripts (with ``->``, without ``...``) and returns an array
  of the operands' namespace, dtype and device, 0-d arrays included.
* ``scatter_add_into``: ``scatter_add`` into an array the caller owns and gives up, without
  the copy (the standard has no in-place scatter; its ``__setitem__`` takes no integer
  arrays). NumPy and CuPy add in place and return the array itself; array_api_strict returns a
  new array. A fused gradient that builds its result and then adds at a few indices saves a
  full copy of it (on the host, a fresh large array costs its page faults too).

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

__all__ = ["einsum", "scatter_add_into", "OPTIMIZE_MIN_SIZE"]

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


def scatter_add_into(array: Any, index: Any, values: Any) -> Any:
    """Add ``values`` at ``index`` (repeated indices add up) into ``array``, which the caller
    owns and must not use afterwards: use the returned array (``array`` itself, modified in
    place, on NumPy and CuPy; a new array on array_api_strict).

    >>> import numpy as np
    >>> a = np.zeros(3)
    >>> scatter_add_into(a, (np.array([0, 0, 2]),), np.ones(3))
    array([2., 0., 1.])
    """
    return backend_function("scatter_add_into", get_array_module(array))(array, index, values)


def _numpy_scatter_add_into(array: Any, index: Any, values: Any) -> Any:
    numpy.add.at(array, index, values)
    return array


def _cupy_scatter_add_into(array: Any, index: Any, values: Any) -> Any:
    import cupyx

    cupyx.scatter_add(array, index, values)
    return array


def _strict_scatter_add_into(array: Any, index: Any, values: Any) -> Any:
    # No in-place scatter on array_api_strict: through the host, as the table's scatter_add.
    import array_api_strict as xp

    def host(a: Any) -> Any:
        return to_numpy(a) if type(a).__module__.startswith("array_api_strict") else a

    host_index = tuple(host(i) for i in index) if isinstance(index, tuple) else host(index)
    out = numpy.array(to_numpy(array))
    numpy.add.at(out, host_index, to_numpy(values))
    return xp.asarray(out, device=array.device)


register_backend_function("einsum", "numpy", _numpy_einsum)
register_backend_function("einsum", "cupy", _cupy_einsum)
register_backend_function("einsum", "array_api_strict", _strict_einsum)
register_backend_function("scatter_add_into", "numpy", _numpy_scatter_add_into)
register_backend_function("scatter_add_into", "cupy", _cupy_scatter_add_into)
register_backend_function("scatter_add_into", "array_api_strict", _strict_scatter_add_into)
