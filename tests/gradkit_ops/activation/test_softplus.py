"""softplus (with beta), silu and mish: values, no overflow, gradients to second order on cpu
and strict."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.activation import mish, silu, softplus

CASES = [
    (softplus, lambda x: np.logaddexp(0, x)),
    (lambda x: softplus(x, beta=3.0), lambda x: np.logaddexp(0, 3 * x) / 3),
    (silu, lambda x: x / (1 + np.exp(-x))),
    (mish, lambda x: x * np.tanh(np.logaddexp(0, x))),
]
IDS = ["softplus", "softplus_beta", "silu", "mish"]


@pytest.mark.parametrize(("op", "ref"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_values(op, ref, dtype, rng) -> None:
    x = rng.uniform(-5, 5, (3, 4)).astype(dtype)
    y = op(x)
    assert y.dtype == dtype
    rtol = {np.float16: 3e-3, np.float32: 2e-6, np.float64: 1e-14}[dtype]
    np.testing.assert_allclose(y.array, ref(x.astype(np.float64)), rtol=rtol, atol=rtol)


@pytest.mark.parametrize(("op", "ref"), CASES, ids=IDS)
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(op, ref, device, rng, gradcheck) -> None:
    gradcheck(op, [rng.uniform(-5, 5, (2, 3))], device=device)


def test_no_overflow_for_large_inputs() -> None:
    x = np.array([-1000.0, 1000.0])
    with np.errstate(over="raise"):
        np.testing.assert_allclose(softplus(x).array, [0.0, 1000.0])
        np.testing.assert_allclose(silu(x).array, [-0.0, 1000.0])
        np.testing.assert_allclose(mish(x).array, [-0.0, 1000.0])


def test_softplus_rejects_non_positive_beta() -> None:
    with pytest.raises(ValueError, match="positive"):
        softplus(np.zeros(2), beta=-1.0)
