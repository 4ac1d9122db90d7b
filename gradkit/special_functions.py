"""Special functions for the backend table: erf, erfc, erfinv, lgamma, digamma, polygamma.

The array API has none of these, so they live in the engine's backend table
(:func:`gradkit.backend.register_backend_function`), one implementation per namespace:

* ``numpy``: pure NumPy, computed in float64 (accurate to a few units in the last place,
  about 1e-15 relative; see each function for where that does not hold) and cast back to the
  input's dtype.
* ``cupy``: ``cupyx.scipy.special``, imported only when a CuPy array is passed.
* ``array_api_strict``: the NumPy implementation, reached through the host explicitly, then
  returned on the array's own device (as a GPU kernel's result would be).

The public functions here work on arrays (they are not differentiable); the differentiable
ops are :mod:`gradkit_ops.math.special`.

>>> import numpy as np
>>> float(erf(np.array(0.5)))
0.5204998778130465
>>> float(lgamma(np.array(0.5)))  # log(sqrt(pi))
0.5723649429247001
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy

from gradkit.backend import backend_function, get_array_module, register_backend_function, to_numpy

__all__ = ["erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma"]


# ----------------------------------------------------------------------------- public API
def erf(x: Any) -> Any:
    """The error function ``erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt``, elementwise."""
    return backend_function("erf", get_array_module(x))(x)


def erfc(x: Any) -> Any:
    """The complementary error function ``1 - erf(x)``, accurate in the tail, elementwise."""
    return backend_function("erfc", get_array_module(x))(x)


def erfinv(x: Any) -> Any:
    """The inverse error function on [-1, 1] (±inf at ±1, NaN outside), elementwise."""
    return backend_function("erfinv", get_array_module(x))(x)


def lgamma(x: Any) -> Any:
    """``log|Gamma(x)|`` elementwise; +inf at the poles 0, -1, -2, ..."""
    return backend_function("lgamma", get_array_module(x))(x)


def digamma(x: Any) -> Any:
    """The digamma function ``psi(x) = d/dx log Gamma(x)`` elementwise.

    -inf at 0 and NaN at the negative integers (the poles), as PyTorch and SciPy.
    """
    return backend_function("digamma", get_array_module(x))(x)


def polygamma(n: int, x: Any) -> Any:
    """The polygamma function ``psi^(n)(x)``, the n-th derivative of digamma, elementwise.

    ``n`` is a non-negative Python int; ``n = 0`` is :func:`digamma`. At the poles (0, -1,
    ...) the result is +inf for odd ``n`` and NaN for even ``n``.
    """
    n = _check_order(n)
    return backend_function("polygamma", get_array_module(x))(x, n)


def _check_order(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | numpy.integer) or n < 0:
        raise ValueError(f"polygamma: the order n must be a non-negative int; got {n!r}")
    return int(n)


# ----------------------------------------------------------------------------- helpers
def _horner(coefficients: Sequence[float], x: numpy.ndarray) -> numpy.ndarray:
    """``sum(c[k] * x**k)`` for the coefficients in increasing order of power."""
    result = numpy.full_like(x, coefficients[-1])
    for c in coefficients[-2::-1]:
        result = result * x + c
    return result


def _float64_op(
    impl: Callable[[numpy.ndarray], numpy.ndarray],
) -> Callable[[Any], numpy.ndarray]:
    """Wrap a float64 implementation: compute in float64, return the input's float dtype."""

    @functools.wraps(impl)
    def run(x: Any, *args: Any) -> numpy.ndarray:
        x = numpy.asarray(x)
        out_dtype = x.dtype if x.dtype.kind == "f" else numpy.dtype(numpy.float64)
        x64 = numpy.asarray(x, dtype=numpy.float64)
        with numpy.errstate(all="ignore"):
            result = impl(x64, *args)
        return numpy.asarray(result.astype(out_dtype, copy=False))

    return run


