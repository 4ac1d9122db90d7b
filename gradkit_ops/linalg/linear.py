r"""linear: the fully connected layer ``x W^T + b``, with Chainer's conventions.

``W`` has shape ``(out, in)``. The first ``n_batch_axes`` axes of ``x`` are batch axes; the
others are flattened into the ``in`` features.

.. math:: Y = X W^T + b \;\Rightarrow\;
          \frac{\partial L}{\partial X} = G W,\quad
          \frac{\partial L}{\partial W} = G^T X,\quad
          \frac{\partial L}{\partial b} = \textstyle\sum_n G_n

One node for the product and the bias (one output array, no intermediate); its backward is
written with ``matmul`` and ``transpose``, so higher orders follow. The bias gradient is the
product of a vector of ones with :math:`G` (on NumPy: BLAS, twice as fast as ``sum`` over the
batch axis), or ``sum`` where BLAS does not apply.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import matmul, reshape, sum, transpose
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops._ones import ones_vector

__all__ = ["Linear", "linear"]

_ndarray = numpy.ndarray


def _bias_grad(gy: Variable) -> Variable:
    # The sum of gy over its rows. On NumPy (float32/64) a product with a constant vector of
    # ones, which BLAS computes in half the time of NumPy's sum along axis 0 (for the same
    # float accumulation); matmul is differentiable, so higher orders follow as from sum.
    g = gy.array
    if type(g) is _ndarray and g.dtype.char in "fd" and g.shape[0]:
        return matmul(Variable(ones_vector(g.shape[0], g.dtype), requires_grad=False), gy)
    return sum(gy, 0)


class Linear(FunctionNode):
    """``x @ W.T (+ b)`` for a 2-d ``x`` of shape ``(n, in)``; inputs ``(x, W[, b])``."""

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        x, W = inputs[0], inputs[1]
        self.retain_inputs((0, 1))
        if type(x) is _ndarray:
            # W.T is a view: BLAS reads W as stored (transposed operand), as in x @ W.T.
            y = numpy.matmul(x, W.T)
        else:
            xp = get_array_module(x)
            y = xp.matmul(x, xp.matrix_transpose(W))
        if len(inputs) == 3:
            y += inputs[2]  # y is new and ours: add the bias in place, without a copy
        return (y,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        x, W = self.get_retained_inputs()
        result = []
        for i in target_input_indexes:
            if i == 0:
                result.append(matmul(gy, W))
            elif i == 1:
                result.append(matmul(transpose(gy), x))
            else:
                result.append(_bias_grad(gy))
        return tuple(result)


def linear(x: Any, W: Any, b: Any = None, n_batch_axes: int = 1) -> Variable:
    """The linear layer ``x W^T + b``: ``W`` of shape ``(out, in)``, ``b`` of shape ``(out,)``
    or ``None``. The first ``n_batch_axes`` axes of ``x`` are kept and the others flattened
    into ``in`` features, so the result has shape ``x.shape[:n_batch_axes] + (out,)``.

    >>> import numpy as np
    >>> from gradkit_ops.linalg import linear
    >>> linear(np.ones((2, 3)), np.arange(6.0).reshape(2, 3), np.array([0.5, -0.5])).array
    array([[ 3.5, 11.5],
           [ 3.5, 11.5]])
    """
    xs, ws = x.shape, W.shape
    if (
        n_batch_axes == 1
        and len(xs) == 2
        and len(ws) == 2
        and xs[1] == ws[1]
        and (b is None or tuple(b.shape) == (ws[0],))
    ):
        # The common case, valid as it is: a batch of vectors, W and b that fit.
        return Linear().apply((x, W) if b is None else (x, W, b))[0]
    if not 1 <= n_batch_axes <= x.ndim:
        raise ValueError(
            f"linear: n_batch_axes={n_batch_axes} must be between 1 and x.ndim={x.ndim}"
        )
    if W.ndim != 2:
        raise ValueError(f"linear: W must have shape (out, in); got shape {W.shape}")
    batch = tuple(x.shape[:n_batch_axes])
    n_in = math.prod(x.shape[n_batch_axes:])
    if n_in != W.shape[1]:
        raise ValueError(
            f"linear: x of shape {x.shape} has {n_in} features after its {n_batch_axes} batch "
            f"axes, but W of shape {W.shape} takes {W.shape[1]}"
        )
    if b is not None and tuple(b.shape) != (W.shape[0],):
        raise ValueError(f"linear: b must have shape ({W.shape[0]},); got shape {b.shape}")
    flat = x.ndim != 2 or n_batch_axes != 1
    x2 = reshape(x, (math.prod(batch), n_in)) if flat else x
    inputs = (x2, W) if b is None else (x2, W, b)
    (y,) = Linear().apply(inputs)
    return reshape(y, (*batch, W.shape[0])) if flat else y


def _reference(x: Any, W: Any, b: Any = None, n_batch_axes: int = 1) -> Any:
    x2 = x.reshape((math.prod(x.shape[:n_batch_axes]), math.prod(x.shape[n_batch_axes:])))
    y = x2 @ W.T + (0.0 if b is None else b)
    return y.reshape((*x.shape[:n_batch_axes], W.shape[0])).astype(x.dtype)


op_spec(
    name="linear",
    inputs=[Input(), Input(shape=lambda s: (5, s[-1])), Input(shape=lambda s: (5,))],
    shapes=[(3, 4), "3x4nc", (0, 4), (3, 0), (1, 1)],
    reference=_reference,
)(linear)
op_spec(
    name="linear.nobias",
    inputs=[Input(), Input(shape=lambda s: (2, s[-1]))],
    shapes=[(3, 4), "3x4nc", (0, 4)],
    reference=_reference,
)(linear)
# Chainer's n_batch_axes: (2, 3) batch axes, (2, 2) flattened into 4 features.
op_spec(
    name="linear.batch_axes",
    inputs=[Input(), Input(shape=lambda s: (3, s[2] * s[3])), Input(shape=lambda s: (3,))],
    kwargs={"n_batch_axes": 2},
    shapes=[(2, 3, 2, 2), "2x3x2x2nc"],
    reference=lambda x, W, b: _reference(x, W, b, 2),
)(linear)
op_spec(
    name="linear.flatten",
    inputs=[Input(), Input(shape=lambda s: (3, s[1] * s[2]))],
    shapes=[(2, 3, 2), "2x3x2nc"],
    reference=lambda x, W: _reference(x, W),
    examples=[
        (
            [numpy.ones((2, 1, 2)), numpy.array([[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]])],
            numpy.array([[3.0, 7.0, -1.0], [3.0, 7.0, -1.0]]),
        )
    ],
)(linear)
Linear.spec = Unchecked("applied and checked through linear(), which has the specs")
