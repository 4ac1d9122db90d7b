r"""cholesky: the lower-triangular factor :math:`L` of a symmetric positive definite matrix,
:math:`A = L L^T`.

The input is symmetrized first, :math:`A_s = (A + A^T) / 2`, so the result depends on both
triangles equally on every device (LAPACK reads one triangle, and which one differs between
libraries), and the gradient is the symmetric one (Murray, 2016):

.. math:: \frac{\partial L}{\partial A}
          = \tfrac12 (S + S^T),\quad S = L^{-T}\, \Phi(L^T \bar L)\, L^{-1}

where :math:`\bar L` is the output gradient and :math:`\Phi` keeps the lower triangle and
halves the diagonal. :math:`S` is two triangular systems with :math:`L^T`, solved with
:func:`~gradkit_ops.linalg.solve`; with ``matmul`` and a constant mask for :math:`\Phi`, the
backward is differentiable again. The forward is the array API's ``linalg.cholesky`` (float32
and float64: NumPy has no float16 linear algebra); a matrix that is not positive definite
raises the namespace's error.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import add, matmul, mul
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.linalg._matrices import LINALG_DTYPES, spd, swap_last
from gradkit_ops.linalg.inv import check_square
from gradkit_ops.linalg.solve import solve

__all__ = ["Cholesky", "cholesky"]


class Cholesky(FunctionNode):
    """The lower Cholesky factor of the symmetrized input; the gradient reuses the output."""

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (a,) = inputs
        self.retain_outputs((0,))
        xp = get_array_module(a)
        return (xp.linalg.cholesky((a + xp.matrix_transpose(a)) * 0.5),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gl,) = grad_outputs
        (low,) = self.get_retained_outputs()
        data = low.array
        xp = get_array_module(data)
        n = data.shape[-1]
        # Phi: the lower triangle with the diagonal halved, as a constant 0 / 1/2 / 1 mask.
        ones = xp.ones((n, n), dtype=data.dtype, device=data.device)
        phi = xp.tril(ones) - 0.5 * xp.eye(n, dtype=data.dtype, device=data.device)
        up = swap_last(low)
        p = mul(matmul(up, gl), phi)
        s = swap_last(solve(up, swap_last(solve(up, p))))
        return (mul(add(s, swap_last(s)), 0.5),)


def cholesky(a: Any) -> Variable:
    """The lower-triangular ``L`` with ``L @ L.T == a`` for a symmetric positive definite
    ``a`` (shape ``(..., n, n)``: every matrix of a stack). ``a`` is symmetrized first: the
    result is that of ``(a + a.T) / 2``.

    >>> import numpy as np
    >>> from gradkit_ops.linalg import cholesky
    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]])).array
    array([[2., 0.],
           [1., 2.]])
    """
    check_square(a, "cholesky")
    return Cholesky().apply((a,))[0]


op_spec(
    name="cholesky",
    inputs=[Input(values=spd)],
    shapes=[(3, 3), (2, 4, 4), (1, 1), (0, 0), (2, 0, 0), "3x3nc"],
    dtypes=LINALG_DTYPES,
    reference=numpy.linalg.cholesky,
    examples=[([numpy.array([[4.0, 2.0], [2.0, 5.0]])], [[2.0, 0.0], [1.0, 2.0]])],
)(cholesky)
Cholesky.spec = Unchecked("applied and checked through cholesky(), which has the spec")
