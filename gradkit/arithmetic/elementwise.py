"""Elementwise arithmetic: the operators of Variable, plus exp and log (pow needs log).

Binary ops broadcast in forward and reduce gradients with :func:`~gradkit.arithmetic.sum_to`
in backward. A Python scalar operand is a constant: it gets its own node (``AddConstant``,
``MulConstant``...) so nothing is broadcast or differentiated for it. Both operands of an
array op must have one dtype; an operand that needs no gradient (a mask, a plain array) is
cast to the other's dtype, as a constant.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy

from gradkit.arithmetic.broadcast import sum_to
from gradkit.backend import get_array_module
from gradkit.config import config
from gradkit.function_node import FunctionNode
from gradkit.variable import Variable, _dtype_name, is_float_dtype

__all__ = [
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
    "add",
    "sub",
    "rsub",
    "mul",
    "div",
    "rdiv",
    "neg",
    "absolute",
    "pow",
    "rpow",
    "exp",
    "log",
]

_SCALAR_TYPES = (int, float, bool, numpy.number, numpy.bool_)
_ndarray = numpy.ndarray
_new_variable = Variable._from_array


def _is_scalar(x: Any) -> bool:
    t = type(x)
    return t is float or t is int or isinstance(x, _SCALAR_TYPES)


def _scalar(x: Any) -> Any:
    # NumPy scalars become Python scalars, which NumPy and the array API treat as "weak":
    # float16 * 2.0 stays float16.
    return x.item() if isinstance(x, numpy.generic) else x


# Per floating dtype, Python scalar -> 0-d NumPy array of that dtype. NumPy handles a 0-d
# operand of the array's own dtype about twice as fast as a Python scalar (which it must
# first convert by the "weak scalar" rules), and the result is identical: the rules convert
# the scalar to the array's dtype before computing. Bounded, since constants can be anything.
_WEAK_SCALARS: dict[Any, dict[Any, Any]] = {
    numpy.dtype(name): {} for name in ("float16", "float32", "float64")
}
_WEAK_SCALARS_LIMIT = 512


def _constant_for(a: Any, value: Any) -> Any:
    """``value`` as an operand for the NumPy array ``a``: a cached 0-d array of ``a``'s
    floating dtype when that is exact, else ``value`` itself."""
    cache = _WEAK_SCALARS.get(a.dtype)
    if cache is None:
        return value
    c = cache.get(value)
    if c is not None:
        return c
    t = type(value)
    if t is not float and t is not int:  # bools and NumPy scalars keep their own rules
        return value
    if value == 0:
        # 0.0 and -0.0 are one dict key but not one operand (x * -0.0 flips signs): zeros are
        # never cached, so a lookup never finds the other one.
        return value
    try:
        with numpy.errstate(over="raise"):
            c = numpy.asarray(value, dtype=a.dtype)
    except (OverflowError, FloatingPointError):
        return value  # out of the dtype's range: let NumPy apply (and report) its rules
    c.flags.writeable = False  # shared by every op that uses this constant
    if len(cache) >= _WEAK_SCALARS_LIMIT:
        cache.clear()
    cache[value] = c
    return c


def _match_dtypes(op: str, x: Any, y: Any) -> tuple[Any, Any]:
    if type(getattr(x, "_data", x)) is not type(getattr(y, "_data", y)):
        return x, y  # different array types: apply() reports the device mismatch
    dx, dy = x.dtype, y.dtype
    if dx == dy:
        return x, y
    x_const = not (isinstance(x, Variable) and x._requires_grad)
    y_const = not (isinstance(y, Variable) and y._requires_grad)
    if y_const and is_float_dtype(dx):
        return x, _cast_constant(y, dx)
    if x_const and is_float_dtype(dy):
        return _cast_constant(x, dy), y
    raise TypeError(
        f"{op}: input 0 has dtype {_dtype_name(dx)} and input 1 has dtype {_dtype_name(dy)}; "
        "both operands need one dtype. Cast one of them first, e.g. y.astype(x.dtype) on the "
        "array, or create it with dtype=x.dtype."
    )


def _cast_constant(x: Any, dtype: Any) -> Any:
    data = x._data if isinstance(x, Variable) else x
    return get_array_module(data).astype(data, dtype)


# ----------------------------------------------------------------------------- add / sub
class Add(FunctionNode):
    """``x0 + x1`` with broadcasting."""

    def forward(self, inputs):
        x0, x1 = inputs
        self.shapes = (x0.shape, x1.shape)
        return (x0 + x1,)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        return tuple([sum_to(gy, self.shapes[i]) for i in target_input_indexes])


class AddConstant(FunctionNode):
    """``x + c`` for a scalar constant ``c``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def forward(self, inputs):
        x = inputs[0]
        return (x + (_constant_for(x, self.value) if type(x) is _ndarray else self.value),)

    def backward(self, target_input_indexes, grad_outputs):
        return grad_outputs


