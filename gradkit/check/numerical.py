"""Numerical differentiation: a five-point central stencil with its own error estimate.

Along a direction ``d``, with ``phi(t) = sum_j u_j . f_j(x + t d)``, the five-point stencil

    D5 = (phi(-2h) - 8 phi(-h) + 8 phi(h) - phi(2h)) / (12 h)

is the Richardson extrapolation of the central differences ``D3(h)`` and ``D3(2h)``: its
truncation error is O(h^4). The same five values give, for free:

- an error estimate: a small fraction of ``|D3(h) - D3(2h)|`` (three times the error of
  ``D3(h)``, itself far above the O(h^4) error of ``D5`` in the asymptotic regime) plus the
  rounding noise of the evaluations amplified by the stencil;
- evidence of a kink: the forward and backward one-sided derivatives
  ``(-3 phi(0) + 4 phi(h) - phi(2h)) / 2h`` and ``(3 phi(0) - 4 phi(-h) + phi(-2h)) / 2h``
  differ by the fourth difference over ``2h``, which is O(h^3) where ``phi`` is smooth and
  O(1) (the jump of the derivative) where a kink lies inside the stencil;
- whether the function stays finite over the stencil (a domain boundary nearby).

Steps are relative: element ``i`` moves by ``h * d_i * clip(|x_i|, 0.1, 1)`` (see
:func:`step_scale`), so inputs near zero (log, sqrt of small positives) are not pushed out
of their domain, and large inputs do not get needlessly large steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy

from gradkit.backend import get_array_module, to_numpy
from gradkit.device import get_device_from_array
from gradkit.variable import is_float_dtype

__all__ = [
    "DerivativeEstimate",
    "estimate_derivative",
    "step_scale",
    "unit_roundoff",
    "Probe",
    "numerical_grad",
    "STEP_SCALE_FLOOR",
    "ERROR_FRACTION",
    "NOISE_ULPS",
]

#: Elements with ``|x| < STEP_SCALE_FLOOR`` move by ``h * STEP_SCALE_FLOOR``.
STEP_SCALE_FLOOR = 0.1
#: The share of ``|D3(h) - D3(2h)|`` counted as the truncation error of ``D5``.
ERROR_FRACTION = 0.01
#: Assumed rounding error of one evaluation of ``phi``, in units of ``u * sum |u_j f_j|``.
NOISE_ULPS = 8.0


_STENCIL = (-2, -1, 1, 2)


def unit_roundoff(dtype_name: str) -> float:
    """Half the machine epsilon of a floating dtype (2**-53 for float64)."""
    return float(numpy.finfo(numpy.dtype(dtype_name)).eps) / 2


def step_scale(x: numpy.ndarray) -> numpy.ndarray:
    """Per-element step scale ``clip(|x|, STEP_SCALE_FLOOR, 1)`` (float64, host)."""
    s = numpy.abs(numpy.asarray(x, dtype=numpy.float64))
    if not isinstance(s, numpy.ndarray) or s.ndim == 0:  # 0-d: NumPy returns a scalar
        return numpy.asarray(min(max(float(s), STEP_SCALE_FLOOR), 1.0))
    numpy.maximum(s, STEP_SCALE_FLOOR, out=s)
    numpy.minimum(s, 1.0, out=s)
    return s


@dataclass(frozen=True)
class DerivativeEstimate:
    """A numerical derivative from a five-point stencil.

    Attributes:
        value: the five-point central difference.
        error: estimated error of ``value`` (truncation plus rounding).
        kink: ``|forward - backward one-sided derivative|``; large only near a kink.
        finite: whether every evaluation of the stencil was finite.
        analytic: when the caller passed a gradient, the same stencil applied to its
            linear prediction ``g . (x_t - x)`` over the points actually evaluated (their
            rounding to the evaluation dtype included).
    """

    value: float
    error: float
    kink: float
    finite: bool
    analytic: float | None = None


def estimate_derivative(
    f_m2: float, f_m1: float, f_0: float, f_1: float, f_2: float, h: float, noise: float
) -> DerivativeEstimate:
    """Derivative at 0 from ``phi`` at ``-2h, -h, 0, h, 2h``; ``noise``: rounding per value.

    >>> import math
    >>> e = estimate_derivative(*(math.exp(t * 1e-3) for t in (-2, -1, 0, 1, 2)), 1e-3, 0.0)
    >>> abs(e.value - 1.0) < 1e-12, e.kink < 1e-6
    (True, True)
    >>> e = estimate_derivative(*(abs(t * 1e-3 + 5e-4) for t in (-2, -1, 0, 1, 2)), 1e-3, 0.0)
    >>> e.kink > 0.4
    True
    """
    values = (f_m2, f_m1, f_0, f_1, f_2)
    finite = all(math.isfinite(v) for v in values)
    if not finite:
        return DerivativeEstimate(math.nan, math.inf, math.inf, False)
    d3_h = (f_1 - f_m1) / (2 * h)
    d3_2h = (f_2 - f_m2) / (4 * h)
    d5 = (4 * d3_h - d3_2h) / 3
    fourth = f_m2 - 4 * f_m1 + 6 * f_0 - 4 * f_1 + f_2
    error = ERROR_FRACTION * abs(d3_h - d3_2h) + 1.5 * noise / h
    return DerivativeEstimate(d5, error, abs(fourth) / (2 * h), True)


def _dtype_name(dtype: Any) -> str:
    from gradkit.check.tolerance import dtype_name

    return dtype_name(dtype)


class Probe:
    """``phi(x) = sum_j u_j . f_j(x)`` for one function, evaluated along directions.

    Args:
        evaluate: maps one array per slot to the tuple of floating outputs.
        base: the point, one array per slot (on the function's device).
        weights: one host float64 array per floating output (the ``u_j``).
        center: the outputs at ``base`` (so ``phi(0)`` costs nothing).
    """

    def __init__(
        self,
        evaluate: Callable[[list[Any]], Sequence[Any]],
        base: Sequence[Any],
        weights: Sequence[numpy.ndarray],
        center: Sequence[Any],
    ) -> None:
        self.evaluate = evaluate
        self.base = list(base)
        self.n_evals = 0
        floats = [a for a in self.base if is_float_dtype(a.dtype)]
        ref = floats[0] if floats else (center[0] if center else numpy.zeros(()))
        self.xp = get_array_module(ref)
        self.device = get_device_from_array(ref)
        self.eval_dtype = _dtype_name(ref.dtype)
        self.host = self.xp is numpy
        self.weights = [
            self._send(w, _dtype_name(y.dtype)) for w, y in zip(weights, center, strict=True)
        ]
        self.phi0 = self._phi(center)
        terms = 0.0
        for w, y in zip(weights, center, strict=True):
            terms += float(numpy.sum(numpy.abs(w * to_numpy(y).astype(numpy.float64))))
        self.noise = NOISE_ULPS * unit_roundoff(self.eval_dtype) * terms

    def _send(self, w: numpy.ndarray, dtype: str) -> Any:
        if self.host:
            return w.astype(dtype, copy=False)
        return self.device.send(w.astype(dtype, copy=False))

    def _phi(self, outputs: Sequence[Any]) -> float:
        total = 0.0
        if self.host:
            for w, y in zip(self.weights, outputs, strict=True):
                total += float(numpy.vdot(w, y))
        else:
            xp = self.xp
            for w, y in zip(self.weights, outputs, strict=True):
                total += float(to_numpy(xp.sum(w * y)))
        return total

    def phi(self, arrays: list[Any]) -> float:
        """``phi`` at the given slot arrays (one evaluation)."""
        self.n_evals += 1
        return self._phi(self.evaluate(arrays))

    def derivative(
        self,
        direction: dict[int, numpy.ndarray],
        h: float,
        grads: dict[int, numpy.ndarray] | None = None,
    ) -> DerivativeEstimate:
        """The derivative of ``phi`` along ``direction`` (slot -> host float64 array).

        Four evaluations. With ``grads`` (slot -> host float64 gradient), also returns the
        stencil applied to the linear prediction over the points actually evaluated.
        """
        xp = self.xp
        exact = self.eval_dtype == "float64"
        points: dict[int, list[Any]] = {t: list(self.base) for t in _STENCIL}
        for k, d in direction.items():
            x = self.base[k]
            if self.host:
                x64 = x if x.dtype == numpy.float64 else x.astype(numpy.float64)
                dd = d * h
                dd2 = dd + dd
                moved = {-2: x64 - dd2, -1: x64 - dd, 1: x64 + dd, 2: x64 + dd2}
                for t, m in moved.items():
                    if not exact:
                        m = m.astype(x.dtype)
                    # NumPy arithmetic on 0-d arrays returns scalars; ops expect arrays.
                    points[t][k] = m if x.ndim else numpy.asarray(m)
            else:
                dd = self._send(d * h, "float64")
                x64 = xp.astype(x, xp.float64)
                for t in _STENCIL:
                    m = x64 + t * dd
                    points[t][k] = m if exact else xp.astype(m, x.dtype)
        values = {t: self.phi(points[t]) for t in _STENCIL}
        lin = {}
        if grads is not None and not exact:
            # The displacements actually applied, after rounding to the evaluation dtype.
            for t in _STENCIL:
                lin[t] = sum(
                    float(
                        numpy.vdot(
                            grads[k],
                            to_numpy(points[t][k]).astype(numpy.float64)
                            - to_numpy(self.base[k]).astype(numpy.float64),
                        )
                    )
                    for k in direction
                )
        est = estimate_derivative(
            values[-2], values[-1], self.phi0, values[1], values[2], h, self.noise
        )
        if grads is None:
            return est
        if exact:
            analytic = sum(float(numpy.vdot(grads[k], d)) for k, d in direction.items())
        else:
            analytic = (lin[-2] - 8 * lin[-1] + 8 * lin[1] - lin[2]) / (12 * h)
        return DerivativeEstimate(est.value, est.error, est.kink, est.finite, analytic)


def numerical_grad(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    grad_outputs: Sequence[Any] | None = None,
    *,
    eps: float = 1e-3,
    float64: bool = True,
) -> list[numpy.ndarray]:
    """Element-wise numerical gradient of ``sum_j grad_outputs[j] . f(*inputs)[j]``.

    Each element gets a five-point central difference with step
    ``eps * clip(|x_i|, 0.1, 1)``. The function is evaluated on float64 copies of the inputs
    unless ``float64=False``. Costs four evaluations per input element: for large inputs use
    :func:`~gradkit.check.check_backward`, whose cost does not grow with their size.

    Args:
        f: takes one array per input, returns an array or a tuple of arrays.
        inputs: arrays of any one device.
        grad_outputs: one array per output of ``f``; ones when omitted.
        eps: the relative step.
        float64: evaluate on float64 copies of floating inputs.

    Returns:
        One float64 NumPy array per input (zeros for integer inputs).

    >>> import numpy as np
    >>> g, = numerical_grad(lambda x: x ** 3, [np.array([1.0, 2.0])])
    >>> np.allclose(g, [3.0, 12.0])
    True
    """
    from gradkit.check.target import cast_array

    arrays = list(inputs)
    if float64:
        arrays = [cast_array(a, "float64") if is_float_dtype(a.dtype) else a for a in arrays]

    def evaluate(xs: list[Any]) -> tuple[Any, ...]:
        out = f(*xs)
        out = out if isinstance(out, tuple | list) else (out,)
        return tuple(y for y in out if is_float_dtype(y.dtype))

    center = evaluate(arrays)
    if grad_outputs is None:
        weights = [numpy.ones(y.shape, dtype=numpy.float64) for y in center]
    else:
        weights = [to_numpy(g).astype(numpy.float64) for g in grad_outputs]
    probe = Probe(evaluate, arrays, weights, center)
    result = []
    for k, x in enumerate(arrays):
        host = to_numpy(x)
        g = numpy.zeros(host.shape, dtype=numpy.float64)
        if is_float_dtype(x.dtype):
            scale = step_scale(host)
            for i in range(host.size):
                d = numpy.zeros(host.shape, dtype=numpy.float64)
                d.flat[i] = scale.flat[i]
                g.flat[i] = probe.derivative({k: d}, eps).value / scale.flat[i]
        result.append(g)
    return result