def _cot_pi(x: numpy.ndarray) -> numpy.ndarray:
    """``cot(pi * x)``, with the argument reduced exactly first (exact for |x| < 2**52)."""
    r = x - numpy.round(x)
    return 1.0 / numpy.tan(numpy.pi * r)


def _bernoulli_even(count: int) -> list[float]:
    """B_2, B_4, ..., B_{2 count} (Akiyama-Tanigawa, exact in rationals)."""
    numbers = []
    a = [Fraction(0)] * (2 * count + 1)
    for m in range(2 * count + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        if m >= 2 and m % 2 == 0:
            numbers.append(float(a[0]))
    return numbers


_B2K = _bernoulli_even(20)  # B_2 .. B_40
_EULER_GAMMA = 0.57721566490153286061
_HALF_LOG_2PI = 0.91893853320467274178
_LOG_PI = 1.14472988584940017414


# ----------------------------------------------------------------------------- erf, erfc
# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969) 631-638; the coefficients of Netlib SPECFUN's CALERF.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)  # fmt: skip
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)  # fmt: skip
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)  # fmt: skip
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)  # fmt: skip
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)  # fmt: skip
_ERF_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)  # fmt: skip
_SQRT_PI_INV = 5.6418958354775628695e-1
_ERF_THRESHOLD = 0.46875
_ERFC_XBIG = 27.3  # erfc(x) underflows to 0 beyond this


def _erf_small(x: numpy.ndarray) -> numpy.ndarray:
    """erf(x) for |x| <= 0.46875."""
    a, b = _ERF_A, _ERF_B
    ysq = x * x
    xnum = a[4] * ysq
    xden = ysq
    for i in range(3):
        xnum = (xnum + a[i]) * ysq
        xden = (xden + b[i]) * ysq
    return x * (xnum + a[3]) / (xden + b[3])


def _erfc_large(y: numpy.ndarray) -> numpy.ndarray:
    """erfc(y) for y > 0.46875 (Cody's second and third intervals)."""
    result = numpy.zeros_like(y)
    mid = y <= 4.0
    ym = y[mid]
    c, d = _ERF_C, _ERF_D
    xnum = c[8] * ym
    xden = ym
    for i in range(7):
        xnum = (xnum + c[i]) * ym
        xden = (xden + d[i]) * ym
    result[mid] = (xnum + c[7]) / (xden + d[7])

    tail = ~mid & (y < _ERFC_XBIG)
    yt = y[tail]
    p, q = _ERF_P, _ERF_Q
    ysq = 1.0 / (yt * yt)
    xnum = p[5] * ysq
    xden = ysq
    for i in range(4):
        xnum = (xnum + p[i]) * ysq
        xden = (xden + q[i]) * ysq
    r = ysq * (xnum + p[4]) / (xden + q[4])
    result[tail] = (_SQRT_PI_INV - r) / yt

    # exp(-y*y) split as exp(-ysq*ysq) * exp(-del) with ysq = y rounded down to 1/16, so the
    # square is exact and the rounding error of y*y does not spoil the tail.
    ysq = numpy.trunc(16.0 * y) / 16.0
    delta = (y - ysq) * (y + ysq)
    scale = numpy.exp(-ysq * ysq) * numpy.exp(-delta)
    return numpy.where(mid | tail, result * scale, 0.0)


@_float64_op
def _numpy_erf(x: numpy.ndarray) -> numpy.ndarray:
    out = numpy.empty_like(x)
    y = numpy.abs(x)
    small = y <= _ERF_THRESHOLD
    out[small] = _erf_small(x[small])
    large = ~small & ~numpy.isnan(x)
    erfc_y = _erfc_large(y[large])
    out[large] = numpy.copysign((0.5 - erfc_y) + 0.5, x[large])
    out[numpy.isnan(x)] = numpy.nan
    return out


