r"""inv: the inverse of square matrices (of every matrix of a stack).

.. math:: Y = X^{-1} \;\Rightarrow\; dY = -Y\,dX\,Y
          \;\Rightarrow\; \frac{\partial L}{\partial X} = -Y^T G\, Y^T

The backward reuses the output and is written with ``matmul`` and ``transpose``, so higher
orders follow. The forward is the array API's ``linalg.inv`` (LAPACK on the host: float32 and
float64; NumPy has no float16 linear algebra). A singular matrix raises the namespace's error.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import matmul, neg
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.linalg._matrices import LINALG_DTYPES, swap_last, well_conditioned

__all__ = ["Inv", "inv", "check_square"]


def check_square(x: Any, op: str) -> None:
    """Raise ``ValueError`` unless ``x`` is a (stack of) square matrices."""
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"{op}: needs square matrices in the last two axes, shape (..., n, n); got shape "
            f"{x.shape}"
        )


class Inv(FunctionNode):
    """The inverse of every matrix in the last two axes; the gradient reuses the output."""

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_outputs((0,))
        return (get_array_module(x).linalg.inv(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        (y,) = self.get_retained_outputs()
        yt = swap_last(y)
        return (neg(matmul(matmul(yt, gy), yt)),)


def inv(x: Any) -> Variable:
    """The inverse of ``x`` (shape ``(..., n, n)``: every matrix of a stack is inverted).

    >>> import numpy as np
    >>> from gradkit_ops.linalg import inv
    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]])).array
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    check_square(x, "inv")
    return Inv().apply((x,))[0]


op_spec(
    name="inv",
    inputs=[Input(values=well_conditioned)],
    shapes=[(3, 3), (2, 4, 4), (1, 1), (0, 0), (2, 0, 0), "3x3nc"],
    dtypes=LINALG_DTYPES,
    reference=numpy.linalg.inv,
    examples=[([numpy.array([[1.0, 2.0], [3.0, 4.0]])], [[-2.0, 1.0], [1.5, -0.5]])],
)(inv)
Inv.spec = Unchecked("applied and checked through inv(), which has the spec")
