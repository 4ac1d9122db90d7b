r"""Batch normalization, in training mode (batch statistics) and in test mode (running ones).

Training mode (``gradkit.config.train``, the default), over the batch axes :math:`A`
(``(0, 2, 3, ...)`` by default: every axis but the channel axis 1):

.. math::
    \mu = \operatorname{mean}_A x, \quad \sigma^2 = \operatorname{mean}_A (x - \mu)^2, \quad
    y = \gamma \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta

.. math::
    \frac{\partial L}{\partial x} = \frac{\gamma}{\sqrt{\sigma^2 + \epsilon}}
        \Big(g - \operatorname{mean}_A g - \hat x \operatorname{mean}_A (g \hat x)\Big), \quad
    \frac{\partial L}{\partial \gamma} = \sum_A g \hat x, \quad
    \frac{\partial L}{\partial \beta} = \sum_A g

with :math:`g` the output gradient and :math:`\hat x = (x - \mu) / \sqrt{\sigma^2 + \epsilon}`.
The first-order gradient is one fused node whose own backward is written with gradkit ops (see
:mod:`gradkit_ops.normalization._affine`), so double backward works. As in Chainer, passing
``running_mean`` and ``running_var`` arrays updates them in place:
:math:`m \leftarrow d\, m + (1 - d) \mu` and
:math:`v \leftarrow d\, v + (1 - d) \frac{n}{n - 1} \sigma^2` (the unbiased variance, with
:math:`n` the number of elements per channel and :math:`d` the ``decay``).

Test mode (``gradkit.config.train`` false) normalizes with the running statistics instead:
:func:`fixed_batch_norm`, an affine map of ``x`` differentiable in all of its inputs,

.. math::
    y = \gamma \frac{x - m}{\sqrt{v + \epsilon}} + \beta, \quad
    \frac{\partial y}{\partial x} = \frac{\gamma}{\sqrt{v + \epsilon}}, \quad
    \frac{\partial y}{\partial m} = -\frac{\gamma}{\sqrt{v + \epsilon}}, \quad
    \frac{\partial y}{\partial v} = -\frac{\gamma (x - m)}{2 (v + \epsilon)^{3/2}}
"""

from __future__ import annotations

import math
from typing import Any

import numpy

import gradkit
from gradkit import DeviceMismatchError, Variable, as_array, get_array_module, using_config
from gradkit.arithmetic import add, mul, sub
from gradkit.testing import Input, op_spec
from gradkit_ops.math import rsqrt
from gradkit_ops.normalization._affine import affine_normalization, parameter_view

__all__ = ["batch_norm", "fixed_batch_norm"]