@_float64_op
def _numpy_erfc(x: numpy.ndarray) -> numpy.ndarray:
    out = numpy.empty_like(x)
    y = numpy.abs(x)
    small = y <= _ERF_THRESHOLD
    out[small] = 1.0 - _erf_small(x[small])
    large = ~small & ~numpy.isnan(x)
    erfc_y = _erfc_large(y[large])
    out[large] = numpy.where(x[large] < 0, 2.0 - erfc_y, erfc_y)
    out[numpy.isnan(x)] = numpy.nan
    return out


# ----------------------------------------------------------------------------- erfinv
# M. Giles, "Approximating the erfinv function", GPU Computing Gems (2011): the
# single-precision approximation (relative error below 4e-7) as a starting point.
_GILES_CENTRAL = (1.50140941, 0.246640727, -0.00417768164, -0.00125372503, 0.00021858087,
                  -4.39150654e-06, -3.5233877e-06, 3.43273939e-07, 2.81022636e-08)  # fmt: skip
_GILES_TAIL = (2.83297682, 1.00167406, 0.00943887047, -0.0076224613, 0.00573950773,
               -0.00367342844, 0.00134934322, 0.000100950558, -0.000200214257)  # fmt: skip
_TWO_OVER_SQRT_PI = 1.12837916709551257390


@_float64_op
def _numpy_erfinv(y: numpy.ndarray) -> numpy.ndarray:
    a = numpy.abs(y)
    # Start from Giles' approximation (relative error 4e-7 where 1 - a > 1e-7), then refine.
    w = -numpy.log((1.0 - a) * (1.0 + a))
    central = w < 5.0
    x = (
        numpy.where(
            central,
            _horner(_GILES_CENTRAL, w - 2.5),
            _horner(_GILES_TAIL, numpy.sqrt(numpy.maximum(w, 5.0)) - 3.0),
        )
        * a
    )
    # For a <= 0.5, Halley's method on erf(x) = a. Above, Newton's method on
    # log(erfc(x)) = log(1 - a): 1 - a is exact, so the equation keeps its relative accuracy
    # near 1, and the logarithm is nearly quadratic in x, so Newton converges fast even where
    # Giles' approximation (made for float32) is extrapolated, beyond 1 - a < 1e-7.
    upper = a > 0.5
    log_complement = numpy.log(1.0 - a)
    finite = (a < 1.0) & (a > 0.0)
    for _ in range(4):
        xs = numpy.where(finite, x, 0.5)
        u = (_numpy_erf(xs) - a) / (_TWO_OVER_SQRT_PI * numpy.exp(-xs * xs))  # f / f'
        lower_step = xs - u / (1.0 + xs * u)
        complement = _numpy_erfc(xs)
        upper_step = xs + complement * numpy.exp(xs * xs) / _TWO_OVER_SQRT_PI * (
            numpy.log(complement) - log_complement
        )
        x = numpy.where(finite, numpy.where(upper, upper_step, lower_step), x)
    x = numpy.where(a == 1.0, numpy.inf, x)
    x = numpy.where(a == 0.0, 0.0, x)
    x = numpy.where(a > 1.0, numpy.nan, x)
    return numpy.copysign(x, y)


