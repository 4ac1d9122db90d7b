"""Matrix product with NumPy's ``matmul`` semantics (1-d operands, batch broadcasting)."""

from __future__ import annotations

from typing import Any

import numpy

from gradkit.arithmetic.broadcast import sum_to
from gradkit.arithmetic.shape import reshape, transpose
from gradkit.backend import get_array_module
from gradkit.config import config
from gradkit.function_node import FunctionNode
from gradkit.variable import Variable

_ndarray = numpy.ndarray
_new_variable = Variable._from_array

__all__ = ["MatMul", "matmul"]


def _swap_last(x: Variable) -> Variable:
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, tuple(axes))


class MatMul(FunctionNode):
    """``a @ b``. A 1-d ``a`` is a row vector and a 1-d ``b`` a column vector, as in NumPy."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        return (get_array_module(a).matmul(a, b),)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        a, b = self.get_retained_inputs()
        # Promote 1-d operands to matrices, and the gradient to the matching shape.
        a2 = reshape(a, (1, a.shape[0])) if a.ndim == 1 else a
        b2 = reshape(b, (b.shape[0], 1)) if b.ndim == 1 else b
        gy_shape = list(gy.shape)
        if a.ndim == 1:
            gy_shape.insert(len(gy_shape) - (0 if b.ndim == 1 else 1), 1)
        if b.ndim == 1:
            gy_shape.append(1)
        gy2 = reshape(gy, tuple(gy_shape))
        result = []
        for i in target_input_indexes:
            if i == 0:
                ga = sum_to(matmul(gy2, _swap_last(b2)), a2.shape)
                result.append(reshape(ga, a.shape))
            else:
                gb = sum_to(matmul(_swap_last(a2), gy2), b2.shape)
                result.append(reshape(gb, b.shape))
        return tuple(result)


def matmul(a: Any, b: Any) -> Variable:
    """Matrix product of ``a`` and ``b`` (NumPy ``matmul`` rules)."""
    ta = type(a)
    tb = type(b)
    if (
        (ta is Variable or ta.__base__ is Variable)
        and (tb is Variable or tb.__base__ is Variable)
        and not config.enable_backprop
    ):
        # No graph (backward passes): multiply NumPy arrays directly, as MatMul would.
        da = a._data
        db = b._data
        if type(da) is _ndarray and type(db) is _ndarray and da.ndim and db.ndim:
            return _new_variable(da @ db, a._requires_grad or b._requires_grad)
    for i, operand in enumerate((a, b)):
        if getattr(operand, "ndim", None) is None:
            raise TypeError(
                f"matmul: operand {i} is a {type(operand).__name__}; the operands must be "
                "Variables or arrays (use * for a product with a number)"
            )
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: operands must have at least one dimension; use * for scalars")
    return MatMul().apply((a, b))[0]
