r"""Layer normalization: each sample standardized over its trailing axes, then scaled and
shifted elementwise.

Over the axes :math:`A = (\text{axis}, \dots, \text{ndim} - 1)` (ONNX's convention; the
default ``axis=-1`` is Chainer's and PyTorch's for a feature vector):

.. math::
    \mu = \operatorname{mean}_A x, \quad \sigma^2 = \operatorname{mean}_A (x - \mu)^2, \quad
    y = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta

``gamma`` and ``beta`` have the shape ``x.shape[axis:]``. With :math:`g = \gamma \odot g_y`
(the output gradient times gamma) and :math:`\hat x` the standardized input:

.. math::
    \frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2 + \epsilon}}
        \Big(g - \operatorname{mean}_A g - \hat x \operatorname{mean}_A (g \hat x)\Big), \quad
    \frac{\partial L}{\partial \gamma} = \sum_{\text{batch}} g_y \hat x, \quad
    \frac{\partial L}{\partial \beta} = \sum_{\text{batch}} g_y

It shares batch normalization's node (:mod:`gradkit_ops.normalization._affine`), so double
backward works.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.testing import Input, op_spec
from gradkit_ops.normalization._affine import affine_normalization, parameter_view

__all__ = ["layer_norm"]


def layer_norm(
    x: Any, gamma: Any = None, beta: Any = None, eps: float = 1e-5, axis: int = -1
) -> Variable:
    """Layer normalization of ``x`` over its axes from ``axis`` on, scaled by ``gamma`` and
    shifted by ``beta`` (shape ``x.shape[axis:]``; ``None``: no scale, no shift).

    >>> import numpy as np
    >>> layer_norm(np.array([[1.0, 3.0], [10.0, 30.0]]), eps=0.0).array
    array([[-1.,  1.],
           [-1.,  1.]])
    """
    if x.ndim == 0:
        raise ValueError("layer_norm: a 0-d array has no axis to normalize over")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"layer_norm: axis {axis} is out of bounds for shape {tuple(x.shape)}")
    axes = tuple(range(axis % x.ndim, x.ndim))
    if gamma is not None:
        gamma = parameter_view("layer_norm", "gamma", 1, gamma, x, axes)
    if beta is not None:
        beta = parameter_view("layer_norm", "beta", 2, beta, x, axes)
    return affine_normalization("layer_norm", x, gamma, beta, axes, eps)[0]


def _reference(
    x: numpy.ndarray,
    gamma: numpy.ndarray | None = None,
    beta: numpy.ndarray | None = None,
    axis: int = -1,
    eps: float = 1e-5,
) -> numpy.ndarray:
    axes = tuple(range(axis % x.ndim, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    y = (x - mu) / numpy.sqrt(x.var(axis=axes, keepdims=True) + eps)
    return y * (1.0 if gamma is None else gamma) + (0.0 if beta is None else beta)


TRAILING = Input(shape=lambda s: s[-1:])
op_spec(
    name="layer_norm",
    inputs=[Input(), TRAILING, TRAILING],
    shapes=[(3, 4), (4,), (2, 3, 4), (0, 4), "3x4nc"],
    reference=_reference,
)(layer_norm)
op_spec(
    name="layer_norm.axis1",
    inputs=[Input(), Input(shape=lambda s: s[1:]), Input(shape=lambda s: s[1:])],
    kwargs={"axis": 1},
    shapes=[(2, 3, 4), "2x3x4nc"],
    reference=lambda x, g, b: _reference(x, g, b, axis=1),
)(layer_norm)
op_spec(
    name="layer_norm.plain",
    shapes=[(3, 4), (2, 3, 4), "3x4nc"],
    reference=_reference,
)(layer_norm)
