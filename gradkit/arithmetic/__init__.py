"""The engine's own arithmetic: what Variable's operators and backward passes need.

Each op here is differentiable to any order (its backward uses these same ops). The standard
op library, :mod:`gradkit_ops`, re-exports them so users find every op in one place.
Importing this package installs the operators on :class:`~gradkit.Variable`.
"""

from __future__ import annotations

from typing import Any

from gradkit.arithmetic.broadcast import BroadcastTo, SumTo, broadcast_to, sum_to
from gradkit.arithmetic.elementwise import (
    Absolute,
    Add,
    AddConstant,
    ConstantPow,
    Div,
    DivByConstant,
    DivFromConstant,
    Exp,
    Log,
    Mul,
    MulConstant,
    Neg,
    Pow,
    PowConstant,
    Sub,
    SubConstant,
    SubFromConstant,
    absolute,
    add,
    div,
    exp,
    log,
    mul,
    neg,
    pow,
    radd,
    rdiv,
    rmul,
    rpow,
    rsub,
    sub,
)
from gradkit.arithmetic.indexing import GetItem, GetItemGrad, getitem
from gradkit.arithmetic.matmul import MatMul, matmul
from gradkit.arithmetic.reduction import Sum, normalize_axis, sum
from gradkit.arithmetic.shape import Reshape, Transpose, reshape, transpose
from gradkit.variable import Variable

__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "absolute",
    "pow",
    "exp",
    "log",
    "matmul",
    "getitem",
    "sum",
    "broadcast_to",
    "sum_to",
    "reshape",
    "transpose",
    "normalize_axis",
    "Add",
    "AddConstant",
    "Sub",
    "SubConstant",
    "SubFromConstant",
    "Mul",
    "MulConstant",
    "Div",
    "DivByConstant",
    "DivFromConstant",
    "Neg",
    "Absolute",
    "Pow",
    "PowConstant",
    "ConstantPow",
    "Exp",
    "Log",
    "MatMul",
    "GetItem",
    "GetItemGrad",
    "Sum",
    "BroadcastTo",
    "SumTo",
    "Reshape",
    "Transpose",
]


def _rmatmul(x: Variable, y: Any) -> Variable:
    return matmul(y, x)


def _reshape_method(self: Variable, *shape: Any) -> Variable:
    """Reshape this variable: ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    return reshape(self, shape)


def _transpose_method(self: Variable, *axes: Any) -> Variable:
    """Permute axes: ``x.transpose()``, ``x.transpose(1, 0)`` or ``x.transpose((1, 0))``."""
    if not axes:
        return transpose(self)
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = tuple(axes[0])
    return transpose(self, axes)


def _sum_method(self: Variable, axis: Any = None, keepdims: bool = False) -> Variable:
    """Sum over ``axis`` (all axes by default)."""
    return sum(self, axis, keepdims)


def _transposed(self: Variable) -> Variable:
    """The transpose (axes reversed)."""
    return transpose(self)


def _install_operators() -> None:
    V = Variable
    V.__add__ = add
    V.__radd__ = radd
    V.__sub__ = sub
    V.__rsub__ = rsub
    V.__mul__ = mul
    V.__rmul__ = rmul
    V.__truediv__ = div
    V.__rtruediv__ = rdiv
    V.__pow__ = pow
    V.__rpow__ = rpow
    V.__matmul__ = matmul
    V.__rmatmul__ = _rmatmul
    V.__neg__ = neg
    V.__abs__ = absolute
    V.__getitem__ = getitem
    V.reshape = _reshape_method
    V.transpose = _transpose_method
    V.sum = _sum_method
    V.T = property(_transposed)


_install_operators()
