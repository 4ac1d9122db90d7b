r"""tensordot, inner and outer: contractions of two arrays over chosen axes.

.. math:: Y_{a b} = \sum_c A_{a c} B_{c b} \;\Rightarrow\;
          \frac{\partial L}{\partial A_{a c}} = \sum_b G_{a b} B_{c b},\quad
          \frac{\partial L}{\partial B_{c b}} = \sum_a A_{a c} G_{a b}

with :math:`a`, :math:`b` the free axes of each operand and :math:`c` the contracted ones,
each run of axes flattened into one. So ``tensordot`` is a composite, as NumPy computes it:
move the contracted axes of ``a`` last and those of ``b`` first, flatten both to matrices,
``matmul``, and unflatten. Its gradients (any order) come from ``transpose``, ``reshape`` and
``matmul``. ``inner`` contracts the last axes of both operands; ``outer`` multiplies every
element of the flattened ``a`` by every element of the flattened ``b``
(:math:`\partial L/\partial a_i = \sum_j G_{ij} b_j`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import matmul, mul, reshape, transpose
from gradkit.testing import op_spec

__all__ = ["tensordot", "inner", "outer"]


def _axes_list(axes: int | Sequence[int], ndim: int, which: str) -> tuple[int, ...]:
    items = (axes,) if isinstance(axes, int) else tuple(axes)
    out = []
    for a in items:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"tensordot: axis {a} of operand {which} is out of bounds for {ndim} dimensions"
            )
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"tensordot: repeated axis in the axes of operand {which}: {items}")
    return tuple(out)


def tensordot(
    a: Any, b: Any, axes: int | tuple[Sequence[int] | int, Sequence[int] | int] = 2
) -> Variable:
    """Sum the products of ``a`` and ``b`` over the axes ``axes`` names, as NumPy's
    ``tensordot``: an int ``n`` contracts the last ``n`` axes of ``a`` with the first ``n``
    of ``b``; a pair ``(axes_a, axes_b)`` names them. The result has the free axes of ``a``
    then those of ``b``.

    >>> import numpy as np
    >>> from gradkit_ops.linalg import tensordot
    >>> tensordot(np.ones((2, 3, 4)), np.ones((4, 3, 5)), axes=([1, 2], [1, 0])).shape
    (2, 5)
    """
    if isinstance(axes, int):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ValueError(
                f"tensordot: axes={axes} is more than the operands of {a.ndim} and {b.ndim} "
                "dimensions have"
            )
        axes_a = tuple(range(a.ndim - axes, a.ndim))
        axes_b = tuple(range(axes))
    else:
        if len(axes) != 2:
            raise ValueError(f"tensordot: axes must be an int or a pair; got {axes!r}")
        axes_a = _axes_list(axes[0], a.ndim, "a")
        axes_b = _axes_list(axes[1], b.ndim, "b")
    if len(axes_a) != len(axes_b):
        raise ValueError(
            f"tensordot: {len(axes_a)} axes of a are paired with {len(axes_b)} axes of b"
        )
    for i, j in zip(axes_a, axes_b, strict=True):
        if a.shape[i] != b.shape[j]:
            raise ValueError(
                f"tensordot: axis {i} of a has length {a.shape[i]} but axis {j} of b, its "
                f"pair, has length {b.shape[j]}"
            )
    if a.dtype != b.dtype:
        raise TypeError(
            f"tensordot: a has dtype {a.dtype} and b has dtype {b.dtype}; cast one first"
        )
    free_a = tuple(i for i in range(a.ndim) if i not in axes_a)
    free_b = tuple(i for i in range(b.ndim) if i not in axes_b)
    n_sum = math.prod(a.shape[i] for i in axes_a)
    shape_a = tuple(a.shape[i] for i in free_a)
    shape_b = tuple(b.shape[i] for i in free_b)
    order_a = free_a + axes_a
    order_b = axes_b + free_b
    at = transpose(a, order_a) if order_a != tuple(range(a.ndim)) else a
    bt = transpose(b, order_b) if order_b != tuple(range(b.ndim)) else b
    y = matmul(reshape(at, (math.prod(shape_a), n_sum)), reshape(bt, (n_sum, math.prod(shape_b))))
    return reshape(y, shape_a + shape_b)


def inner(a: Any, b: Any) -> Variable:
    """The inner product over the last axis of both operands, as NumPy's ``inner``: the
    result has shape ``a.shape[:-1] + b.shape[:-1]``; with a 0-d operand it is the product.

    >>> import numpy as np
    >>> from gradkit_ops.linalg import inner
    >>> inner(np.array([1.0, 2.0]), np.array([[3.0, 4.0], [5.0, 6.0]])).array
    array([11., 17.])
    """
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    return tensordot(a, b, ((-1,), (-1,)))


def outer(a: Any, b: Any) -> Variable:
    """The outer product of ``a`` and ``b``, each flattened first (NumPy's ``outer``):
    ``y[i, j] = a.flat[i] * b.flat[j]``.

    >>> import numpy as np
    >>> from gradkit_ops.linalg import outer
    >>> outer(np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])).array
    array([[ 3.,  4.,  5.],
           [ 6.,  8., 10.]])
    """
    if a.dtype != b.dtype:
        raise TypeError(f"outer: a has dtype {a.dtype} and b has dtype {b.dtype}; cast one first")
    n, m = math.prod(a.shape), math.prod(b.shape)
    return mul(reshape(a, (n, 1)), reshape(b, (1, m)))


def _tensordot_case(axes: Any) -> Any:
    def factory() -> Any:
        return lambda a, b: tensordot(a, b, axes)

    return factory


def _ref(f: Any) -> Any:
    return lambda *xs: numpy.asarray(f(*xs)).astype(xs[0].dtype)


op_spec(
    name="tensordot",
    inputs=2,
    shapes=[((2, 3, 4), (3, 4, 2)), "2x3x4_3x4x2nc", ((2, 0, 4), (0, 4, 3)), ((3, 4), (3, 4))],
    reference=_ref(numpy.tensordot),
)(tensordot)
op_spec(
    name="tensordot.pairs",
    inputs=2,
    factory=_tensordot_case(([1, 0], [0, 2])),
    shapes=[((3, 4, 2), (4, 2, 3)), "3x4x2_4x2x3nc"],
    reference=_ref(lambda a, b: numpy.tensordot(a, b, ([1, 0], [0, 2]))),
)(tensordot)
op_spec(
    name="tensordot.outer",
    inputs=2,
    factory=_tensordot_case(0),
    shapes=[((2, 3), (4,)), ((), (3,)), ((), ())],
    reference=_ref(lambda a, b: numpy.tensordot(a, b, 0)),
)(tensordot)
op_spec(
    name="tensordot.int",
    inputs=2,
    factory=_tensordot_case(1),
    shapes=[((2, 3), (3, 4)), ((3,), (3,)), "2x3_3x4nc"],
    reference=_ref(lambda a, b: numpy.tensordot(a, b, 1)),
)(tensordot)
op_spec(
    name="inner",
    inputs=2,
    shapes=[((3, 4), (2, 4)), ((4,), (4,)), ((), (3, 2)), "3x4_2x4nc", ((0, 4), (2, 4))],
    reference=_ref(numpy.inner),
)(inner)
op_spec(
    name="outer",
    inputs=2,
    shapes=[((3,), (4,)), ((2, 2), (3,)), ((), ()), "3_4nc", ((0,), (3,))],
    reference=_ref(numpy.outer),
)(outer)
