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

import functools
import math
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, as_array, get_array_module
from gradkit.arithmetic import broadcast_to, reshape, sum_to
from gradkit.testing import Unchecked
from gradkit_ops._ones import ones_vector
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


@functools.lru_cache(maxsize=512)
def broadcast_axes(shape: tuple[int, ...], target: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of ``target`` over which an array of ``shape`` is broadcast (NumPy rules).
    Memoized: the normalization ops ask on every call, with a few shapes."""
    lead = len(target) - len(shape)
    return tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and target[lead + i] != 1
    )


def parameter_view(op: str, name: str, index: int, p: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """Check that parameter ``p`` (input ``index`` of ``op``, called ``name``) has ``x``'s
    shape along ``axes`` and ``x``'s dtype, and return it shaped to broadcast against ``x``
    (reshaped only where NumPy's rules do not already line it up). A parameter on another
    device is refused by the node itself, naming the input."""
    expected, view = _parameter_shapes(tuple(x.shape), axes)
    if tuple(p.shape) != expected:
        raise ValueError(
            f"{op}: input {index} ({name}) must have shape {expected} (the shape of x "
            f"{tuple(x.shape)} along axes {axes}); got {tuple(p.shape)}"
        )
    if p.dtype != x.dtype:
        raise TypeError(
            f"{op}: input {index} ({name}) must have the dtype of x, {x.dtype}; got {p.dtype}"
        )
    return p if view == expected else reshape(p, view)


@functools.lru_cache(maxsize=512)
def _parameter_shapes(
    shape: tuple[int, ...], axes: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    # The shape of a parameter along ``axes`` of an array of ``shape``, and the shape it takes
    # to broadcast against that array. Memoized, as broadcast_axes.
    expected = tuple(shape[a] for a in axes)
    view = tuple(shape[i] if i in axes else 1 for i in range(len(shape)))
    while view and view[0] == 1 and len(view) > len(expected):
        view = view[1:]
    return expected, view


def affine_normalization(
    op: str, x: Any, gamma: Any, beta: Any, axes: tuple[int, ...], eps: float
) -> tuple[Variable, AffineNormalization]:
    """``gamma * (x - mean) / sqrt(var + eps) + beta`` over ``axes`` through one
    :class:`AffineNormalization` node, which is returned too (it holds the statistics).

    ``gamma`` and ``beta`` already broadcast against ``x``; ``None`` stands for 1 and 0."""
    if eps < 0:
        raise ValueError(f"{op}: eps must be >= 0; got {eps}")
    # A missing parameter is a 0-d constant: it broadcasts everywhere and needs no gradient.
    if gamma is None or beta is None:
        data = as_array(x)
        xp = get_array_module(data)
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


def _constant_over(pshape: tuple[int, ...], shape: tuple[int, ...], axes: tuple[int, ...]) -> bool:
    # Whether a parameter of shape pshape, broadcast against shape, is constant over the
    # normalized axes (batch and instance norm: yes; layer and group norm: no).
    return set(axes) <= set(broadcast_axes(pshape, shape))


# ----------------------------------------------------------------------------- the layout
# The nodes run on every training step, with a few shapes: what depends on the shapes only is
# worked out once per combination, since on arrays of a layer's size the Python around the
# array calls costs as much as a pass over the data.
_ndarray = numpy.ndarray


class _Layout:
    """How ``x`` of one shape and dtype is normalized over ``axes``, with parameters of given
    shapes: the group size, which parameters are constant over a group, and whether the
    group sums can go to BLAS.

    On NumPy (float32, float64), when the normalized axes lead (batch norm on ``(N, C)``) or
    trail (layer norm), ``x`` is a matrix of shape ``(size, other)`` or ``(other, size)`` and
    a sum over its groups is a matrix-vector product with a vector of ones: two to four
    times faster than NumPy's ``sum`` along an axis, for the same float32 accumulation."""

    __slots__ = (
        "beta_from_stats",
        "beta_shape",
        "blas",
        "const_beta",
        "const_gamma",
        "gamma_from_stats",
        "gamma_shape",
        "gamma_vector",
        "lead",
        "other",
        "size",
        "stat_shape",
    )

    def __init__(
        self,
        shape: tuple[int, ...],
        axes: tuple[int, ...],
        gamma_shape: tuple[int, ...],
        beta_shape: tuple[int, ...],
        numpy_float: bool,
    ) -> None:
        ndim = len(shape)
        self.size = math.prod(shape[a] for a in axes)
        self.other = math.prod(shape) // self.size if self.size else 0
        self.stat_shape = tuple(1 if i in axes else s for i, s in enumerate(shape))
        self.gamma_shape, self.beta_shape = gamma_shape, beta_shape
        self.const_gamma = _constant_over(gamma_shape, shape, axes)
        self.const_beta = _constant_over(beta_shape, shape, axes)
        # Whether a per-group array (of stat_shape) sums to the parameter's shape by a mere
        # reshape (batch norm's per-channel parameters), with no sum.
        self.gamma_from_stats = _reshape_only(self.stat_shape, gamma_shape)
        self.beta_from_stats = _reshape_only(self.stat_shape, beta_shape)
        trail = axes == tuple(range(ndim - len(axes), ndim))
        self.lead = axes == tuple(range(len(axes))) and not trail
        self.blas = numpy_float and (self.lead or trail) and self.size > 0 and self.other > 0
        # gamma shaped like the (trailing) normalized axes: layer norm's elementwise scale,
        # whose products are summed over a group by a matrix-vector product too.
        self.gamma_vector = self.blas and trail and gamma_shape == shape[ndim - len(axes) :]


def _reshape_only(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    # Whether sum_to(array of shape, target) sums over axes of size 1 only.
    return all(shape[i] == 1 for i in broadcast_axes(target, shape))


_LAYOUTS: dict[tuple[Any, ...], _Layout] = {}


def _layout(x: Any, gamma: Any, beta: Any, axes: tuple[int, ...]) -> _Layout:
    numpy_float = type(x) is _ndarray and x.dtype.char in "fd"
    key = (tuple(x.shape), axes, tuple(gamma.shape), tuple(beta.shape), numpy_float)
    layout = _LAYOUTS.get(key)
    if layout is None:
        if len(_LAYOUTS) >= 256:  # a bound, for programs that see many shapes
            _LAYOUTS.clear()
        layout = _LAYOUTS[key] = _Layout(*key)
    return layout


def _group_sum(xp: Any, a: Any, lay: _Layout, axes: tuple[int, ...]) -> Any:
    # The sum of ``a`` (shaped like x) over each normalized group, keepdims.
    if lay.blas:
        if lay.lead:
            r = numpy.matmul(ones_vector(lay.size, a.dtype), a.reshape(lay.size, lay.other))
        else:
            r = numpy.matmul(a.reshape(lay.other, lay.size), ones_vector(lay.size, a.dtype))
        return r.reshape(lay.stat_shape)
    return xp.sum(a, axis=axes, keepdims=True)


def _group_dot(xp: Any, a: Any, b: Any, lay: _Layout, axes: tuple[int, ...]) -> Any:
    # The sum of ``a * b`` over each normalized group, keepdims, without the product's array
    # where the layout allows: ``a`` is shaped like x, ``b`` too or like gamma.
    if lay.blas:
        if b.shape == a.shape:
            if lay.lead:
                a2, b2 = a.reshape(lay.size, lay.other), b.reshape(lay.size, lay.other)
                return numpy.einsum("ij,ij->j", a2, b2).reshape(lay.stat_shape)
            a2, b2 = a.reshape(lay.other, lay.size), b.reshape(lay.other, lay.size)
            return numpy.vecdot(a2, b2).reshape(lay.stat_shape)
        if lay.gamma_vector and b.shape == lay.gamma_shape:
            r = numpy.matmul(a.reshape(lay.other, lay.size), b.reshape(lay.size))
            return r.reshape(lay.stat_shape)
    if axes == (a.ndim - 1,):
        # Over the last axis alone (layer norm) a dot product, which allocates nothing.
        return xp.vecdot(a, b, axis=-1)[..., None]
    return xp.sum(a * b, axis=axes, keepdims=True)


def _mean(xp: Any, a: Any, lay: _Layout, axes: tuple[int, ...]) -> Any:
    # The mean over each group, keepdims: a sum and a division of the (small) result, which
    # costs half of NumPy's mean. The mean of nothing is NaN.
    if not lay.size:
        return xp.mean(a, axis=axes, keepdims=True)
    return _group_sum(xp, a, lay, axes) / lay.size


def _sum_to_array(xp: Any, a: Any, shape: tuple[int, ...]) -> Any:
    # The array-level sum_to: sum over the broadcast axes, then drop the leading ones.
    axes = tuple(i for i in broadcast_axes(shape, tuple(a.shape)) if a.shape[i] != 1)
    if not axes:  # only axes of size 1 to drop: no sum, and never an alias of an input
        return xp.reshape(xp.asarray(a, copy=True), shape)
    if axes == tuple(range(a.ndim - len(shape))):  # leading axes only: no reshape needed
        if type(a) is _ndarray and a.dtype.char in "fd" and a.size:
            # A sum over leading axes is a product with ones (see _Layout).
            n = math.prod(a.shape[: len(axes)])
            return numpy.matmul(ones_vector(n, a.dtype), a.reshape(n, -1)).reshape(shape)
        return xp.sum(a, axis=axes)
    return xp.reshape(xp.sum(a, axis=axes, keepdims=True), shape)


def _multiply_into(xp: Any, a: Any, b: Any, out: Any) -> Any:
    # a * b, written into ``out`` (ours, of the result's shape) on NumPy.
    if type(out) is _ndarray:
        return numpy.multiply(a, b, out=out)
    return a * b


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
        x = inputs[0]
        xp = numpy if type(x) is _ndarray else get_array_module(x)
        dtype = x.dtype
        x, gamma, beta = _widen(xp, inputs)
        axes = self.axes
        lay = self.layout = _layout(x, gamma, beta, axes)
        mu = _mean(xp, x, lay, axes)
        y = x - mu  # the one array of x's size: the output, computed in place from here
        if lay.size:
            var = _group_dot(xp, y, y, lay, axes) / lay.size
        else:
            var = xp.mean(y * y, axis=axes, keepdims=True)  # of nothing: NaN
        inv_std = 1 / xp.sqrt(var + self.eps)
        if lay.const_gamma:
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
        grad = AffineNormalizationGrad(self.axes, self.eps, self.mean, self.inv_std, self.layout)
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
        layout: _Layout,
    ) -> None:
        self.axes = axes
        self.eps = eps
        self.mean = mean
        self.inv_std = inv_std
        self.layout = layout  # the forward's: the shapes are those of its inputs

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        self.retain_inputs((0, 1, 2))
        x = inputs[0]
        xp = numpy if type(x) is _ndarray else get_array_module(x)
        dtype = x.dtype
        x, gamma, gy = _widen(xp, inputs)
        axes = self.axes
        lay = self.layout
        inv_std = self.inv_std
        size = lay.size
        # One array of x's size is allocated, x - mean, and the result is built in it: on
        # the CPU a fresh large array costs more than a pass over one already mapped.
        out = x - self.mean
        if lay.const_gamma:
            # gamma is constant over each group: the group means of g = gamma gy are gamma
            # times those of gy, and x-hat is never formed.
            sum_gy = _group_sum(xp, gy, lay, axes)
            sum_gy_xc = _group_dot(xp, gy, out, lay, axes)
            ggamma = sum_gy_xc * inv_std
            if lay.gamma_from_stats:  # a new array: reshaped, never copied
                ggamma = xp.reshape(ggamma, lay.gamma_shape)
            else:
                ggamma = _sum_to_array(xp, ggamma, lay.gamma_shape)
            if lay.beta_from_stats:
                gbeta = xp.reshape(sum_gy, lay.beta_shape)  # read only from here on
            elif lay.const_beta:
                gbeta = _sum_to_array(xp, sum_gy, lay.beta_shape)
            else:
                gbeta = _sum_to_array(xp, gy, lay.beta_shape)
            # gx = gamma r (gy - mean(gy) - x-hat mean(gy x-hat)), x-hat = (x - mean) r:
            # in place on x - mean, four passes.
            out *= inv_std * inv_std * (sum_gy_xc / -size)
            out += gy
            out -= sum_gy / size
            out *= gamma * inv_std
        else:
            xc = out
            out = gy * xc
            if lay.gamma_vector:
                # Layer norm on NumPy: ggamma sums gy x-hat over the rows, weighted by r,
                # which is a vector-matrix product (no pass to scale by r).
                r = inv_std.reshape(lay.other)
                ggamma = numpy.matmul(r, out.reshape(lay.other, lay.size))
                ggamma = ggamma.reshape(lay.gamma_shape)
                mean_g_xhat = _group_dot(xp, out, gamma, lay, axes) * (inv_std / size)
            else:
                out *= inv_std  # gy x-hat
                ggamma = _sum_to_array(xp, out, lay.gamma_shape)
                mean_g_xhat = _group_dot(xp, out, gamma, lay, axes) / size
            gbeta = _sum_to_array(xp, gy, lay.beta_shape)
            mean_g = _group_dot(xp, gy, gamma, lay, axes) / size  # g = gamma gy
            # gx = r (g - mean(g) - x-hat mean(g x-hat)), with x-hat = (x - mean) r
            xc *= inv_std * mean_g_xhat
            out = _multiply_into(xp, gy, gamma, out)
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