# ----------------------------------------------------------------------------- lgamma
# Taylor coefficients of lgamma(2 + z) = (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) / k z^k,
# k = 2..33 (computed with 70-digit decimal arithmetic). The series converges for |z| < 2.
_LGAMMA2_TAIL = (
    0.3224670334241132, -0.0673523010531981, 0.020580808427784546, -0.007385551028673986,
    0.0028905103307415234, -0.001192753911703261, 0.0005096695247430425,
    -0.00022315475845357939, 9.945751278180853e-05, -4.492623673813314e-05,
    2.050721277567069e-05, -9.439488275268397e-06, 4.374866789907488e-06,
    -2.039215753801366e-06, 9.55141213040742e-07, -4.492469198764566e-07,
    2.1207184805554665e-07, -1.0043224823968099e-07, 4.7698101693639804e-08,
    -2.2711094608943164e-08, 1.0838659214896955e-08, -5.183475041970047e-09,
    2.4836745438024785e-09, -1.1921401405860912e-09, 5.731367241678862e-10,
    -2.7595228851242334e-10, 1.330476437424449e-10, -6.4229645638381e-11,
    3.1044247747322276e-11, -1.5021384080754142e-11, 7.275974480239079e-12,
    -3.527742476575915e-12,
)  # fmt: skip
_LGAMMA2 = (0.0, 1.0 - _EULER_GAMMA, *_LGAMMA2_TAIL)
# lgamma(1 + z) = -gamma z + sum_k (-1)^k zeta(k) / k z^k, k = 2..61, converging for |z| < 1:
# its coefficients are (-1)^k / k plus the ones above (negligible beyond k = 33).
_LGAMMA1 = (
    0.0,
    -_EULER_GAMMA,
    *[(-1) ** k / k + (_LGAMMA2_TAIL[k - 2] if k < 34 else 0.0) for k in range(2, 62)],
)
_STIRLING = tuple(b / (2 * k * (2 * k - 1)) for k, b in enumerate(_B2K[:10], start=1))


def _lgamma_positive(x: numpy.ndarray) -> numpy.ndarray:
    """lgamma(x) for x > 0."""
    out = numpy.empty_like(x)
    # (0, 0.5): lgamma(x) = lgamma(1 + x) - log(x), with z = x exact.
    r = x < 0.5
    out[r] = _horner(_LGAMMA1, x[r]) - numpy.log(x[r])
    # [0.5, 1.5): the series around 1; [1.5, 2.5): the series around 2.
    r = (x >= 0.5) & (x < 1.5)
    out[r] = _horner(_LGAMMA1, x[r] - 1.0)
    # [1.5, 10): down to [1.5, 2.5) by lgamma(x) = lgamma(x - m) + log((x-1)...(x-m)); x - k
    # is exact, and the product stays below 1e8.
    r = (x >= 1.5) & (x < 10.0)
    z = x[r]
    product = numpy.ones_like(z)
    for _ in range(8):
        down = z >= 2.5
        z = numpy.where(down, z - 1.0, z)
        product = numpy.where(down, product * z, product)
    out[r] = _horner(_LGAMMA2, z - 2.0) + numpy.log(product)
    # [10, inf): Stirling's series; its terms fall below 1e-18 by the tenth at x = 10.
    r = x >= 10.0
    z = x[r]
    inv = 1.0 / z
    series = _horner(_STIRLING, inv * inv) * inv
    out[r] = (z - 0.5) * numpy.log(z) - z + _HALF_LOG_2PI + series
    out[numpy.isinf(x)] = numpy.inf
    return out


@_float64_op
def _numpy_lgamma(x: numpy.ndarray) -> numpy.ndarray:
    out = numpy.full_like(x, numpy.nan)
    positive = x > 0
    out[positive] = _lgamma_positive(x[positive])
    # Reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x). The argument of sin is
    # reduced exactly first. Near the zeros of lgamma on the negative axis the relative error
    # grows (the error stays ~1e-16 times the size of the two terms).
    negative = (x <= 0) & (numpy.floor(x) != x)
    xn = x[negative]
    s = numpy.abs(numpy.sin(numpy.pi * (xn - numpy.round(xn))))
    out[negative] = _LOG_PI - numpy.log(s) - _lgamma_positive(1.0 - xn)
    out[(x <= 0) & (numpy.floor(x) == x)] = numpy.inf  # the poles, and -inf
    out[x == -numpy.inf] = numpy.inf
    return out