class SubConstant(FunctionNode):
    """``x - c`` for a scalar constant ``c`` (subtracts, so signed zeros match ``x - c``)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def forward(self, inputs):
        x = inputs[0]
        return (x - (_constant_for(x, self.value) if type(x) is _ndarray else self.value),)

    def backward(self, target_input_indexes, grad_outputs):
        return grad_outputs


class Sub(FunctionNode):
    """``x0 - x1`` with broadcasting."""

    def forward(self, inputs):
        x0, x1 = inputs
        self.shapes = (x0.shape, x1.shape)
        return (x0 - x1,)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        return tuple([sum_to(gy if i == 0 else -gy, self.shapes[i]) for i in target_input_indexes])


class SubFromConstant(FunctionNode):
    """``c - x`` for a scalar constant ``c``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def forward(self, inputs):
        x = inputs[0]
        return ((_constant_for(x, self.value) if type(x) is _ndarray else self.value) - x,)

    def backward(self, target_input_indexes, grad_outputs):
        return (-grad_outputs[0],)


# ----------------------------------------------------------------------------- mul / div
class Mul(FunctionNode):
    """``x0 * x1`` with broadcasting."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1 = inputs
        return (x0 * x1,)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        x0, x1 = self.get_retained_inputs()
        result = []
        for i in target_input_indexes:
            other, mine = (x1, x0) if i == 0 else (x0, x1)
            result.append(sum_to(gy * other, mine.shape))
        return tuple(result)


class MulConstant(FunctionNode):
    """``x * c`` for a scalar constant ``c``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def forward(self, inputs):
        x = inputs[0]
        return (x * (_constant_for(x, self.value) if type(x) is _ndarray else self.value),)

    def backward(self, target_input_indexes, grad_outputs):
        return (grad_outputs[0] * self.value,)


class Div(FunctionNode):
    """``x0 / x1`` with broadcasting."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1 = inputs
        return (x0 / x1,)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        x0, x1 = self.get_retained_inputs()
        gx0 = gy / x1
        result = []
        for i in target_input_indexes:
            if i == 0:
                result.append(sum_to(gx0, x0.shape))
            else:
                result.append(sum_to(-gx0 * x0 / x1, x1.shape))
        return tuple(result)


class DivByConstant(FunctionNode):
    """``x / c`` for a scalar constant ``c`` (divides, so results match ``x / c`` exactly)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def forward(self, inputs):
        x = inputs[0]
        return (x / (_constant_for(x, self.value) if type(x) is _ndarray else self.value),)

    def backward(self, target_input_indexes, grad_outputs):
        return (grad_outputs[0] / self.value,)


class DivFromConstant(FunctionNode):
    """``c / x`` for a scalar constant ``c``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (self.value / inputs[0],)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * (-self.value) / (x * x),)


# ----------------------------------------------------------------------------- unary
class Neg(FunctionNode):
    """``-x``."""

    def forward(self, inputs):
        return (-inputs[0],)

    def backward(self, target_input_indexes, grad_outputs):
        return (-grad_outputs[0],)


class Absolute(FunctionNode):
    """``|x|``; the gradient at 0 is taken as 0 (the sign)."""

    def forward(self, inputs):
        (x,) = inputs
        xp = get_array_module(x)
        self.sign = xp.sign(x)
        return (xp.abs(x),)

    def backward(self, target_input_indexes, grad_outputs):
        return (grad_outputs[0] * self.sign,)


class Exp(FunctionNode):
    """``exp(x)``; the gradient is the output itself."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        return (get_array_module(inputs[0]).exp(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * y,)


