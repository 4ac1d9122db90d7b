r"""Instance normalization: each channel of each sample standardized over its spatial axes,
then scaled and shifted per channel.

For ``x`` of shape :math:`(N, C, S_1, \dots)`, over the spatial axes :math:`A = (2, \dots)`:

.. math::
    \mu_{nc} = \operatorname{mean}_A x_{nc}, \quad
    \sigma^2_{nc} = \operatorname{mean}_A (x_{nc} - \mu_{nc})^2, \quad
    y_{nc} = \gamma_c \frac{x_{nc} - \mu_{nc}}{\sqrt{\sigma^2_{nc} + \epsilon}} + \beta_c

.. math::
    \frac{\partial L}{\partial x_{nc}} = \frac{\gamma_c}{\sqrt{\sigma^2_{nc} + \epsilon}}
        \Big(g - \operatorname{mean}_A g - \hat x \operatorname{mean}_A (g \hat x)\Big), \quad
    \frac{\partial L}{\partial \gamma_c} = \sum_{n, A} g \hat x, \quad
    \frac{\partial L}{\partial \beta_c} = \sum_{n, A} g

with :math:`g` the output gradient. No running statistics: it always uses the instance's own
(PyTorch's default, ``track_running_stats=False``). It shares batch normalization's node, so
double backward works.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.testing import Input, op_spec
from gradkit_ops.normalization._affine import affine_normalization, parameter_view

__all__ = ["instance_norm"]


def instance_norm(x: Any, gamma: Any = None, beta: Any = None, eps: float = 1e-5) -> Variable:
    """Instance normalization of ``x`` (shape ``(N, C, spatial...)``) over its spatial axes,
    scaled by ``gamma`` and shifted by ``beta`` (shape ``(C,)``; ``None``: no scale, no
    shift).

    >>> import numpy as np
    >>> x = np.array([[[1.0, 3.0], [0.0, 10.0]]])
    >>> instance_norm(x, eps=0.0).array
    array([[[-1.,  1.],
            [-1.,  1.]]])
    """
    if x.ndim < 3:
        raise ValueError(
            f"instance_norm: x needs a batch, a channel and spatial axes; got shape "
            f"{tuple(x.shape)}"
        )
    if gamma is not None:
        gamma = parameter_view("instance_norm", "gamma", 1, gamma, x, (1,))
    if beta is not None:
        beta = parameter_view("instance_norm", "beta", 2, beta, x, (1,))
    return affine_normalization("instance_norm", x, gamma, beta, tuple(range(2, x.ndim)), eps)[0]


def _reference(
    x: numpy.ndarray, gamma: numpy.ndarray, beta: numpy.ndarray, eps: float = 1e-5
) -> numpy.ndarray:
    axes = tuple(range(2, x.ndim))
    view = (1, -1) + (1,) * len(axes)
    y = (x - x.mean(axis=axes, keepdims=True)) / numpy.sqrt(x.var(axis=axes, keepdims=True) + eps)
    return gamma.reshape(view) * y + beta.reshape(view)


CHANNEL = Input(shape=lambda s: (s[1],))
op_spec(
    name="instance_norm",
    inputs=[Input(), CHANNEL, CHANNEL],
    shapes=[(2, 3, 4), (2, 3, 2, 3), (0, 3, 4), "2x3x4nc"],
    reference=_reference,
)(instance_norm)
op_spec(
    name="instance_norm.plain",
    shapes=[(2, 3, 4), "2x3x4nc"],
    reference=lambda x: _reference(x, numpy.ones(x.shape[1]), numpy.zeros(x.shape[1])),
)(instance_norm)
