r"""Group normalization: the channels of each sample split into groups, each group
standardized over its channels and spatial axes, then scaled and shifted per channel.

For ``x`` of shape :math:`(N, C, S_1, \dots)` and :math:`G` groups of :math:`C / G` channels,
with :math:`A_{ng}` the elements of group :math:`g` of sample :math:`n`:

.. math::
    \mu_{ng} = \operatorname{mean}_{A_{ng}} x, \quad
    \sigma^2_{ng} = \operatorname{mean}_{A_{ng}} (x - \mu_{ng})^2, \quad
    y_{nc\dots} = \gamma_c \frac{x_{nc\dots} - \mu_{ng}}{\sqrt{\sigma^2_{ng} + \epsilon}}
        + \beta_c

The gradient is batch normalization's with the statistics per group and :math:`\gamma`
varying inside a group: with :math:`g = \gamma \odot g_y` and :math:`\hat x` the standardized
input,

.. math::
    \frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2_{ng} + \epsilon}}
        \Big(g - \operatorname{mean}_{A_{ng}} g
        - \hat x \operatorname{mean}_{A_{ng}} (g \hat x)\Big), \quad
    \frac{\partial L}{\partial \gamma_c} = \sum_{n, S} g_y \hat x, \quad
    \frac{\partial L}{\partial \beta_c} = \sum_{n, S} g_y

It reshapes ``x`` to :math:`(N, G, C/G, S_1, \dots)` around batch normalization's node, so
double backward works. One group is layer normalization over (C, S...); C groups are
instance normalization.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import reshape
from gradkit.testing import Input, op_spec
from gradkit_ops.normalization._affine import affine_normalization, parameter_view

__all__ = ["group_norm"]


def group_norm(
    x: Any, groups: int, gamma: Any = None, beta: Any = None, eps: float = 1e-5
) -> Variable:
    """Group normalization of ``x`` (shape ``(N, C, spatial...)``) in ``groups`` groups of
    channels, scaled by ``gamma`` and shifted by ``beta`` (shape ``(C,)``; ``None``: no scale,
    no shift).

    >>> import numpy as np
    >>> x = np.array([[1.0, 3.0, 0.0, 10.0]])
    >>> group_norm(x, 2, eps=0.0).array
    array([[-1.,  1., -1.,  1.]])
    """
    if x.ndim < 2:
        raise ValueError(f"group_norm: x needs a batch and a channel axis; got {tuple(x.shape)}")
    n, c = x.shape[:2]
    if not isinstance(groups, int) or groups < 1 or c % groups:
        raise ValueError(
            f"group_norm: groups must be a positive divisor of the {c} channels; got {groups!r}"
        )
    if gamma is not None:
        gamma = parameter_view("group_norm", "gamma", 2, gamma, x, (1,))
    if beta is not None:
        beta = parameter_view("group_norm", "beta", 3, beta, x, (1,))
    spatial = tuple(x.shape[2:])
    grouped = (n, groups, c // groups, *spatial)
    # The parameters, (C, 1...) to broadcast against x, become (G, C/G, 1...) likewise.
    pshape = (groups, c // groups) + (1,) * len(spatial)
    gamma = None if gamma is None else reshape(gamma, pshape)
    beta = None if beta is None else reshape(beta, pshape)
    y, _ = affine_normalization(
        "group_norm", reshape(x, grouped), gamma, beta, tuple(range(2, len(grouped))), eps
    )
    return reshape(y, tuple(x.shape))


def _reference(
    x: numpy.ndarray,
    gamma: numpy.ndarray,
    beta: numpy.ndarray,
    groups: int = 2,
    eps: float = 1e-5,
) -> numpy.ndarray:
    n, c = x.shape[:2]
    out = numpy.empty_like(x)
    for i in range(n):
        for k in range(groups):
            block = x[i, k * (c // groups) : (k + 1) * (c // groups)]
            out[i, k * (c // groups) : (k + 1) * (c // groups)] = (block - block.mean()) / (
                numpy.sqrt(block.var() + eps)
            )
    view = (1, -1) + (1,) * (x.ndim - 2)
    return gamma.reshape(view) * out + beta.reshape(view)


CHANNEL = Input(shape=lambda s: (s[1],))
op_spec(
    name="group_norm",
    inputs=[Input(), CHANNEL, CHANNEL],
    factory=lambda: lambda x, g, b: group_norm(x, 2, g, b),
    shapes=[(2, 4, 3), (2, 4), (2, 4, 2, 2), (0, 4, 3), "2x4x3nc"],
    reference=_reference,
)(group_norm)
op_spec(
    name="group_norm.one_group",
    inputs=[Input(), CHANNEL, CHANNEL],
    factory=lambda: lambda x, g, b: group_norm(x, 1, g, b),
    shapes=[(2, 3, 2), "2x3x2nc"],
    reference=lambda x, g, b: _reference(x, g, b, groups=1),
)(group_norm)
