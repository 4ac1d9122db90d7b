r"""The core of batch, layer, instance and group normalization: standardize ``x`` over a set of
axes :math:`A`, then scale and shift it.

.. math::
    \mu = \operatorname{mean}_A x, \quad
    \sigma^2 = \operatorname{mean}_A (x - \mu)^2, \quad
    r = (\sigma^2 + \epsilon)^{-1/2}, \quad
    \hat x = (x - \mu)\, r, \quad
    y = \gamma \hat x + \beta

``gamma`` and ``beta`` broadcast against ``x`` (NumPy rules). With :math:`g_y` the output
gradient, :math:`g = \gamma g_y` and the projection
:math:`P v = v - \operatorname{mean}_A v - \hat x \operatorname{mean}_A(v \hat x)` (symmetric
for the sum over :math:`A`, and :math:`d\hat x = r\, P\, dx`):

.. math::
    \frac{\partial L}{\partial x} = r\, P g, \quad
    \frac{\partial L}{\partial \gamma} = \operatorname{sum\_to}(g_y \hat x), \quad
    \frac{\partial L}{\partial \beta} = \operatorname{sum\_to}(g_y)

That first-order gradient is one fused node, :class:`AffineNormalizationGrad` (its forward is
the NumPy floor of the computation, plus the recomputation of :math:`\hat x`). Its own
backward, for output-gradient cotangents :math:`a` (of :math:`g_x`), :math:`p` (of
:math:`g_\gamma`) and :math:`q` (of :math:`g_\beta`), broadcast to ``x``'s shape as
:math:`p, q`, is

.. math::
    \begin{aligned}
    \partial / \partial g_y &= \gamma\, r\, P a + p\, \hat x + q \\
    \partial / \partial \gamma &= \operatorname{sum\_to}(g_y\, r\, P a) \\
    \partial / \partial x &= r\, P(p\, g_y) - r \operatorname{mean}_A(a\, g_x)\, \hat x
        - r \operatorname{mean}_A(a \hat x)\, g_x - r^2 \operatorname{mean}_A(g \hat x)\, P a
    \end{aligned}

written with gradkit ops on the retained inputs, so every higher order follows.

float16 inputs are computed in float32 (statistics, gradients and second order alike) and the
results rounded back to float16, as cuDNN and PyTorch do: float16 has too few digits for the
cancellations in :math:`P` (the second order, a sum of four terms that nearly cancel, lost
up to 5% of its value in float16).
"""

from __future__ import annotations

import math
from typing import Any

from gradkit import FunctionNode, Variable, as_array, get_array_module
from gradkit.arithmetic import broadcast_to, reshape, sum_to
from gradkit.testing import Unchecked
from gradkit_ops.array import cast
from gradkit_ops.math import rsqrt
from gradkit_ops.reduction import mean

__all__ = [
    "AffineNormalization",
    "AffineNormalizationGrad",
    "affine_normalization",
    "broadcast_axes",
    "is_half",
    "parameter_view",
]