class Log(FunctionNode):
    """Natural logarithm; the gradient is ``1 / x``."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (get_array_module(inputs[0]).log(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] / x,)


# ----------------------------------------------------------------------------- pow
class Pow(FunctionNode):
    """``x0 ** x1`` for two arrays, with broadcasting."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1 = inputs
        return (x0**x1,)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        x0, x1 = self.get_retained_inputs()
        result = []
        for i in target_input_indexes:
            if i == 0:
                result.append(sum_to(gy * x1 * x0 ** (x1 - 1), x0.shape))
            else:
                result.append(sum_to(gy * x0**x1 * log(x0), x1.shape))
        return tuple(result)


class PowConstant(FunctionNode):
    """``x ** c`` for a scalar constant exponent ``c``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (inputs[0] ** self.value,)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        c = self.value
        if c == 2:
            return (grad_outputs[0] * 2 * x,)
        return (grad_outputs[0] * c * x ** (c - 1),)


class ConstantPow(FunctionNode):
    """``c ** x`` for a scalar constant base ``c``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def forward(self, inputs):
        self.retain_outputs((0,))
        return (self.value ** inputs[0],)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        c = self.value
        return (grad_outputs[0] * y * (math.log(c) if c > 0 else math.nan),)


# ----------------------------------------------------------------------------- wrappers
_new_object = object.__new__


def _wrap(result: Any, requires_grad: bool) -> Variable:
    # NumPy returns scalars for 0-d results; the engine deals in arrays only.
    if type(result) is not _ndarray:
        result = numpy.asarray(result)
    return _new_variable(result, requires_grad)


def _binary(
    name: str,
    array_op: Callable[[Any, Any], Any],
    node_cls: type[FunctionNode],
    right_constant: Callable[[Any], FunctionNode],
    left_constant: Callable[[Any], FunctionNode],
) -> tuple[Callable[[Any, Any], Variable], Callable[[Any, Any], Variable]]:
    """Build the functional wrapper of a binary op and its reflected form.

    With backprop off (first-order backward passes, no_backprop_mode) and NumPy arrays, the
    result is computed directly and wrapped inline: no graph node, no further call. This is
    the engine's hottest path (every backward pass runs through it), so it stays flat.
    """

    def op(x: Any, y: Any) -> Variable:
        # ``__base__`` admits Parameter (and other direct subclasses) without importing it.
        tx = type(x)
        if (tx is Variable or tx.__base__ is Variable) and not config.enable_backprop:
            a = x._data
            if type(a) is _ndarray:
                ty = type(y)
                r = None
                if ty is float or ty is int:
                    cache = _WEAK_SCALARS.get(a.dtype)
                    c = None if cache is None else cache.get(y)
                    r = array_op(a, _constant_for(a, y) if c is None else c)
                    requires_grad = x._requires_grad
                elif ty is Variable or ty.__base__ is Variable:
                    b = y._data
                    if type(b) is _ndarray and b.dtype is a.dtype:
                        r = array_op(a, b)
                        requires_grad = x._requires_grad or y._requires_grad
                if r is not None:
                    if type(r) is not _ndarray:
                        r = numpy.asarray(r)
                    var = _new_object(Variable)
                    var._data = r
                    var._node = None
                    var._grad_var = None
                    var._requires_grad = requires_grad
                    var.name = None
                    return var
        ty = type(y)
        if ty is float or ty is int:  # recording ``v * 2.0``: straight to the constant node
            return right_constant(y).apply((x,))[0]
        return general(x, y)

    def reflected(x: Any, y: Any) -> Variable:
        # ``y <op> x`` for the reflected operator (``2 - v`` calls ``v.__rsub__(2)``).
        tx = type(x)
        if (tx is Variable or tx.__base__ is Variable) and not config.enable_backprop:
            a = x._data
            ty = type(y)
            if type(a) is _ndarray and (ty is float or ty is int):
                cache = _WEAK_SCALARS.get(a.dtype)
                c = None if cache is None else cache.get(y)
                return _wrap(array_op(_constant_for(a, y) if c is None else c, a), x._requires_grad)
        return general(y, x)

    def general(x: Any, y: Any) -> Variable:
        ty = type(y)
        if ty is float or ty is int or isinstance(y, _SCALAR_TYPES):
            if ty is not float and ty is not int:
                y = _scalar(y)
            if type(x) is Variable and not config.enable_backprop:
                data = x._data
                if type(data) is _ndarray:
                    return _wrap(array_op(data, y), x._requires_grad)
            return right_constant(y).apply((x,))[0]
        tx = type(x)
        if tx is float or tx is int or isinstance(x, _SCALAR_TYPES):
            if tx is not float and tx is not int:
                x = _scalar(x)
            if ty is Variable and not config.enable_backprop:
                data = y._data
                if type(data) is _ndarray:
                    return _wrap(array_op(x, data), y._requires_grad)
            return left_constant(x).apply((y,))[0]
        if tx is Variable and ty is Variable and not config.enable_backprop:
            a = x._data
            b = y._data
            if type(a) is _ndarray and type(b) is _ndarray and a.dtype is b.dtype:
                return _wrap(array_op(a, b), x._requires_grad or y._requires_grad)
        try:
            same_dtype = x.dtype is y.dtype
        except AttributeError:
            raise _operand_error(name, x, y) from None
        if not same_dtype:
            x, y = _match_dtypes(name, x, y)
        return node_cls().apply((x, y))[0]

    op.__name__ = op.__qualname__ = name
    reflected.__name__ = reflected.__qualname__ = f"r{name}"
    return op, reflected


