"""elu, celu, selu: values against NumPy, no overflow in the unused branch, gradients to
second order on cpu and strict."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.activation import celu, elu, selu
from gradkit_ops.activation.elu import SELU_ALPHA, SELU_SCALE


def _off_zero(rng, shape):
    return rng.uniform(0.1, 3.0, shape) * rng.choice([-1.0, 1.0], shape)


def _elu(x, a):
    return np.where(x > 0, x, a * np.expm1(np.minimum(x, 0)))


CASES = [
    (lambda x: elu(x), lambda x: _elu(x, 1.0)),
    (lambda x: elu(x, alpha=0.5), lambda x: _elu(x, 0.5)),
    (
        lambda x: celu(x, alpha=2.0),
        lambda x: np.where(x > 0, x, 2 * np.expm1(np.minimum(x, 0) / 2)),
    ),
    (selu, lambda x: SELU_SCALE * _elu(x, SELU_ALPHA)),
]
IDS = ["elu", "elu_alpha", "celu", "selu"]


@pytest.mark.parametrize(("op", "ref"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_values(op, ref, dtype, rng) -> None:
    x = rng.uniform(-3, 3, (3, 4)).astype(dtype)
    y = op(x)
    assert y.dtype == dtype
    rtol = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-15}[dtype]
    np.testing.assert_allclose(y.array, ref(x.astype(np.float64)), rtol=rtol, atol=rtol)


@pytest.mark.parametrize(("op", "ref"), CASES, ids=IDS)
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(op, ref, device, rng, gradcheck) -> None:
    gradcheck(op, [_off_zero(rng, (2, 3))], device=device)


def test_large_inputs_do_not_overflow() -> None:
    with np.errstate(over="raise"):
        np.testing.assert_array_equal(elu(np.array([1000.0, -1000.0])).array, [1000.0, -1.0])
        np.testing.assert_array_equal(celu(np.array([1000.0])).array, [1000.0])


def test_celu_rejects_non_positive_alpha() -> None:
    with pytest.raises(ValueError, match="positive"):
        celu(np.zeros(2), alpha=0.0)


def test_elu_gradient_below_zero_is_output_plus_alpha() -> None:
    x = gradkit.Variable(np.array([-1.0, 2.0]))
    y = elu(x, alpha=0.5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [y.array[0] + 0.5, 1.0])
