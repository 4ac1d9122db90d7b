r"""det and slogdet: the determinant of square matrices, and its sign and log-magnitude.

.. math:: y = \det X \;\Rightarrow\;
          \frac{\partial L}{\partial X} = g\, y\, X^{-T}

.. math:: (s, \ell) = (\mathrm{sign} \det X, \log |\det X|) \;\Rightarrow\;
          \frac{\partial L}{\partial X} = g_\ell\, X^{-T}

(Jacobi's formula; the sign is piecewise constant, so its gradient is zero). Both gradients
are written with :func:`~gradkit_ops.linalg.inv`, ``matmul`` and ``mul``, so higher orders
follow. They hold for invertible matrices (the specs draw well-conditioned ones of both
determinant signs); at a singular matrix ``det``'s gradient is the adjugate, which this
formula does not reach. The forward is the array API's ``linalg.det`` / ``linalg.slogdet``
(float32 and float64: NumPy has no float16 linear algebra).
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import mul, reshape
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.linalg._matrices import LINALG_DTYPES, negative_det, swap_last, well_conditioned
from gradkit_ops.linalg.inv import check_square, inv

__all__ = ["Det", "SLogDet", "det", "slogdet"]


def _per_matrix(g: Variable) -> Variable:
    # A gradient of shape (...,) as (..., 1, 1), to scale whole matrices.
    return reshape(g, (*g.shape, 1, 1))


class Det(FunctionNode):
    """The determinant of every matrix in the last two axes."""

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return (get_array_module(x).linalg.det(x),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        (x,) = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        return (mul(_per_matrix(mul(gy, y)), swap_last(inv(x))),)


class SLogDet(FunctionNode):
    """The sign and the log of the absolute value of the determinant (two outputs)."""

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        sign, logabsdet = get_array_module(x).linalg.slogdet(x)
        return (sign, logabsdet)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        _, glog = grad_outputs  # the sign is piecewise constant: no gradient
        (x,) = self.get_retained_inputs()
        return (mul(_per_matrix(glog), swap_last(inv(x))),)


def det(x: Any) -> Variable:
    """The determinant of ``x`` (shape ``(..., n, n)``), one per matrix of a stack.

    >>> import numpy as np
    >>> from gradkit_ops.linalg import det
    >>> float(det(np.array([[1.0, 2.0], [3.0, 4.0]])).array)
    -2.0000000000000004
    """
    check_square(x, "det")
    return Det().apply((x,))[0]


def slogdet(x: Any) -> tuple[Variable, Variable]:
    """``(sign, logabsdet)`` of the determinants of ``x`` (shape ``(..., n, n)``), as the
    array API's ``linalg.slogdet``: stable where the determinant itself under- or overflows.
    Only ``logabsdet`` has a gradient.

    >>> import numpy as np
    >>> from gradkit_ops.linalg import slogdet
    >>> sign, logabsdet = slogdet(np.array([[0.0, 2.0], [3.0, 0.0]]))
    >>> float(sign.array), round(float(logabsdet.array), 6)
    (-1.0, 1.791759)
    """
    check_square(x, "slogdet")
    sign, logabsdet = SLogDet().apply((x,))
    return sign, logabsdet


_SHAPES = [(3, 3), (2, 4, 4), (1, 1), (0, 0), (2, 0, 0), "3x3nc"]

op_spec(
    name="det",
    inputs=[Input(values=well_conditioned)],
    shapes=_SHAPES,
    dtypes=LINALG_DTYPES,
    reference=numpy.linalg.det,
    examples=[([numpy.array([[2.0, 1.0], [1.0, 3.0]])], 5.0)],
)(det)
op_spec(
    name="det.negative",
    inputs=[Input(values=negative_det)],
    shapes=[(3, 3), (3, 2, 2)],
    dtypes=LINALG_DTYPES,
    reference=numpy.linalg.det,
)(det)
op_spec(
    name="slogdet",
    inputs=[Input(values=well_conditioned)],
    shapes=_SHAPES,
    dtypes=LINALG_DTYPES,
    reference=lambda x: tuple(numpy.linalg.slogdet(x)),
)(slogdet)
op_spec(
    name="slogdet.negative",
    inputs=[Input(values=negative_det)],
    shapes=[(3, 3), (3, 2, 2)],
    dtypes=LINALG_DTYPES,
    reference=lambda x: tuple(numpy.linalg.slogdet(x)),
    examples=[([numpy.array([[0.0, 2.0], [3.0, 0.0]])], (-1.0, numpy.log(6.0)))],
)(slogdet)
Det.spec = Unchecked("applied and checked through det(), which has the specs")
SLogDet.spec = Unchecked("applied and checked through slogdet(), which has the specs")
