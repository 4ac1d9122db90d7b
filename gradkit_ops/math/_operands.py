"""Operands of elementwise ops: Python scalars made into constants, dtypes checked, and the
zero gradient of piecewise-constant ops.

Shared by the elementwise ops of :mod:`gradkit_ops.math`, :mod:`gradkit_ops.comparison` and
:mod:`gradkit_ops.activation`; private to gradkit_ops.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable, as_array, get_array_module

__all__ = ["is_scalar", "scalar_like", "binary_operands", "zero_gradient", "dtype_name"]

_SCALAR_TYPES = (int, float, numpy.integer, numpy.floating)


def is_scalar(x: Any) -> bool:
    """Whether ``x`` is a Python or NumPy scalar (a bool is not a scalar operand)."""
    return isinstance(x, _SCALAR_TYPES) and not isinstance(x, bool | numpy.bool_)


def dtype_name(dtype: Any) -> str:
    """The short name of a dtype of any namespace (``float32``)."""
    return str(dtype).rpartition(".")[2]


def scalar_like(value: Any, like: Any) -> Any:
    """The scalar ``value`` as a 0-d array of ``like``'s dtype, on ``like``'s device.

    It is a constant: it has no gradient.
    """
    data = as_array(like)
    xp = get_array_module(data)
    return xp.asarray(float(value), dtype=data.dtype, device=data.device)


def binary_operands(name: str, x: Any, y: Any) -> tuple[Any, Any]:
    """Return the operands of the binary op ``name`` with one dtype.

    Each operand is a Variable, an array or a scalar (at most one of them); a scalar becomes a
    constant of the other operand's dtype and device. Two arrays of different dtypes are an
    error: the op would silently promote one of them.
    """
    if is_scalar(y):
        if is_scalar(x):
            raise TypeError(
                f"{name}: both operands are scalars; pass at least one Variable or array"
            )
        return x, scalar_like(y, x)
    if is_scalar(x):
        return scalar_like(x, y), y
    for i, operand in enumerate((x, y)):
        if not isinstance(operand, Variable) and not hasattr(operand, "dtype"):
            raise TypeError(
                f"{name}: input {i} is a {type(operand).__name__}; pass a Variable, an array "
                "or a scalar"
            )
    if x.dtype != y.dtype:
        raise TypeError(
            f"{name}: input 0 has dtype {dtype_name(x.dtype)} and input 1 has dtype "
            f"{dtype_name(y.dtype)}; both operands need one dtype. Cast one of them first."
        )
    return x, y


def zero_gradient(gy: Variable) -> Variable:
    """The gradient of a piecewise-constant op (floor, sign...): zeros shaped like ``gy``.

    Zeros, not ``gy * 0``, so that an infinite output gradient does not make NaN.
    """
    data = gy.array
    xp = get_array_module(data)
    return Variable(xp.zeros(data.shape, dtype=data.dtype, device=data.device), requires_grad=False)
