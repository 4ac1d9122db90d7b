r"""lstm: Chainer's fused LSTM cell on pre-activations.

``x`` holds the four gate pre-activations of each unit, *interleaved* as in Chainer: for
``x`` of shape :math:`(B, 4H, \dots)`, reshaped to :math:`(B, H, 4, \dots)`, index 0 along the
new axis is the cell input :math:`a`, 1 the input gate :math:`i`, 2 the forget gate :math:`f`
and 3 the output gate :math:`o` (so ``x[:, 4k:4k+4]`` are the gates of unit :math:`k`). With
:math:`\sigma` the logistic sigmoid:

.. math::
    a = \tanh(x_a), \quad i = \sigma(x_i), \quad f = \sigma(x_f), \quad o = \sigma(x_o),
    \qquad c = a\, i + f\, c_{\text{prev}}, \quad h = o \tanh(c)

With :math:`g_c, g_h` the gradients of the outputs and
:math:`\bar g_c = g_c + g_h\, o\, (1 - \tanh^2 c)`:

.. math::
    \frac{\partial L}{\partial c_{\text{prev}}} = \bar g_c f, \quad
    \frac{\partial L}{\partial x_a} = \bar g_c\, i\, (1 - a^2), \quad
    \frac{\partial L}{\partial x_i} = \bar g_c\, a\, i (1 - i), \quad
    \frac{\partial L}{\partial x_f} = \bar g_c\, c_{\text{prev}}\, f (1 - f), \quad
    \frac{\partial L}{\partial x_o} = g_h \tanh(c)\, o (1 - o)

The forward is one fused node; its backward recomputes the gates from the retained ``x`` with
gradkit ops, so higher orders follow. As in Chainer, ``c_prev`` may have more rows than ``x``
(sequences that ended): the extra rows of the cell state pass through unchanged, and ``h``
has ``x``'s rows only.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import getitem, reshape
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.activation import sigmoid
from gradkit_ops.activation.sigmoid import sigmoid_array
from gradkit_ops.array import concat, stack
from gradkit_ops.math import tanh

__all__ = ["LSTM", "lstm"]


def _gate_shape(x: Any) -> tuple[int, ...]:
    return (x.shape[0], x.shape[1] // 4, 4, *x.shape[2:])


def _gate(r: Any, k: int) -> Any:
    return getitem(r, (slice(None), slice(None), k))


class LSTM(FunctionNode):
    """The fused LSTM cell: inputs ``(c_prev, x)`` of one batch size, outputs ``(c, h)``."""

    spec = Unchecked("applied and checked through gradkit_ops.lstm()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        c_prev, x = inputs
        self.retain_inputs((0, 1))
        self.retain_outputs((0,))
        xp = get_array_module(x)
        r = xp.reshape(x, _gate_shape(x))
        a = xp.tanh(r[:, :, 0, ...])
        c = a * sigmoid_array(r[:, :, 1, ...])
        c += sigmoid_array(r[:, :, 2, ...]) * c_prev
        h = sigmoid_array(r[:, :, 3, ...]) * xp.tanh(c)
        return c, h

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        c_prev, x = self.get_retained_inputs()
        (c,) = self.get_retained_outputs()
        gc, gh = grad_outputs
        r = reshape(x, _gate_shape(x))
        a = tanh(_gate(r, 0))
        i, f, o = (sigmoid(_gate(r, k)) for k in (1, 2, 3))
        tc = tanh(c)
        gc = gc + gh * o * (1 - tc * tc)
        ga = gc * i * (1 - a * a)
        gi = gc * a * i * (1 - i)
        gf = gc * c_prev * f * (1 - f)
        go = gh * tc * o * (1 - o)
        gx = reshape(stack([ga, gi, gf, go], axis=2), tuple(x.shape))
        return gc * f, gx


def lstm(c_prev: Any, x: Any) -> tuple[Variable, Variable]:
    """One step of an LSTM cell from the previous cell state ``c_prev`` (shape
    ``(B', H, ...)``, ``B' >= B``) and the gate pre-activations ``x`` (shape
    ``(B, 4H, ...)``, Chainer's interleaved layout): returns ``(c, h)``.

    >>> import numpy as np
    >>> x = np.array([[10.0, 10.0, -10.0, 10.0]])  # a = 1, input open, forget shut, output open
    >>> c, h = lstm(np.array([[5.0]]), x)
    >>> c.array.round(3), h.array.round(3)
    (array([[1.]]), array([[0.762]]))
    """
    if x.ndim < 2 or x.shape[1] % 4:
        raise ValueError(
            f"lstm: input 1 (x) must have shape (B, 4H, ...); got {tuple(x.shape)}, whose axis "
            "1 is not a multiple of 4"
        )
    expected = (x.shape[1] // 4, *x.shape[2:])
    if c_prev.ndim != x.ndim or tuple(c_prev.shape[1:]) != expected:
        raise ValueError(
            f"lstm: input 0 (c_prev) must have shape (B', {', '.join(map(str, expected))}) for x "
            f"of shape {tuple(x.shape)}; got {tuple(c_prev.shape)}"
        )
    b = x.shape[0]
    if c_prev.shape[0] < b:
        raise ValueError(
            f"lstm: input 0 (c_prev) has {c_prev.shape[0]} rows, fewer than the {b} of x"
        )
    if c_prev.shape[0] == b:
        c, h = LSTM().apply((c_prev, x))
        return c, h
    c, h = LSTM().apply((getitem(c_prev, slice(0, b)), x))
    return concat([c, getitem(c_prev, slice(b, None))], axis=0), h


def _sigmoid(v: numpy.ndarray) -> numpy.ndarray:
    return 1 / (1 + numpy.exp(-v))


def _reference(c_prev: numpy.ndarray, x: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    b = x.shape[0]
    r = x.reshape(_gate_shape(x))
    a, i, f, o = (r[:, :, k] for k in range(4))
    c = numpy.tanh(a) * _sigmoid(i) + _sigmoid(f) * c_prev[:b]
    h = _sigmoid(o) * numpy.tanh(c)
    return numpy.concatenate([c, c_prev[b:]]), h


GATES = Input(domain=(-2.0, 2.0), shape=lambda s: (s[0], 4 * s[1], *s[2:]))
op_spec(
    name="lstm",
    inputs=[Input(), GATES],
    shapes=[(3, 2), (2, 3, 2), (1, 1), (0, 2), "3x2nc"],
    reference=_reference,
)(lstm)
# Sequences that ended: c_prev has more rows than x.
op_spec(
    name="lstm.fewer_rows",
    inputs=[Input(), Input(domain=(-2.0, 2.0), shape=lambda s: (s[0] - 2, 4 * s[1]))],
    shapes=[(4, 2), "4x2nc"],
    reference=_reference,
)(lstm)
