"""Array namespaces and the backend table.

An op is written once against the array API standard, with ``xp = get_array_module(x)``.
The lookup is cached by array type, so it costs one dictionary access.

The array API lacks a few operations that ops need (scatter-add first of all). Those live in
one small table here, with one implementation per namespace, and are reached through
:func:`backend_function`; no op special-cases a backend itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

__all__ = [
    "get_array_module",
    "is_array",
    "to_numpy",
    "backend_function",
    "register_backend_function",
    "scatter_add",
    "scatter_add_into",
    "exp_into",
]

# Array type -> namespace. numpy's own namespace follows the array API closely enough since
# numpy 2.0 and is much faster than a wrapper, so it is used as is.
_NAMESPACE_BY_TYPE: dict[type, Any] = {numpy.ndarray: numpy}


def _resolve_namespace(array_type: type) -> Any:
    module = array_type.__module__.split(".")[0]
    if module == "array_api_strict":
        import array_api_strict

        namespace: Any = array_api_strict
    elif module == "cupy":
        # CuPy's main namespace predates the array API (no ``device=`` keywords);
        # array-api-compat's wrapper gives the standard signatures.
        import array_api_compat.cupy

        namespace = array_api_compat.cupy
    elif issubclass(array_type, numpy.generic):
        namespace = numpy
    else:
        return None
    _NAMESPACE_BY_TYPE[array_type] = namespace
    return namespace


def get_array_module(x: Any) -> Any:
    """Return the array namespace of an array or a :class:`~gradkit.Variable`.

    ``numpy`` for NumPy arrays, ``array_api_strict`` for arrays of the ``strict`` device, and
    array-api-compat's CuPy namespace for CuPy arrays.

    >>> import numpy as np, gradkit
    >>> gradkit.get_array_module(np.zeros(2)) is np
    True
    """
    data = getattr(x, "_data", x)  # a Variable exposes its array as ``_data``
    namespace = _NAMESPACE_BY_TYPE.get(type(data))
    if namespace is None:
        namespace = _resolve_namespace(type(data))
        if namespace is None:
            raise TypeError(
                f"{type(x).__name__} is not an array gradkit supports; use a NumPy array, "
                "a CuPy array or an array_api_strict array"
            )
    return namespace


def is_array(x: Any) -> bool:
    """Whether ``x`` is an array of a supported namespace (not a Variable, not a scalar)."""
    t = type(x)
    if t in _NAMESPACE_BY_TYPE:
        return not issubclass(t, numpy.generic)
    return _resolve_namespace(t) is not None and not issubclass(t, numpy.generic)


def to_numpy(array: Any) -> numpy.ndarray:
    """Copy an array of any supported device to a NumPy array, explicitly.

    This is the one sanctioned way to bring data to the host; the ``strict`` device and GPUs
    refuse implicit conversion.
    """
    if isinstance(array, numpy.ndarray):
        return array
    module = type(array).__module__.split(".")[0]
    if module == "array_api_strict":
        import array_api_strict

        return numpy.asarray(array.to_device(array_api_strict.Device("CPU_DEVICE")))
    if module == "cupy":
        return array.get()
    return numpy.asarray(array)


def _is_strict_array(x: Any) -> bool:
    return type(x).__module__.startswith("array_api_strict")


# ----------------------------------------------------------------------------- the table
# name -> namespace name -> implementation
_TABLE: dict[str, dict[str, Callable[..., Any]]] = {}


_NAMESPACE_NAMES: dict[int, tuple[Any, str]] = {}


def _namespace_name(xp: Any) -> str:
    # Cached by identity (a namespace is a module): looked up on every backend call.
    hit = _NAMESPACE_NAMES.get(id(xp))
    if hit is not None and hit[0] is xp:
        return hit[1]
    name = getattr(xp, "__name__", None) or str(xp)
    short = "cupy" if "cupy" in name else name.split(".")[0]
    _NAMESPACE_NAMES[id(xp)] = (xp, short)
    return short


def register_backend_function(name: str, namespace: str, impl: Callable[..., Any]) -> None:
    """Register ``impl`` as operation ``name`` for namespace ``namespace``.

    ``namespace`` is ``"numpy"``, ``"cupy"`` or ``"array_api_strict"``.
    """
    _TABLE.setdefault(name, {})[namespace] = impl


# Engine modules that fill more of the table; imported on the first lookup that misses, so
# ``import gradkit`` stays light.
_TABLE_MODULES = ("gradkit.special_functions", "gradkit.linalg_backend")


def _load_table_modules() -> None:
    import importlib

    for module in _TABLE_MODULES:
        importlib.import_module(module)


def backend_function(name: str, xp: Any) -> Callable[..., Any]:
    """Return the implementation of table operation ``name`` for namespace ``xp``."""
    if name not in _TABLE:
        _load_table_modules()
    try:
        impls = _TABLE[name]
    except KeyError:
        raise KeyError(
            f"the backend table has no operation {name!r}; it has {sorted(_TABLE)}"
        ) from None
    try:
        return impls[_namespace_name(xp)]
    except KeyError:
        raise NotImplementedError(
            f"backend operation {name!r} has no implementation for {_namespace_name(xp)}; "
            f"it has {sorted(impls)}"
        ) from None


def scatter_add(array: Any, index: Any, values: Any) -> Any:
    """Return a copy of ``array`` with ``values`` added at ``index``; repeated indices add up.

    ``index`` is anything valid in ``array[index]``, advanced indices included.

    >>> import numpy as np
    >>> scatter_add(np.zeros(3), (np.array([0, 0, 2]),), np.ones(3))
    array([2., 0., 1.])
    """
    return backend_function("scatter_add", get_array_module(array))(array, index, values)


def scatter_add_into(array: Any, index: Any, values: Any) -> Any:
    """Add ``values`` at ``index`` (repeated indices add up) into ``array``, which the caller
    owns and gives up: use the returned array (``array`` itself, changed in place, on NumPy and
    CuPy; a new array on array_api_strict, which has no in-place scatter). A fused gradient
    that builds its result and then adds at a few indices saves a full copy this way.

    >>> import numpy as np
    >>> scatter_add_into(np.zeros(3), (np.array([0, 0, 2]),), np.ones(3))
    array([2., 0., 1.])
    """
    return backend_function("scatter_add_into", get_array_module(array))(array, index, values)


def exp_into(array: Any) -> Any:
    """``exp(array)``, written into ``array`` where the namespace allows (NumPy, CuPy), which
    the caller owns and gives up: use the returned array. On the host a fresh large array costs
    its page faults, more than the exponentials themselves.

    >>> import numpy as np
    >>> exp_into(np.zeros(2))
    array([1., 1.])
    """
    return backend_function("exp_into", get_array_module(array))(array)


def _numpy_scatter_add_into(array: Any, index: Any, values: Any) -> Any:
    numpy.add.at(array, index, values)
    return array


def _numpy_scatter_add(array: Any, index: Any, values: Any) -> Any:
    return _numpy_scatter_add_into(array.copy(), index, values)


def _cupy_scatter_add_into(array: Any, index: Any, values: Any) -> Any:
    import cupyx

    cupyx.scatter_add(array, index, values)
    return array


def _cupy_scatter_add(array: Any, index: Any, values: Any) -> Any:
    return _cupy_scatter_add_into(array.copy(), index, values)


def _numpy_exp_into(array: Any) -> Any:
    return numpy.exp(array, out=array)


def _cupy_exp_into(array: Any) -> Any:
    import cupy

    return cupy.exp(array, out=array)


def _strict_exp_into(array: Any) -> Any:
    import array_api_strict

    return array_api_strict.exp(array)


def _strict_scatter_add(array: Any, index: Any, values: Any) -> Any:
    # array_api_strict has no scatter; go through the host explicitly, then come back to the
    # array's own device, as a GPU kernel's result would.
    import array_api_strict as xp

    out = numpy.array(to_numpy(array))
    numpy.add.at(out, _host_index(index), to_numpy(values))
    return xp.asarray(out, device=array.device)


def _host_index(index: Any) -> Any:
    """An index with its array_api_strict arrays brought to the host (for NumPy indexing)."""
    if isinstance(index, tuple):
        return tuple(to_numpy(i) if _is_strict_array(i) else i for i in index)
    return to_numpy(index) if _is_strict_array(index) else index


def _numpy_take_index(x: Any, index: Any) -> Any:
    return x[index]


def _strict_take_index(x: Any, index: Any) -> Any:
    # array_api_strict allows integer-array indices only in narrow forms; gather on the host
    # explicitly and come back to the array's device.
    import array_api_strict as xp

    return xp.asarray(numpy.asarray(to_numpy(x)[_host_index(index)]), device=x.device)


register_backend_function("take_index", "numpy", _numpy_take_index)
register_backend_function("take_index", "cupy", _numpy_take_index)
register_backend_function("take_index", "array_api_strict", _strict_take_index)
register_backend_function("scatter_add", "numpy", _numpy_scatter_add)
register_backend_function("scatter_add", "cupy", _cupy_scatter_add)
register_backend_function("scatter_add", "array_api_strict", _strict_scatter_add)
register_backend_function("scatter_add_into", "numpy", _numpy_scatter_add_into)
register_backend_function("scatter_add_into", "cupy", _cupy_scatter_add_into)
register_backend_function("scatter_add_into", "array_api_strict", _strict_scatter_add)
register_backend_function("exp_into", "numpy", _numpy_exp_into)
register_backend_function("exp_into", "cupy", _cupy_exp_into)
register_backend_function("exp_into", "array_api_strict", _strict_exp_into)