def _axes(op: str, x: Any, axis: int | tuple[int, ...] | None) -> tuple[int, ...]:
    if x.ndim < 2:
        raise ValueError(f"{op}: x needs a batch and a channel axis; got shape {tuple(x.shape)}")
    if axis is None:
        return (0, *range(2, x.ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    norm = []
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise ValueError(f"{op}: axis {a} is out of bounds for x of shape {tuple(x.shape)}")
        norm.append(a % x.ndim)
    if len(set(norm)) != len(norm) or not norm or len(norm) == x.ndim:
        raise ValueError(
            f"{op}: axis {axis!r} must name distinct axes of x, leaving at least one for the "
            "parameters"
        )
    return tuple(sorted(norm))


def _kept(x: Any, axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(i for i in range(x.ndim) if i not in axes)


_PLANS: dict[tuple[Any, ...], tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = {}


def _plan(op: str, x: Any, axis: Any) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    # The normalized axes, the kept axes and the parameters' shape for x's shape and axis,
    # worked out once per combination (batch_norm runs on every training step).
    key = (op, tuple(x.shape), axis if axis is None or isinstance(axis, int) else tuple(axis))
    plan = _PLANS.get(key)
    if plan is None:
        axes = _axes(op, x, axis)
        kept = _kept(x, axes)
        plan = (axes, kept, tuple(x.shape[i] for i in kept))
        if len(_PLANS) >= 256:  # a bound, for programs that see many shapes
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _check_running(op: str, name: str, r: Any, x: Any, shape: tuple[int, ...]) -> None:
    if not gradkit.is_array(r):
        raise TypeError(f"{op}: {name} must be an array (updated in place); got {type(r)}")
    if get_array_module(r) is not get_array_module(x) or r.device != as_array(x).device:
        raise DeviceMismatchError(
            f"{op}: {name} is on {gradkit.get_device_from_array(r)} but x is on "
            f"{gradkit.get_device_from_array(as_array(x))}; keep the running statistics on "
            "the device of x"
        )
    if tuple(r.shape) != shape:
        raise ValueError(f"{op}: {name} must have shape {shape}; got {tuple(r.shape)}")


def batch_norm(
    x: Any,
    gamma: Any,
    beta: Any,
    *,
    eps: float = 2e-5,
    running_mean: Any = None,
    running_var: Any = None,
    decay: float = 0.9,
    axis: int | tuple[int, ...] | None = None,
) -> Variable:
    """Batch normalization of ``x`` over ``axis`` (default: every axis but 1), scaled by
    ``gamma`` and shifted by ``beta`` (both shaped like ``x`` along the other axes).

    In training mode (``gradkit.config.train``) it uses the batch statistics and, when
    ``running_mean`` and ``running_var`` arrays are given, updates them in place with
    ``decay`` (Chainer's rule; the variance is the unbiased one). In test mode it uses the
    running statistics, which are then required: :func:`fixed_batch_norm`.

    >>> import numpy as np
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> mean, var = np.zeros(2), np.ones(2)
    >>> y = batch_norm(x, np.ones(2), np.zeros(2), running_mean=mean, running_var=var)
    >>> y.array.round(3)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> mean, var
    (array([0.2, 2. ]), array([ 1.1, 20.9]))
    """
    axes, kept, shape = _plan("batch_norm", x, axis)
    if running_mean is not None:
        _check_running("batch_norm", "running_mean", running_mean, x, shape)
    if running_var is not None:
        _check_running("batch_norm", "running_var", running_var, x, shape)
    if not gradkit.config.train:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: test mode (gradkit.config.train is False) normalizes with the "
                "running statistics; pass running_mean= and running_var="
            )
        xp = get_array_module(running_mean)
        dtype = as_array(x).dtype  # running statistics may be kept in a wider dtype
        mean = xp.astype(running_mean, dtype)
        var = xp.astype(running_var, dtype)
        return fixed_batch_norm(x, gamma, beta, mean, var, eps=eps, axis=axis)
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"batch_norm: decay must be in [0, 1]; got {decay}")
    g = parameter_view("batch_norm", "gamma", 1, gamma, x, kept)
    b = parameter_view("batch_norm", "beta", 2, beta, x, kept)
    y, node = affine_normalization("batch_norm", x, g, b, axes, eps)
    if running_mean is not None or running_var is not None:
        xp = get_array_module(x)
        n = math.prod(x.shape[a] for a in axes)
        for r, stat, scale in (
            (running_mean, node.mean, 1.0),
            (running_var, node.var, n / max(n - 1, 1)),
        ):
            if r is not None:
                update = xp.astype(xp.reshape(stat, shape), r.dtype)
                r *= decay
                r += (1 - decay) * scale * update
    return y


def fixed_batch_norm(
    x: Any,
    gamma: Any,
    beta: Any,
    mean: Any,
    var: Any,
    *,
    eps: float = 2e-5,
    axis: int | tuple[int, ...] | None = None,
) -> Variable:
    """Batch normalization with given statistics: ``gamma * (x - mean) / sqrt(var + eps) +
    beta``, the parameters and statistics shaped like ``x`` along the axes not in ``axis``
    (default: every axis but 1). Differentiable in all five inputs; batch_norm's test mode.

    >>> import numpy as np
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> fixed_batch_norm(x, np.ones(2), np.zeros(2), np.array([2.0, 20.0]),
    ...                  np.array([4.0, 100.0]), eps=0.0).array
    array([[-0.5, -1. ],
           [ 0.5,  1. ]])
    """
    if eps < 0:
        raise ValueError(f"fixed_batch_norm: eps must be >= 0; got {eps}")
    axes = _axes("fixed_batch_norm", x, axis)
    kept = _kept(x, axes)
    views = [
        parameter_view("fixed_batch_norm", name, i, p, x, kept)
        for i, (name, p) in enumerate(
            (("gamma", gamma), ("beta", beta), ("mean", mean), ("var", var)), start=1
        )
    ]
    g, b, m, v = views
    # Functional forms: any of the five may be a plain array, which has no Variable operators.
    return add(mul(sub(x, m), mul(g, rsqrt(add(v, eps)))), b)


# ----------------------------------------------------------------------------- specs
def _view(p: numpy.ndarray, x: numpy.ndarray, axes: tuple[int, ...]) -> numpy.ndarray:
    return p.reshape([1 if i in axes else s for i, s in enumerate(x.shape)])


def _reference(
    x: numpy.ndarray,
    gamma: numpy.ndarray,
    beta: numpy.ndarray,
    axis: Any = None,
    eps: float = 2e-5,
) -> numpy.ndarray:
    axes = (0, *range(2, x.ndim)) if axis is None else axis
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return _view(gamma, x, axes) * (x - mu) / numpy.sqrt(var + eps) + _view(beta, x, axes)


def _fixed_reference(
    x: numpy.ndarray,
    gamma: numpy.ndarray,
    beta: numpy.ndarray,
    mean: numpy.ndarray,
    var: numpy.ndarray,
    eps: float = 2e-5,
) -> numpy.ndarray:
    axes = (0, *range(2, x.ndim))
    g, b, m, v = (_view(p, x, axes) for p in (gamma, beta, mean, var))
    return g * (x - m) / numpy.sqrt(v + eps) + b


def _with_fresh_running_statistics(x: Variable, gamma: Variable, beta: Variable) -> Variable:
    # Training mode with running statistics to update: fresh ones on x's device every call,
    # so that the update runs (and must not disturb the output or its gradients).
    data = as_array(x)
    xp = get_array_module(data)
    shape = tuple(gamma.shape)
    mean = xp.zeros(shape, dtype=data.dtype, device=data.device)
    var = xp.ones(shape, dtype=data.dtype, device=data.device)
    return batch_norm(x, gamma, beta, running_mean=mean, running_var=var)


def _in_test_mode(x: Variable, gamma: Variable, beta: Variable, mean: Any, var: Any) -> Variable:
    # Test mode as a model runs it: the config flag off, the running statistics given.
    with using_config("train", False):
        return batch_norm(x, gamma, beta, running_mean=as_array(mean), running_var=as_array(var))


CHANNEL = Input(shape=lambda s: (s[1],))
# Positive variances, away from 0 where 1 / sqrt(var + eps) blows up.
VARIANCE = Input(domain=(0.5, 2.0), shape=lambda s: (s[1],))
SHAPES = [(5, 3), (4, 3, 2), (2, 3, 2, 2), "5x3nc"]

op_spec(
    name="batch_norm",
    inputs=[Input(), CHANNEL, CHANNEL],
    shapes=SHAPES,
    reference=_reference,
)(batch_norm)
op_spec(
    name="batch_norm.axis0",
    inputs=[Input(), Input(shape=lambda s: s[1:]), Input(shape=lambda s: s[1:])],
    kwargs={"axis": 0},
    shapes=[(4, 3, 2), (5, 3), "4x3x2nc"],
    reference=lambda x, g, b: _reference(x, g, b, axis=(0,)),
)(batch_norm)
op_spec(
    name="batch_norm.running",
    inputs=[Input(), CHANNEL, CHANNEL],
    factory=lambda: _with_fresh_running_statistics,
    shapes=[(5, 3), (2, 3, 2, 2)],
    reference=_reference,
)(batch_norm)
op_spec(
    name="batch_norm.test",
    inputs=[
        Input(),
        CHANNEL,
        CHANNEL,
        Input(shape=lambda s: (s[1],), differentiable=False),
        Input(domain=(0.5, 2.0), shape=lambda s: (s[1],), differentiable=False),
    ],
    factory=lambda: _in_test_mode,
    shapes=[(5, 3), (2, 3, 2, 2), "5x3nc"],
    reference=_fixed_reference,
)(batch_norm)
op_spec(
    inputs=[Input(), CHANNEL, CHANNEL, CHANNEL, VARIANCE],
    shapes=[(5, 3), (2, 3, 2, 2), (0, 3), "5x3nc"],
    reference=_fixed_reference,
)(fixed_batch_norm)
