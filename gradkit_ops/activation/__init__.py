"""Activation functions: the ReLU family, the exponential units, GELU, the sigmoid family,
softplus and its relatives, piecewise-linear units, softmax and maxout.

Every activation is differentiable to any order where it is smooth; each module documents its
kinks (relu at 0, the corners of the clipped units, ties in maxout).
"""

from __future__ import annotations

from gradkit_ops.activation.elu import celu, elu, selu
from gradkit_ops.activation.gelu import gelu
from gradkit_ops.activation.hard import clipped_relu, hard_sigmoid, hard_tanh, relu6
from gradkit_ops.activation.maxout import maxout
from gradkit_ops.activation.prelu import prelu
from gradkit_ops.activation.relu import leaky_relu, relu
from gradkit_ops.activation.sigmoid import log_sigmoid, sigmoid
from gradkit_ops.activation.softmax import log_softmax, softmax
from gradkit_ops.activation.softplus import mish, silu, softplus
from gradkit_ops.activation.softsign import softsign

__all__ = [
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "celu",
    "selu",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "softsign",
    "sigmoid",
    "log_sigmoid",
    "hard_sigmoid",
    "hard_tanh",
    "clipped_relu",
    "relu6",
    "softmax",
    "log_softmax",
    "maxout",
]
