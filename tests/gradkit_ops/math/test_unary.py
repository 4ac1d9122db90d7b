"""Unary elementwise ops of gradkit_ops.math, from one table: forward against NumPy in every
dtype, gradients to second order on cpu and strict, and strict agreeing with cpu."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
import gradkit_ops.math.exponential as ex
import gradkit_ops.math.hyperbolic as hyp
import gradkit_ops.math.trigonometric as trig

# op, NumPy reference, sampling interval
UNARY = [
    (ex.exp, np.exp, (-2.0, 2.0)),
    (ex.log, np.log, (0.2, 3.0)),
    (ex.exp2, np.exp2, (-3.0, 3.0)),
    (ex.expm1, np.expm1, (-2.0, 2.0)),
    (ex.log2, np.log2, (0.2, 3.0)),
    (ex.log10, np.log10, (0.2, 3.0)),
    (ex.log1p, np.log1p, (-0.7, 2.0)),
    (hyp.sinh, np.sinh, (-3.0, 3.0)),
    (hyp.cosh, np.cosh, (-3.0, 3.0)),
    (hyp.tanh, np.tanh, (-3.0, 3.0)),
    (hyp.arcsinh, np.arcsinh, (-3.0, 3.0)),
    (hyp.arccosh, np.arccosh, (1.2, 4.0)),
    (hyp.arctanh, np.arctanh, (-0.9, 0.9)),
    (trig.sin, np.sin, (-4.0, 4.0)),
    (trig.cos, np.cos, (-4.0, 4.0)),
    (trig.tan, np.tan, (-1.2, 1.2)),
    (trig.arcsin, np.arcsin, (-0.9, 0.9)),
    (trig.arccos, np.arccos, (-0.9, 0.9)),
    (trig.arctan, np.arctan, (-3.0, 3.0)),
]
IDS = [op.__name__ for op, _, _ in UNARY]


@pytest.mark.parametrize(("op", "ref", "domain"), UNARY, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_forward_matches_numpy(op, ref, domain, dtype, rng) -> None:
    x = rng.uniform(*domain, (3, 4)).astype(dtype)
    y = op(x)
    assert y.dtype == dtype and y.shape == (3, 4)
    rtol = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-14}[dtype]
    np.testing.assert_allclose(y.array, ref(x), rtol=rtol, atol=rtol)


@pytest.mark.parametrize(("op", "ref", "domain"), UNARY, ids=IDS)
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(op, ref, domain, device, rng, gradcheck) -> None:
    gradcheck(op, [rng.uniform(*domain, (2, 3))], device=device)


@pytest.mark.parametrize(("op", "ref", "domain"), UNARY, ids=IDS)
def test_strict_matches_cpu(op, ref, domain, rng, strict) -> None:
    x = rng.uniform(*domain, (2, 3))
    y = op(gradkit.Variable(strict.send(x)))
    assert y.device == strict
    np.testing.assert_allclose(gradkit.to_numpy(y.array), op(x).array, rtol=1e-15)
