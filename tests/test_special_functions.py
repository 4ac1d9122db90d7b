"""Accuracy of gradkit.special_functions against references computed in decimal arithmetic.

The references here are independent of the implementations: Taylor series and continued
fractions for erf/erfc, Newton's method on those for erfinv, Stirling's and the asymptotic
series after a long upward shift for lgamma and digamma, and the Euler-Maclaurin sum of the
Hurwitz zeta function for polygamma, all with 50 significant digits.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest

import gradkit
from gradkit import special_functions as sf

PREC = 50
PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459")
SQRT_PI = Decimal("1.77245385090551602729816748334114518279754945612239")


def _bernoulli_even(count: int) -> list[Fraction]:
    numbers = []
    a = [Fraction(0)] * (2 * count + 1)
    for m in range(2 * count + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        if m >= 2 and m % 2 == 0:
            numbers.append(a[0])
    return numbers


B2K = [Decimal(b.numerator) / Decimal(b.denominator) for b in _bernoulli_even(30)]


# ----------------------------------------------------------------------------- references
def ref_erf(x: float) -> Decimal:
    """erf of a float, in decimal."""
    return ref_erf_d(Decimal(x))


def ref_erfc(x: float) -> Decimal:
    """erfc of a float, in decimal."""
    return ref_erfc_d(Decimal(x))


def ref_erfinv(y: float) -> Decimal:
    """Newton's method on erf (or on erfc near 1), started from math's own erf inverse."""
    with localcontext() as ctx:
        ctx.prec = PREC
        target = Decimal(y)
        sign = 1 if target >= 0 else -1
        target = abs(target)
        x = Decimal(_rough_erfinv(float(target)))
        for _ in range(60):
            if target > Decimal("0.5"):
                f = ref_erfc_d(x) - (1 - target)
                fp = -2 / SQRT_PI * (-x * x).exp()
            else:
                f = ref_erf_d(x) - target
                fp = 2 / SQRT_PI * (-x * x).exp()
            step = f / fp
            x -= step
            if abs(step) < abs(x) * Decimal(10) ** -(PREC - 5):
                break
        return sign * x


def ref_erf_d(d: Decimal) -> Decimal:
    """erf of a Decimal argument (Taylor series)."""
    with localcontext() as ctx:
        ctx.prec = PREC + 25
        term = d
        total = d
        n = 0
        while True:
            n += 1
            term = -term * d * d / n
            add = term / (2 * n + 1)
            total += add
            if abs(add) < Decimal(10) ** -(PREC + 22):
                break
        return 2 * total / SQRT_PI


def ref_erfc_d(d: Decimal) -> Decimal:
    """erfc of a Decimal argument."""
    if d < 3:
        return 1 - ref_erf_d(d)
    with localcontext() as ctx:
        ctx.prec = PREC + 10
        tail = d
        for k in range(400, 0, -1):
            tail = d + Decimal(k) / 2 / tail
        return (-d * d).exp() / SQRT_PI / tail


def _rough_erfinv(y: float) -> float:
    lo, hi = 0.0, 7.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if math.erf(mid) < y:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _dec_sin(x: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PREC + 10
        term = x
        total = x
        n = 1
        while abs(term) > Decimal(10) ** -(PREC + 8):
            term = -term * x * x / ((n + 1) * (n + 2))
            total += term
            n += 2
        return total


def _dec_cos(x: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PREC + 10
        term = Decimal(1)
        total = Decimal(1)
        n = 0
        while abs(term) > Decimal(10) ** -(PREC + 8):
            term = -term * x * x / ((n + 1) * (n + 2))
            total += term
            n += 2
        return total


def _reduced_pi_x(x: float) -> Decimal:
    """pi * (x - round(x)), in decimal."""
    return PI * (Decimal(x) - round(Decimal(x)))


SHIFT = 60


def ref_lgamma(x: float) -> Decimal:
    """Stirling's series at x + SHIFT, brought down; the reflection formula for x < 0."""
    with localcontext() as ctx:
        ctx.prec = PREC + 10
        if x < 0:
            s = abs(_dec_sin(_reduced_pi_x(x)))
            return (PI / s).ln() - ref_lgamma_d(1 - Decimal(x))
        return ref_lgamma_d(Decimal(x))


