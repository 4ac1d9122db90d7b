r"""solve: the solution of linear systems :math:`A X = B`.

.. math:: X = A^{-1} B \;\Rightarrow\;
          \frac{\partial L}{\partial B} = A^{-T} G,\quad
          \frac{\partial L}{\partial A} = -\frac{\partial L}{\partial B}\, X^T

The gradient of ``B`` is one more solve, with the transposed matrices, and the gradient of
``A`` reuses it and the output; both are written with ``solve``, ``matmul`` and ``transpose``,
so higher orders follow. The batch axes of ``A`` and ``B`` broadcast (their gradients are
summed back with ``sum_to``). A 1-d ``B`` is one right-hand side (NumPy 2's and the array
API's rule): it is solved as a column. The forward is the array API's ``linalg.solve``
(float32 and float64: NumPy has no float16 linear algebra).
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import matmul, neg, reshape, sum_to
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.linalg._matrices import LINALG_DTYPES, swap_last, well_conditioned
from gradkit_ops.linalg.inv import check_square

__all__ = ["Solve", "solve"]


class Solve(FunctionNode):
    """``A^{-1} B`` for ``A`` of shape ``(..., n, n)`` and ``B`` of shape ``(..., n, k)``,
    the batch axes broadcast against each other."""

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        a, b = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        self.shapes = (tuple(a.shape), tuple(b.shape))
        xp = get_array_module(a)
        batch = numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = xp.broadcast_to(a, (*batch, *a.shape[-2:]))
        b = xp.broadcast_to(b, (*batch, *b.shape[-2:]))
        return (xp.linalg.solve(a, b),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gx,) = grad_outputs
        (a,) = self.get_retained_inputs()
        (x,) = self.get_retained_outputs()
        gb = Solve().apply((swap_last(a), gx))[0]
        result = []
        for i in target_input_indexes:
            if i == 0:
                result.append(sum_to(neg(matmul(gb, swap_last(x))), self.shapes[0]))
            else:
                result.append(sum_to(gb, self.shapes[1]))
        return tuple(result)


def solve(a: Any, b: Any) -> Variable:
    """Solve ``a @ x = b`` for ``x``: ``a`` of shape ``(..., n, n)``, ``b`` of shape
    ``(..., n, k)`` (batch axes broadcast) or ``(n,)`` (one right-hand side).

    >>> import numpy as np
    >>> from gradkit_ops.linalg import solve
    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0])).array
    array([0.5 , 0.25])
    """
    check_square(a, "solve")
    if a.dtype != b.dtype:
        raise TypeError(f"solve: a has dtype {a.dtype} and b has dtype {b.dtype}; cast one first")
    n = a.shape[-1]
    if b.ndim == 1:
        if b.shape[0] != n:
            raise ValueError(f"solve: b of shape {b.shape} does not match a of shape {a.shape}")
        x = Solve().apply((a, reshape(b, (n, 1))))[0]
        return reshape(x, x.shape[:-1])
    if b.ndim < 2 or b.shape[-2] != n:
        raise ValueError(
            f"solve: b must have shape (..., {n}, k) or ({n},) for a of shape {a.shape}; got "
            f"shape {b.shape}"
        )
    try:
        numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(
            f"solve: the batch axes of a {a.shape[:-2]} and b {b.shape[:-2]} do not broadcast"
        ) from None
    return Solve().apply((a, b))[0]


def _reference(a: Any, b: Any) -> Any:
    if b.ndim == 1:
        return numpy.linalg.solve(a, b[:, None])[..., 0]
    batch = numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = numpy.broadcast_to(a, (*batch, *a.shape[-2:]))
    b = numpy.broadcast_to(b, (*batch, *b.shape[-2:]))
    return numpy.linalg.solve(a, b)


op_spec(
    name="solve",
    inputs=[Input(values=well_conditioned), Input()],
    shapes=[
        ((3, 3), (3, 2)),
        ((3, 3), (3,)),
        ((2, 3, 3), (2, 3, 1)),
        ((2, 1, 3, 3), (4, 3, 2)),
        ((3, 3), (2, 3, 2)),
        ((2, 3, 3), (3, 2)),
        ((0, 0), (0, 2)),
        ((3, 3), (3, 0)),
        "3x3_3x2nc",
    ],
    dtypes=LINALG_DTYPES,
    reference=_reference,
    examples=[
        (
            [numpy.array([[2.0, 1.0], [1.0, 3.0]]), numpy.array([[3.0], [5.0]])],
            [[0.8], [1.4]],
        )
    ],
)(solve)
Solve.spec = Unchecked("applied and checked through solve(), which has the spec")