def broadcast_axes(shape: tuple[int, ...], target: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of ``target`` over which an array of ``shape`` is broadcast (NumPy rules)."""
    lead = len(target) - len(shape)
    return tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and target[lead + i] != 1
    )


def parameter_view(op: str, name: str, index: int, p: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """Check that parameter ``p`` (input ``index`` of ``op``, called ``name``) has ``x``'s
    shape along ``axes`` and ``x``'s dtype, and return it shaped to broadcast against ``x``
    (reshaped only where NumPy's rules do not already line it up). A parameter on another
    device is refused by the node itself, naming the input."""
    expected = tuple(x.shape[a] for a in axes)
    if tuple(p.shape) != expected:
        raise ValueError(
            f"{op}: input {index} ({name}) must have shape {expected} (the shape of x "
            f"{tuple(x.shape)} along axes {axes}); got {tuple(p.shape)}"
        )
    if p.dtype != x.dtype:
        raise TypeError(
            f"{op}: input {index} ({name}) must have the dtype of x, {x.dtype}; got {p.dtype}"
        )
    view = tuple(x.shape[i] if i in axes else 1 for i in range(x.ndim))
    while view and view[0] == 1 and len(view) > len(expected):
        view = view[1:]
    return p if view == expected else reshape(p, view)


def affine_normalization(
    op: str, x: Any, gamma: Any, beta: Any, axes: tuple[int, ...], eps: float
) -> tuple[Variable, AffineNormalization]:
    """``gamma * (x - mean) / sqrt(var + eps) + beta`` over ``axes`` through one
    :class:`AffineNormalization` node, which is returned too (it holds the statistics).

    ``gamma`` and ``beta`` already broadcast against ``x``; ``None`` stands for 1 and 0."""
    data = as_array(x)
    xp = get_array_module(data)
    if eps < 0:
        raise ValueError(f"{op}: eps must be >= 0; got {eps}")
    # A missing parameter is a 0-d constant: it broadcasts everywhere and needs no gradient.
    if gamma is None:
        gamma = xp.ones((), dtype=data.dtype, device=data.device)
    if beta is None:
        beta = xp.zeros((), dtype=data.dtype, device=data.device)
    node = AffineNormalization(axes, float(eps))
    return node.apply((x, gamma, beta))[0], node


def is_half(xp: Any, dtype: Any) -> bool:
    """Whether ``dtype`` is float16 (which some namespaces, array-api-strict's, lack)."""
    half = getattr(xp, "float16", None)
    return half is not None and dtype == half


def _widen(xp: Any, arrays: tuple[Any, ...]) -> tuple[Any, ...]:
    # float16 is computed in float32 (see the module); other dtypes as they are.
    if not is_half(xp, arrays[0].dtype):
        return arrays
    return tuple(xp.astype(a, xp.float32) for a in arrays)


def _mean(xp: Any, a: Any, axes: tuple[int, ...]) -> Any:
    # mean over axes, keepdims: a sum and a division of the (small) result, which costs half
    # of NumPy's mean on the arrays of a normalization layer. The mean of nothing is NaN.
    size = math.prod(a.shape[i] for i in axes)
    if not size:
        return xp.mean(a, axis=axes, keepdims=True)
    return xp.sum(a, axis=axes, keepdims=True) / size


def _constant_over(pshape: tuple[int, ...], shape: tuple[int, ...], axes: tuple[int, ...]) -> bool:
    # Whether a parameter of shape pshape, broadcast against shape, is constant over the
    # normalized axes (batch and instance norm: yes; layer and group norm: no).
    return set(axes) <= set(broadcast_axes(pshape, shape))


def _mean_of_product(xp: Any, a: Any, b: Any, axes: tuple[int, ...]) -> Any:
    # mean(a * b) over axes, keepdims (b broadcasts against a). Over the last axis alone
    # (layer norm) it is a dot product, which allocates nothing and runs several times faster
    # than the product's mean.
    if axes == (a.ndim - 1,):
        return xp.vecdot(a, b, axis=-1)[..., None] / a.shape[-1]
    return _mean(xp, a * b, axes)


def _sum_to_array(xp: Any, a: Any, shape: tuple[int, ...]) -> Any:
    # The array-level sum_to: sum over the broadcast axes, then drop the leading ones.
    axes = tuple(i for i in broadcast_axes(shape, tuple(a.shape)) if a.shape[i] != 1)
    if not axes:  # only axes of size 1 to drop: no sum, and never an alias of an input
        return xp.reshape(xp.asarray(a, copy=True), shape)
    if axes == tuple(range(a.ndim - len(shape))):  # leading axes only: no reshape needed
        return xp.sum(a, axis=axes)
    return xp.reshape(xp.sum(a, axis=axes, keepdims=True), shape)


class AffineNormalization(FunctionNode):
    """``gamma * (x - mean) / sqrt(var + eps) + beta``, statistics over ``axes`` (a sorted
    tuple of non-negative axes). Inputs ``(x, gamma, beta)``.

    After forward, ``mean`` and ``var`` hold the batch statistics (keepdims shape), which
    :func:`~gradkit_ops.normalization.batch_norm` folds into its running averages.
    """

    spec = Unchecked(
        "built and checked through batch_norm, layer_norm, instance_norm and group_norm"
    )

    def __init__(self, axes: tuple[int, ...], eps: float) -> None:
        self.axes = axes
        self.eps = eps

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        self.retain_inputs((0, 1))
        xp = get_array_module(inputs[0])
        dtype = inputs[0].dtype
        x, gamma, beta = _widen(xp, inputs)
        self.beta_shape = tuple(beta.shape)
        axes = self.axes
        mu = _mean(xp, x, axes)
        y = x - mu
        var = _mean_of_product(xp, y, y, axes)
        inv_std = xp.sqrt(var + self.eps)
        inv_std = 1 / inv_std
        if _constant_over(tuple(gamma.shape), tuple(x.shape), axes):
            y *= inv_std * gamma  # one pass: the product is one value per group
        else:
            y *= inv_std  # x-hat, then scaled
            y *= gamma
        y += beta
        # Only the statistics (one value per normalized group) are kept: backward recomputes
        # x-hat from the retained x.
        self.mean, self.var, self.inv_std = mu, var, inv_std
        return (y if y.dtype == dtype else xp.astype(y, dtype),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        x, gamma = self.get_retained_inputs()
        grad = AffineNormalizationGrad(
            self.axes, self.eps, self.mean, self.inv_std, self.beta_shape
        )
        return grad.apply((x, gamma, grad_outputs[0]))


class AffineNormalizationGrad(FunctionNode):
    """The gradient of :class:`AffineNormalization`: inputs ``(x, gamma, gy)``, outputs
    ``(gx, ggamma, gbeta)``, computed in one fused forward; its backward (the second order)
    is written with gradkit ops (see the module)."""

    spec = Unchecked(
        "the gradient of AffineNormalization: checked by the double backward of the "
        "normalization ops"
    )

    def __init__(
        self,
        axes: tuple[int, ...],
        eps: float,
        mean: Any,
        inv_std: Any,
        beta_shape: tuple[int, ...],
    ) -> None:
        self.axes = axes
        self.eps = eps
        self.mean = mean
        self.inv_std = inv_std
        self.beta_shape = beta_shape

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        self.retain_inputs((0, 1, 2))
        xp = get_array_module(inputs[0])
        dtype = inputs[0].dtype
        x, gamma, gy = _widen(xp, inputs)
        axes = self.axes
        shape = tuple(x.shape)
        # Two arrays of x's size are allocated (x - mean and the result): on the CPU a fresh
        # large array costs more than a pass over one already mapped, so work goes in place.
        inv_std = self.inv_std
        xc = x - self.mean
        out = gy * xc
        if _constant_over(tuple(gamma.shape), shape, axes):
            # gamma is constant over each normalized group: the group means of g = gamma gy
            # are gamma times those of gy, and x-hat need never be formed.
            size = math.prod(shape[a] for a in axes)
            mean_gy = _mean(xp, gy, axes)
            mean_gy_xhat = _mean(xp, out, axes)
            mean_gy_xhat *= inv_std
            ggamma = _sum_to_array(xp, mean_gy_xhat * size, tuple(gamma.shape))
            if _constant_over(self.beta_shape, shape, axes):
                gbeta = _sum_to_array(xp, mean_gy * size, self.beta_shape)
            else:
                gbeta = _sum_to_array(xp, gy, self.beta_shape)
            # gx = scale (gy - mean(gy) - x-hat mean(gy x-hat)), with x-hat = (x - mean) r
            scale = gamma * inv_std
            xc *= scale * inv_std * mean_gy_xhat
            out[...] = gy
            out *= scale
            out -= xc
            out -= scale * mean_gy
        else:
            out *= inv_std  # gy x-hat
            ggamma = _sum_to_array(xp, out, tuple(gamma.shape))
            gbeta = _sum_to_array(xp, gy, self.beta_shape)
            mean_g = _mean_of_product(xp, gy, gamma, axes)  # g = gamma gy
            mean_g_xhat = _mean_of_product(xp, out, gamma, axes)
            # gx = r (g - mean(g) - x-hat mean(g x-hat)), with x-hat = (x - mean) r
            xc *= inv_std * mean_g_xhat
            out[...] = gy
            out *= gamma
            out -= mean_g
            out -= xc
            out *= inv_std
        if out.dtype != dtype:
            return tuple(xp.astype(a, dtype) for a in (out, ggamma, gbeta))
        return out, ggamma, gbeta

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        x, gamma, gy = self.get_retained_inputs()
        a, p, q = grad_outputs
        dtype = x.dtype
        wide = is_half(get_array_module(x), dtype)
        if wide:
            x, gamma, gy, a, p, q = (cast(v, "float32") for v in (x, gamma, gy, a, p, q))
        axes = self.axes
        shape = tuple(x.shape)

        def avg(v: Variable) -> Variable:
            return mean(v, axes, keepdims=True)

        xc = x - avg(x)
        r = rsqrt(avg(xc * xc) + self.eps)
        xh = xc * r

        def project(v: Variable) -> Variable:
            return v - avg(v) - xh * avg(v * xh)

        g = gy * gamma
        gx = r * project(g)
        pa = project(a)
        p = broadcast_to(p, shape)
        q = broadcast_to(q, shape)
        g_gy = gamma * r * pa + p * xh + q
        g_gamma = sum_to(gy * r * pa, tuple(gamma.shape))
        g_x = (
            r * (project(p * gy) - avg(a * gx) * xh - avg(a * xh) * gx) - (r * r * avg(g * xh)) * pa
        )
        if wide:
            return cast(g_x, dtype), cast(g_gamma, dtype), cast(g_gy, dtype)
        return g_x, g_gamma, g_gy