def ref_lgamma_d(d: Decimal) -> Decimal:
    """lgamma of a positive Decimal."""
    with localcontext() as ctx:
        ctx.prec = PREC + 10
        product = Decimal(1)
        for k in range(SHIFT):
            product *= d + k
        y = d + SHIFT
        total = (y - Decimal("0.5")) * y.ln() - y + (2 * PI).ln() / 2
        for k, b in enumerate(B2K[:20], start=1):
            total += b / (2 * k * (2 * k - 1)) / y ** (2 * k - 1)
        return total - product.ln()


def ref_digamma(x: float) -> Decimal:
    """The asymptotic series at x + SHIFT, brought down; the reflection formula for x < 0."""
    with localcontext() as ctx:
        ctx.prec = PREC + 10
        if x < 0:
            r = _reduced_pi_x(x)
            return ref_digamma_d(1 - Decimal(x)) - PI * _dec_cos(r) / _dec_sin(r)
        return ref_digamma_d(Decimal(x))


def ref_digamma_d(d: Decimal) -> Decimal:
    """digamma of a positive Decimal."""
    with localcontext() as ctx:
        ctx.prec = PREC + 10
        total = -sum(1 / (d + k) for k in range(SHIFT))
        y = d + SHIFT
        total += y.ln() - 1 / (2 * y)
        for k, b in enumerate(B2K[:20], start=1):
            total -= b / (2 * k) / y ** (2 * k)
        return total


def ref_polygamma(n: int, x: float) -> Decimal:
    """(-1)^(n+1) n! zeta(n + 1, x) for x > 0, by Euler-Maclaurin summation."""
    with localcontext() as ctx:
        ctx.prec = PREC + 10
        s = n + 1
        d = Decimal(x)
        total = sum((d + k) ** -s for k in range(SHIFT))
        y = d + SHIFT
        total += y ** (1 - s) / (s - 1) + y**-s / 2
        rising = Decimal(s)
        for j, b in enumerate(B2K[:20], start=1):
            total += b / math.factorial(2 * j) * rising * y ** (-s - 2 * j + 1)
            rising *= (s + 2 * j - 1) * (s + 2 * j)
        return (-1) ** (n + 1) * math.factorial(n) * total


def max_relative_error(actual: np.ndarray, points: np.ndarray, reference) -> float:
    """The largest |actual - ref| / |ref| over the points, with ref in decimal."""
    worst = 0.0
    for a, x in zip(actual.tolist(), points.tolist(), strict=True):
        r = reference(x)
        err = abs((Decimal(a) - r) / r)
        worst = max(worst, float(err))
    return worst


# ----------------------------------------------------------------------------- tests
RNG = np.random.default_rng(20240601)
ULP = float(np.finfo(np.float64).eps)


class TestErf:
    points = np.concatenate(
        [
            RNG.uniform(-6, 6, 120),
            [0.46875, -0.46875, 0.4687500001, 4.0, 4.0000001, 1e-300, -1e-20, 1e-8, 0.1],
        ]
    )

    def test_erf_matches_decimal_reference(self) -> None:
        actual = sf.erf(self.points)
        assert max_relative_error(actual, self.points, ref_erf) < 4 * ULP

    def test_erfc_matches_decimal_reference(self) -> None:
        # up to 26.5, where erfc(x) ~ 1e-307 is still a normal number
        points = np.concatenate([self.points, RNG.uniform(6, 26.5, 40), [26.5]])
        actual = sf.erfc(points)
        assert max_relative_error(actual, points, ref_erfc) < 6 * ULP

    def test_erfc_underflows_gradually(self) -> None:
        x = np.array([26.9, 27.2, 27.4])
        tiny = float(np.finfo(np.float64).smallest_subnormal)
        expected = [float(ref_erfc(v)) for v in x]
        np.testing.assert_allclose(sf.erfc(x), expected, rtol=0, atol=4 * tiny)
        assert sf.erfc(x)[0] > 0

    def test_special_values(self) -> None:
        x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 30.0, -30.0])
        erf = sf.erf(x)
        np.testing.assert_array_equal(erf, [0.0, -0.0, 1.0, -1.0, np.nan, 1.0, -1.0])
        assert np.signbit(erf[1])
        np.testing.assert_array_equal(sf.erfc(x), [1.0, 1.0, 0.0, 2.0, np.nan, 0.0, 2.0])

    def test_agrees_with_math_module_densely(self) -> None:
        x = np.linspace(-7, 7, 20001)
        np.testing.assert_allclose(sf.erf(x), [math.erf(v) for v in x], rtol=4 * ULP, atol=0)
        np.testing.assert_allclose(sf.erfc(x), [math.erfc(v) for v in x], rtol=8 * ULP, atol=0)