# ----------------------------------------------------------------------------- digamma
# psi has its only positive zero at x0; on [1, 2) it is summed as a Taylor series around x0,
# psi(x0 + t) = sum_k (-1)^(k+1) zeta(k+1, x0) t^k (70-digit decimal arithmetic), so it keeps
# its relative accuracy near the zero. x0 = _PSI_ROOT_HI + _PSI_ROOT_LO.
_PSI_ROOT_HI = 1.4616321449683622
_PSI_ROOT_LO = 9.549995429965697e-17
_PSI_TAYLOR = (
    0.0, 0.9676722454476212, -0.4427631689835921, 0.258499760955651, -0.16394270544240652,
    0.10782405069126237, -0.07219956125645471, 0.04880428816414311, -0.03316112647484736,
    0.022597648232218104, -0.01542476590494896, 0.010538791616612175, -0.007204534386356869,
    0.004926781395729853, -0.003369801655439328, 0.002305126326734928, -0.0015769367714301972,
    0.0010788252019162967, -0.0007380709389960052, 0.000504953265834602,
    -0.0003454680251063077, 0.00023635601564027053, -0.00016170622091974803,
    0.0001106337276874741, -7.569179582195066e-05, 5.178575795222081e-05,
    -3.5430070947659604e-05, 2.424006611860132e-05, -1.6584242271854135e-05,
    1.134638458466385e-05, -7.762817668462094e-06, 5.3110609208898636e-06,
    -3.6336507898010456e-06, 2.486022733129538e-06, -1.7008538854332607e-06,
    1.1636675363548843e-06, -7.96142543124197e-07, 5.446941930669446e-07,
    -3.7266161283438227e-07, 2.549626552021554e-07, -1.7443695117727745e-07,
    1.1934394829830244e-07, -8.165115189488409e-08, 5.586299683532171e-08,
    -3.821960061917494e-08,
)  # fmt: skip
_PSI_ASYMPTOTIC = tuple(b / (2 * k) for k, b in enumerate(_B2K[:10], start=1))


def _digamma_positive(x: numpy.ndarray) -> numpy.ndarray:
    """psi(x) for x > 0."""
    out = numpy.empty_like(x)
    # (0, 1): psi(x) = psi(x + 1) - 1/x, with t = x + 1 - x0 formed without rounding x + 1.
    r = x < 1.0
    xr = x[r]
    t = (xr + (1.0 - _PSI_ROOT_HI)) - _PSI_ROOT_LO
    out[r] = _horner(_PSI_TAYLOR, t) - 1.0 / xr
    # [1, 10): down to [1, 2) by psi(x) = psi(x - m) + sum 1/(x - k): all terms positive.
    r = (x >= 1.0) & (x < 10.0)
    z = x[r]
    total = numpy.zeros_like(z)
    for _ in range(9):
        down = z >= 2.0
        z = numpy.where(down, z - 1.0, z)
        total = numpy.where(down, total + 1.0 / z, total)
    t = (z - _PSI_ROOT_HI) - _PSI_ROOT_LO
    out[r] = _horner(_PSI_TAYLOR, t) + total
    # [10, inf): psi(x) = log(x) - 1/(2x) - sum B_2k / (2k x^2k).
    r = x >= 10.0
    z = x[r]
    inv2 = 1.0 / (z * z)
    out[r] = numpy.log(z) - 0.5 / z - _horner(_PSI_ASYMPTOTIC, inv2) * inv2
    out[numpy.isinf(x)] = numpy.inf
    return out


@_float64_op
def _numpy_digamma(x: numpy.ndarray) -> numpy.ndarray:
    return _polygamma(x, 0)


# ----------------------------------------------------------------------------- polygamma
@functools.cache
def _cot_derivative_polynomial(n: int) -> tuple[int, ...]:
    """Coefficients P_n with d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x)).

    P_0(c) = c and P_{k+1}(c) = -(1 + c^2) P_k'(c).
    """
    p = [0, 1]
    for _ in range(n):
        dp = [i * p[i] for i in range(1, len(p))] or [0]
        nxt = [0] * (len(dp) + 2)
        for i, c in enumerate(dp):
            nxt[i] -= c
            nxt[i + 2] -= c
        p = nxt
    return tuple(p)


