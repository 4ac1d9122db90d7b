"""Elementwise mathematics: arithmetic, exponentials and logarithms, trigonometric and
hyperbolic functions, and special functions.

Every op is differentiable to any order; each module holds its ops' forwards, backwards,
functional wrappers and specs. The engine's own arithmetic (``add``, ``mul``, ``exp``...) is
re-exported here with its specs.
"""

from __future__ import annotations

from gradkit_ops.math.arithmetic import (
    absolute,
    add,
    cbrt,
    div,
    matmul,
    mul,
    neg,
    pow,
    reciprocal,
    rsqrt,
    sign,
    sqrt,
    square,
    sub,
)
from gradkit_ops.math.exponential import exp, exp2, expm1, log, log1p, log2, log10, logaddexp
from gradkit_ops.math.hyperbolic import arccosh, arcsinh, arctanh, cosh, sinh, tanh
from gradkit_ops.math.special import digamma, erf, erfc, erfinv, lgamma, polygamma
from gradkit_ops.math.trigonometric import (
    arccos,
    arcsin,
    arctan,
    arctan2,
    cos,
    hypot,
    sin,
    tan,
)

__all__ = [
    # arithmetic
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "pow",
    "absolute",
    "matmul",
    "reciprocal",
    "sign",
    "square",
    "sqrt",
    "rsqrt",
    "cbrt",
    # exponential and logarithmic
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "logaddexp",
    # trigonometric
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "arctan2",
    "hypot",
    # hyperbolic
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    # special
    "erf",
    "erfc",
    "erfinv",
    "lgamma",
    "digamma",
    "polygamma",
]