class TestErfinv:
    def test_matches_decimal_reference(self) -> None:
        points = np.concatenate(
            [
                RNG.uniform(-1, 1, 60),
                1 - np.geomspace(2.0**-53, 0.4, 25),
                -(1 - np.geomspace(2.0**-53, 0.4, 5)),
                [1e-300, 1e-10, 0.5, 0.5000001, 0.4999999],
            ]
        )
        actual = sf.erfinv(points)
        assert max_relative_error(actual, points, ref_erfinv) < 4 * ULP

    def test_inverts_erf(self) -> None:
        # erf flattens out beyond 2, where its rounding makes the round trip ill-conditioned
        x = np.linspace(-2, 2, 1001)
        np.testing.assert_allclose(sf.erfinv(sf.erf(x)), x, rtol=1e-14, atol=1e-300)

    def test_special_values(self) -> None:
        y = np.array([0.0, -0.0, 1.0, -1.0, 1.5, -2.0, np.nan])
        np.testing.assert_array_equal(
            sf.erfinv(y), [0.0, -0.0, np.inf, -np.inf, np.nan, np.nan, np.nan]
        )


class TestLgamma:
    def test_positive_matches_decimal_reference(self) -> None:
        points = np.concatenate(
            [
                RNG.uniform(0, 3, 60),
                RNG.uniform(3, 30, 30),
                np.geomspace(30, 1e300, 10),
                np.geomspace(1e-300, 1e-2, 8),
                [0.5, 1.5, 2.5, 9.999999, 10.0, 1.0 + 2**-40, 2.0 - 2**-40, 1 - 1e-9, 2 + 1e-9],
            ]
        )
        actual = sf.lgamma(points)
        assert max_relative_error(actual, points, ref_lgamma) < 4 * ULP

    def test_negative_away_from_its_zeros(self) -> None:
        # Near the zeros of lgamma on the negative axis the reflection formula loses relative
        # accuracy (a documented limitation); away from them it keeps it.
        points = -np.concatenate([RNG.uniform(0, 1, 10), RNG.uniform(3, 40, 30)])
        points = points[np.abs(sf.lgamma(points)) > 0.5]
        actual = sf.lgamma(points)
        assert max_relative_error(actual, points, ref_lgamma) < 32 * ULP

    def test_exact_zeros_and_poles(self) -> None:
        x = np.array([1.0, 2.0, 0.0, -0.0, -1.0, -7.0, np.inf, -np.inf, np.nan])
        np.testing.assert_array_equal(
            sf.lgamma(x), [0.0, 0.0, np.inf, np.inf, np.inf, np.inf, np.inf, np.inf, np.nan]
        )

    def test_agrees_with_math_module(self) -> None:
        x = np.linspace(2.6, 60, 3001)
        np.testing.assert_allclose(sf.lgamma(x), [math.lgamma(v) for v in x], rtol=8 * ULP)


class TestDigamma:
    def test_positive_matches_decimal_reference(self) -> None:
        points = np.concatenate(
            [
                RNG.uniform(0, 3, 60),
                RNG.uniform(3, 30, 30),
                np.geomspace(30, 1e300, 8),
                np.geomspace(1e-300, 1e-2, 6),
                [1.4616321449683622, 1.4616321449683625, 1.46, 1.47, 1.0, 2.0, 9.999999, 10.0],
            ]
        )
        actual = sf.digamma(points)
        assert max_relative_error(actual, points, ref_digamma) < 4 * ULP

    def test_negative_away_from_its_zeros(self) -> None:
        points = -np.concatenate([RNG.uniform(0, 1, 10), RNG.uniform(1, 40, 30)])
        points = points[np.abs(sf.digamma(points)) > 0.5]
        actual = sf.digamma(points)
        assert max_relative_error(actual, points, ref_digamma) < 64 * ULP

    def test_poles(self) -> None:
        x = np.array([0.0, -1.0, -3.0, np.inf, np.nan])
        np.testing.assert_array_equal(sf.digamma(x), [-np.inf, np.nan, np.nan, np.inf, np.nan])

    def test_recurrence_and_known_values(self) -> None:
        euler = 0.57721566490153286
        np.testing.assert_allclose(sf.digamma(np.array([1.0])), [-euler], rtol=ULP)
        x = np.linspace(0.1, 20, 301)
        lhs, psi = sf.digamma(x + 1), sf.digamma(x)
        # the sum psi(x) + 1/x cancels, so compare up to the rounding of its terms
        np.testing.assert_array_less(np.abs(lhs - (psi + 1 / x)), 4 * ULP * (np.abs(psi) + 1 / x))


