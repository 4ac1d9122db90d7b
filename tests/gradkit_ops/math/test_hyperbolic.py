"""Hyperbolic ops: forward against NumPy, gradients to second order on cpu and strict."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
import gradkit_ops.math.hyperbolic as hyp

UNARY = [
    (hyp.sinh, np.sinh, (-3.0, 3.0)),
    (hyp.cosh, np.cosh, (-3.0, 3.0)),
    (hyp.tanh, np.tanh, (-3.0, 3.0)),
    (hyp.arcsinh, np.arcsinh, (-3.0, 3.0)),
    (hyp.arccosh, np.arccosh, (1.2, 4.0)),
    (hyp.arctanh, np.arctanh, (-0.9, 0.9)),
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


def test_tanh_keeps_only_its_output_for_backward() -> None:
    x = gradkit.Variable(np.array([0.5, -1.0]))
    y = hyp.tanh(x)
    node = y.creator
    assert node._input_indexes_to_retain is None
    assert node._output_indexes_to_retain == (0,)
    y.grad = np.ones(2)
    y.backward()
    np.testing.assert_allclose(x.grad, 1 - np.tanh(x.array) ** 2)


def test_saturation_and_domain_edges() -> None:
    np.testing.assert_array_equal(hyp.tanh(np.array([-50.0, 50.0])).array, [-1.0, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        edges = hyp.arctanh(np.array([1.0, -1.0])).array
        below_one = hyp.arccosh(np.array([0.5])).array
    np.testing.assert_array_equal(edges, [np.inf, -np.inf])
    assert np.isnan(below_one).all()