def _hurwitz_zeta_positive(s: int, x: numpy.ndarray) -> numpy.ndarray:
    """zeta(s, x) = sum_k (x + k)^-s for an integer s >= 2 and x > 0."""
    # Sum the first terms until x + k >= threshold, then the Euler-Maclaurin tail, whose
    # terms shrink like ((s + 2j) / (2 pi y))^2.
    threshold = 10.0 + s
    total = numpy.zeros_like(x)
    y = x.copy()
    steps = int(max(0.0, math.ceil(threshold - float(numpy.min(x))))) if x.size else 0
    for _ in range(steps):
        small = y < threshold
        total = numpy.where(small, total + y**-s, total)
        y = numpy.where(small, y + 1.0, y)
    inv = 1.0 / y
    tail = y / (s - 1) + 0.5
    rising = float(s)  # s (s + 1) ... (s + 2j - 2)
    factorial = 2.0  # (2j)!
    power = inv  # y^(1 - 2j)
    for j, b in enumerate(_B2K[:16], start=1):
        tail = tail + b / factorial * rising * power
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        factorial *= (2 * j + 1) * (2 * j + 2)
        power = power * inv * inv
    return total + tail * y**-s


def _polygamma_positive(x: numpy.ndarray, n: int) -> numpy.ndarray:
    if n == 0:
        return _digamma_positive(x)
    sign = 1.0 if n % 2 else -1.0
    return sign * math.factorial(n) * _hurwitz_zeta_positive(n + 1, x)


def _polygamma(x: numpy.ndarray, n: int) -> numpy.ndarray:
    out = numpy.full_like(x, numpy.nan)
    positive = x > 0
    out[positive] = _polygamma_positive(x[positive], n)
    # Reflection: psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi d^n/dx^n cot(pi x).
    negative = (x < 0) & (numpy.floor(x) != x) & numpy.isfinite(x)
    xn = x[negative]
    cot_term = math.pi ** (n + 1) * _horner(_cot_derivative_polynomial(n), _cot_pi(xn))
    out[negative] = (-1) ** n * _polygamma_positive(1.0 - xn, n) - cot_term
    poles = (x <= 0) & (numpy.floor(x) == x)
    if n == 0:
        out[poles] = numpy.nan
        out[x == 0] = -numpy.inf
    elif n % 2:
        out[poles] = numpy.inf
    return out


@_float64_op
def _numpy_polygamma(x: numpy.ndarray, n: int) -> numpy.ndarray:
    return _polygamma(x, n)


# ----------------------------------------------------------------------------- other namespaces
def _cupy_special(name: str) -> Callable[..., Any]:
    def run(x: Any, *args: Any) -> Any:
        import cupy
        import cupyx.scipy.special as special

        dtype = x.dtype
        if dtype.kind != "f":
            dtype = cupy.dtype(cupy.float64)
        arg = x.astype(cupy.float32) if dtype == cupy.float16 else x
        result = getattr(special, name)(*args, arg) if args else getattr(special, name)(arg)
        return result.astype(dtype, copy=False)

    run.__name__ = f"_cupy_{name}"
    return run


def _strict_via_host(impl: Callable[..., Any]) -> Callable[..., Any]:
    """Run the NumPy implementation on the host explicitly, and come back to x's device."""

    def run(x: Any, *args: Any) -> Any:
        import array_api_strict as xp

        return xp.asarray(impl(to_numpy(x), *args), device=x.device)

    run.__name__ = f"_strict_{impl.__name__}"
    return run


_IMPLEMENTATIONS = {
    "erf": (_numpy_erf, "erf"),
    "erfc": (_numpy_erfc, "erfc"),
    "erfinv": (_numpy_erfinv, "erfinv"),
    "lgamma": (_numpy_lgamma, "gammaln"),
    "digamma": (_numpy_digamma, "digamma"),
    "polygamma": (_numpy_polygamma, "polygamma"),
}
for _name, (_impl, _cupy_name) in _IMPLEMENTATIONS.items():
    register_backend_function(_name, "numpy", _impl)
    register_backend_function(_name, "cupy", _cupy_special(_cupy_name))
    register_backend_function(_name, "array_api_strict", _strict_via_host(_impl))