class TestPolygamma:
    @pytest.mark.parametrize("n", [1, 2, 3, 6])
    def test_positive_matches_decimal_reference(self, n: int) -> None:
        points = np.concatenate([RNG.uniform(0.01, 5, 20), RNG.uniform(5, 100, 10), [1e-3]])
        actual = sf.polygamma(n, points)
        assert max_relative_error(actual, points, lambda x: ref_polygamma(n, x)) < 8 * ULP

    def test_zeroth_order_is_digamma(self) -> None:
        x = np.array([-2.5, 0.3, 7.0])
        np.testing.assert_array_equal(sf.polygamma(0, x), sf.digamma(x))

    def test_negative_arguments_by_reflection(self) -> None:
        # trigamma: psi1(1 - x) + psi1(x) = pi^2 / sin^2(pi x)
        x = np.array([-0.5, -1.25, -3.7, -10.1])
        expected = np.pi**2 / np.sin(np.pi * x) ** 2 - sf.polygamma(1, 1 - x)
        np.testing.assert_allclose(sf.polygamma(1, x), expected, rtol=1e-13)
        # psi2(x) = psi2(x + 1) - 2 / x^3, so psi2(-1/2) = psi2(1/2) + 16
        expected2 = float(ref_polygamma(2, 0.5)) + 16
        np.testing.assert_allclose(sf.polygamma(2, np.array([-0.5])), [expected2], rtol=1e-14)

    def test_poles_and_bad_orders(self) -> None:
        np.testing.assert_array_equal(sf.polygamma(1, np.array([0.0, -2.0])), [np.inf, np.inf])
        assert np.isnan(sf.polygamma(2, np.array([-2.0]))).all()
        with pytest.raises(ValueError, match="non-negative int"):
            sf.polygamma(-1, np.array([1.0]))
        with pytest.raises(ValueError, match="non-negative int"):
            sf.polygamma(1.5, np.array([1.0]))  # type: ignore[arg-type]


class TestDtypesAndDevices:
    @pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma"])
    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    def test_dtype_is_kept_and_values_rounded_from_float64(self, name: str, dtype) -> None:
        x = np.array([-0.7, 0.2, 0.9], dtype=dtype)
        if name in ("lgamma", "digamma"):
            x = np.abs(x) + dtype(0.5)
        fn = getattr(sf, name)
        result = fn(x)
        assert result.dtype == dtype
        np.testing.assert_array_equal(result, fn(x.astype(np.float64)).astype(dtype))

    def test_integer_input_gives_float64(self) -> None:
        assert sf.lgamma(np.array([3, 4])).dtype == np.float64
        np.testing.assert_allclose(sf.lgamma(np.array([3, 4])), np.log([2.0, 6.0]), rtol=ULP)

    @pytest.mark.parametrize(
        "name, args", [("erf", ()), ("erfinv", ()), ("lgamma", ()), ("polygamma", (2,))]
    )
    def test_strict_device_goes_through_the_host_and_comes_back(self, name: str, args) -> None:
        strict = gradkit.get_device("strict")
        host = np.array([[0.25, 0.5], [0.75, 0.125]])
        x = strict.send(host)
        fn = getattr(sf, name)
        result = fn(*args, x)
        assert gradkit.get_device_from_array(result) == strict
        assert result.device == x.device
        np.testing.assert_array_equal(gradkit.to_numpy(result), fn(*args, host))

    def test_zero_size_and_scalar(self) -> None:
        assert sf.erf(np.zeros((0, 3))).shape == (0, 3)
        assert sf.digamma(np.array(2.0)).shape == ()
        assert sf.polygamma(1, np.zeros((2, 0)) + 1).shape == (2, 0)

    def test_gpu_entries_are_registered(self) -> None:
        from gradkit.backend import backend_function

        class FakeCupy:
            __name__ = "cupy"

        for name in ("erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma"):
            assert backend_function(name, FakeCupy()).__name__.startswith("_cupy_")


@pytest.mark.gpu
@pytest.mark.skipif(not gradkit.gpu_available(), reason="needs CuPy and a CUDA device")
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma"])
def test_gpu_agrees_with_cpu(name: str) -> None:
    gpu = gradkit.get_device("gpu")
    x = np.linspace(0.05, 0.95, 50)
    fn = getattr(sf, name)
    np.testing.assert_allclose(gradkit.to_numpy(fn(gpu.send(x))), fn(x), rtol=1e-13)