def _operand_error(name: str, x: Any, y: Any) -> TypeError:
    bad = [(i, v) for i, v in enumerate((x, y)) if not hasattr(v, "dtype")]
    i, v = bad[0]
    hint = (
        " Wrap a list in an array with an explicit dtype, e.g. np.asarray(values, dtype=x.dtype)."
        if isinstance(v, list | tuple)
        else ""
    )
    return TypeError(
        f"{name}: operand {i} is a {type(v).__name__}; the operands must be Variables, arrays "
        f"or numbers.{hint}"
    )


add, radd = _binary("add", operator.add, Add, AddConstant, AddConstant)
add.__doc__ = """``x + y``; either operand may be a Variable, an array or a scalar."""
radd.__doc__ = """``y + x`` (the reflected operator)."""
sub, rsub = _binary("sub", operator.sub, Sub, SubConstant, SubFromConstant)
sub.__doc__ = """``x - y``; either operand may be a Variable, an array or a scalar."""
rsub.__doc__ = """``y - x`` (the reflected operator)."""
mul, rmul = _binary("mul", operator.mul, Mul, MulConstant, MulConstant)
mul.__doc__ = """``x * y``; either operand may be a Variable, an array or a scalar."""
rmul.__doc__ = """``y * x`` (the reflected operator)."""
div, rdiv = _binary("div", operator.truediv, Div, DivByConstant, DivFromConstant)
div.__doc__ = """``x / y``; either operand may be a Variable, an array or a scalar."""
rdiv.__doc__ = """``y / x`` (the reflected operator)."""
pow, rpow = _binary("pow", operator.pow, Pow, PowConstant, ConstantPow)
pow.__doc__ = """``x ** y``; either operand may be a Variable, an array or a scalar."""
rpow.__doc__ = """``y ** x`` (the reflected operator)."""


def neg(x: Any) -> Variable:
    """``-x``."""
    if type(x) is Variable and not config.enable_backprop and type(x._data) is _ndarray:
        return _wrap(-x._data, x._requires_grad)
    return Neg().apply((x,))[0]


def absolute(x: Any) -> Variable:
    """``|x|`` elementwise."""
    return Absolute().apply((x,))[0]


def exp(x: Any) -> Variable:
    """``exp(x)`` elementwise."""
    return Exp().apply((x,))[0]


def log(x: Any) -> Variable:
    """Natural logarithm, elementwise."""
    return Log().apply((x,))[0]
