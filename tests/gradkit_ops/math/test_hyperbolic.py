"""Hyperbolic ops beyond the shared table of test_unary.py: special values and binary ops."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
import gradkit_ops.math.hyperbolic as hyp


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


@pytest.mark.parametrize("size", [4, hyp.TanhGrad.IN_PLACE_FROM - 1, hyp.TanhGrad.IN_PLACE_FROM])
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_tanh_grad_both_evaluation_orders_match_the_formula(size: int, device: str) -> None:
    """TanhGrad computes in place for large arrays and with array operands only for small
    ones; both give ``gy * (1 - y**2)`` to rounding, on every device."""
    rng = np.random.default_rng(size)
    y = np.tanh(rng.normal(size=size)).astype(np.float32)
    gy = rng.normal(size=size).astype(np.float32)
    dev = gradkit.get_device(device)
    (gx,) = hyp.TanhGrad().apply((dev.send(y), dev.send(gy)))
    expected = gy.astype(np.float64) * (1 - y.astype(np.float64) ** 2)
    np.testing.assert_allclose(gradkit.backend.to_numpy(gx.array), expected, rtol=2e-6, atol=1e-7)


def test_tanh_gradients_of_a_large_input_are_checked() -> None:
    """The in-place branch of TanhGrad, first and second order, on a 64x64 input."""
    from gradkit.check import check_backward, check_double_backward

    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (64, 64))
    gy = rng.normal(size=(64, 64))
    first = check_backward(hyp.tanh, (x,), (gy,))
    assert first.passed, first.render()
    second = check_double_backward(hyp.tanh, (x,), (gy,), (rng.normal(size=(64, 64)),))
    assert second.passed, second.render()
