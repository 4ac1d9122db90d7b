"""Two activations as FunctionNodes, with backward passes on Variables (so second order works).

``tanh`` and ``log_cosh`` (a smooth absolute value whose gradient is ``tanh``).
"""

from __future__ import annotations

import math

import numpy as np

import gradkit
from gradkit.testing import Input, OpSpec


class Tanh(gradkit.FunctionNode):
    """``y = tanh(x)``; ``dy/dx = 1 - y**2``, computed from the retained output."""

    def forward(self, inputs):
        (x,) = inputs
        xp = gradkit.get_array_module(x)
        self.retain_outputs((0,))
        return (xp.tanh(x),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 - y * y),)


def tanh(x):
    """Apply :class:`Tanh` and return its output."""
    return Tanh().apply((x,))[0]


Tanh.spec = OpSpec(
    inputs=[Input(domain=(-2.0, 2.0))],
    shapes=[(3, 4), (), (0, 3)],
    reference=np.tanh,
)


class LogCosh(gradkit.FunctionNode):
    """``y = log(cosh(x))``, computed as ``|x| + log1p(exp(-2|x|)) - log 2`` so that it does
    not overflow; ``dy/dx = tanh(x)``."""

    def forward(self, inputs):
        (x,) = inputs
        xp = gradkit.get_array_module(x)
        self.retain_inputs((0,))
        ax = xp.abs(x)
        return (ax + xp.log1p(xp.exp(-2 * ax)) - math.log(2.0),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * tanh(x),)


def log_cosh(x):
    """Apply :class:`LogCosh` and return its output."""
    return LogCosh().apply((x,))[0]


LogCosh.spec = OpSpec(
    inputs=[Input(domain=(-3.0, 3.0))],
    shapes=[(3, 4), (5,)],
    reference=lambda x: np.log(np.cosh(x)),
)
