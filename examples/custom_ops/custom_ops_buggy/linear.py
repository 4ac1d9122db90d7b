"""The linear layer of :mod:`custom_ops.linear` with a planted bug in ``backward``."""

from __future__ import annotations

import dataclasses

from custom_ops.linear import LinearFunction as _CorrectLinear

import gradkit


class LinearFunction(_CorrectLinear):
    """``y = x @ W + b`` whose backward divides ``gW`` by the batch size (a mean, not a sum)."""

    def backward(self, inputs, grad_outputs):
        x, W, _b = inputs
        (gy,) = grad_outputs
        xp = gradkit.get_array_module(gy)
        gx = gy @ W.T
        gW = x.T @ gy / x.shape[0]  # planted bug: the batch is averaged, not summed
        gb = xp.sum(gy, axis=0)
        return gx, gW, gb


# The same spec as the correct op (so the case ids are the same), attached to this class.
# (The correct op is imported under a private name: discovery skips names starting with _.)
LinearFunction.spec = dataclasses.replace(_CorrectLinear.spec)
