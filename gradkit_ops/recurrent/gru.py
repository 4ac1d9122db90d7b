r"""gru: a gated recurrent unit cell, fused on pre-activations, and ``gru_cell`` with weights.

Convention (PyTorch's ``GRUCell``, so its weights port as they are): the gates come in blocks
``[r | z | n]`` along axis 1. ``gru(h, xw, hw)`` takes the two pre-activations
:math:`x_w = x W_{ih}^T + b_{ih}` and :math:`h_w = h W_{hh}^T + b_{hh}`, each of shape
:math:`(B, 3H)`, kept apart because the reset gate multiplies only the recurrent part of
the candidate:

.. math::
    r = \sigma(x_r + h_r), \quad z = \sigma(x_z + h_z), \quad
    n = \tanh(x_n + r\, h_n), \quad h' = (1 - z)\, n + z\, h

With :math:`g` the gradient of :math:`h'`, :math:`d_n = g (1 - z)(1 - n^2)`,
:math:`d_z = g (h - n)\, z (1 - z)` and :math:`d_r = d_n h_n\, r (1 - r)`:

.. math::
    \frac{\partial L}{\partial h} = g\, z, \quad
    \frac{\partial L}{\partial x_w} = [d_r \mid d_z \mid d_n], \quad
    \frac{\partial L}{\partial h_w} = [d_r \mid d_z \mid r\, d_n]

The forward is one fused node; its backward recomputes the gates with gradkit ops, so higher
orders follow. ``gru_cell(x, h, w_ih, w_hh, b_ih, b_hh)`` computes the pre-activations with
``matmul`` and calls ``gru``.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import add, getitem, matmul, transpose
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.activation import sigmoid
from gradkit_ops.activation.sigmoid import sigmoid_array
from gradkit_ops.array import concat
from gradkit_ops.math import tanh

__all__ = ["GRU", "gru", "gru_cell"]


def _block(v: Any, k: int, size: int) -> Any:
    return getitem(v, (slice(None), slice(k * size, (k + 1) * size)))


class GRU(FunctionNode):
    """The fused GRU cell: inputs ``(h, xw, hw)``, output the next hidden state."""

    spec = Unchecked("applied and checked through gradkit_ops.gru()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        h, xw, hw = inputs
        self.retain_inputs((0, 1, 2))
        xp = get_array_module(h)
        size = h.shape[1]
        xr, xz, xn = (xw[:, k * size : (k + 1) * size, ...] for k in range(3))
        hr, hz, hn = (hw[:, k * size : (k + 1) * size, ...] for k in range(3))
        r = sigmoid_array(xr + hr)
        z = sigmoid_array(xz + hz)
        n = xp.tanh(xn + r * hn)
        # h' = n + z (h - n), in place
        out = h - n
        out *= z
        out += n
        return (out,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        h, xw, hw = self.get_retained_inputs()
        (g,) = grad_outputs
        size = h.shape[1]
        xr, xz, xn = (_block(xw, k, size) for k in range(3))
        hr, hz, hn = (_block(hw, k, size) for k in range(3))
        r = sigmoid(xr + hr)
        z = sigmoid(xz + hz)
        n = tanh(xn + r * hn)
        dn = g * (1 - z) * (1 - n * n)
        dz = g * (h - n) * z * (1 - z)
        dr = dn * hn * r * (1 - r)
        return g * z, concat([dr, dz, dn], axis=1), concat([dr, dz, dn * r], axis=1)


def gru(h: Any, xw: Any, hw: Any) -> Variable:
    """One step of a GRU cell from the hidden state ``h`` (shape ``(B, H, ...)``) and the
    pre-activations ``xw`` (input part) and ``hw`` (recurrent part), both ``(B, 3H, ...)`` in
    blocks ``[r | z | n]``: returns the next hidden state.

    >>> import numpy as np
    >>> shut = np.array([[10.0, -10.0, 0.5]])  # reset open, update shut: h' = tanh(0.5 + 0.5)
    >>> gru(np.array([[3.0]]), shut, np.array([[0.0, 0.0, 0.5]])).array.round(3)
    array([[0.762]])
    """
    if h.ndim < 2:
        raise ValueError(f"gru: input 0 (h) must have shape (B, H, ...); got {tuple(h.shape)}")
    expected = (h.shape[0], 3 * h.shape[1], *h.shape[2:])
    for index, name, v in ((1, "xw", xw), (2, "hw", hw)):
        if tuple(v.shape) != expected:
            raise ValueError(
                f"gru: input {index} ({name}) must have shape {expected} for h of shape "
                f"{tuple(h.shape)}; got {tuple(v.shape)}"
            )
    return GRU().apply((h, xw, hw))[0]


def gru_cell(x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Variable:
    """One step of a GRU cell with weights, as PyTorch's ``GRUCell``: ``x`` (B, I), ``h``
    (B, H), ``w_ih`` (3H, I), ``w_hh`` (3H, H), optional biases (3H,), gates ``[r | z | n]``.

    >>> import numpy as np
    >>> x, h = np.ones((1, 2)), np.zeros((1, 1))
    >>> gru_cell(x, h, np.zeros((3, 2)), np.zeros((3, 1))).array  # n = 0, z = 1/2
    array([[0.]])
    """
    xw = matmul(x, transpose(w_ih))
    hw = matmul(h, transpose(w_hh))
    if b_ih is not None:
        xw = add(xw, b_ih)
    if b_hh is not None:
        hw = add(hw, b_hh)
    return gru(h, xw, hw)


def _sigmoid(v: numpy.ndarray) -> numpy.ndarray:
    return 1 / (1 + numpy.exp(-v))


def _reference(h: numpy.ndarray, xw: numpy.ndarray, hw: numpy.ndarray) -> numpy.ndarray:
    xr, xz, xn = numpy.split(xw, 3, axis=1)
    hr, hz, hn = numpy.split(hw, 3, axis=1)
    r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
    n = numpy.tanh(xn + r * hn)
    return (1 - z) * n + z * h


def _cell_reference(*arrays: numpy.ndarray) -> numpy.ndarray:
    x, h, w_ih, w_hh, b_ih, b_hh = arrays
    return _reference(h, x @ w_ih.T + b_ih, h @ w_hh.T + b_hh)


PREACTIVATION = Input(domain=(-2.0, 2.0), shape=lambda s: (s[0], 3 * s[1], *s[2:]))
op_spec(
    inputs=[Input(), PREACTIVATION, PREACTIVATION],
    shapes=[(3, 2), (2, 3, 2), (1, 1), (0, 2), "3x2nc"],
    reference=_reference,
)(gru)
# The shared shape is (B, I, H): batch, input size, hidden size.
op_spec(
    inputs=[
        Input(shape=lambda s: (s[0], s[1])),
        Input(shape=lambda s: (s[0], s[2])),
        Input(shape=lambda s: (3 * s[2], s[1])),
        Input(shape=lambda s: (3 * s[2], s[2])),
        Input(shape=lambda s: (3 * s[2],)),
        Input(shape=lambda s: (3 * s[2],)),
    ],
    shapes=[(3, 4, 2), (2, 2, 3), "3x4x2nc"],
    reference=_cell_reference,
)(gru_cell)
