"""A linear layer ``y = x @ W + b`` as a classic ``gradkit.Function``: the seed's example.

``x``, ``W`` and ``b`` are all inputs, so ``backward`` returns one gradient per input. A classic
Function works on raw arrays and supports first-order gradients only.
"""

from __future__ import annotations

import gradkit
from gradkit.testing import Input, OpSpec


class LinearFunction(gradkit.Function):
    """``y = x @ W + b`` for ``x`` of shape (N, in), ``W`` of (in, out) and ``b`` of (out,)."""

    def forward(self, inputs):
        x, W, b = inputs
        return (x @ W + b,)

    def backward(self, inputs, grad_outputs):
        x, W, _b = inputs
        (gy,) = grad_outputs
        xp = gradkit.get_array_module(gy)  # NumPy, array-api-strict or CuPy: write it once
        gx = gy @ W.T  # (N, out) @ (out, in) -> (N, in)
        gW = x.T @ gy  # (in, N) @ (N, out) -> (in, out)
        gb = xp.sum(gy, axis=0)  # b was broadcast over the batch: sum over it
        return gx, gW, gb


def linear(x, W, b):
    """Apply :class:`LinearFunction` to Variables (or arrays) and return ``y``."""
    return LinearFunction()(x, W, b)


def _linear_reference(x, W, b):
    return x @ W + b


# How to check it: one shape per input (x, W, b), a batch of 4 and a batch of 1.
LinearFunction.spec = OpSpec(
    name="linear",
    inputs=[Input(), Input(), Input()],
    shapes=[((4, 3), (3, 2), (2,)), ((1, 5), (5, 3), (3,))],
    reference=_linear_reference,
)
