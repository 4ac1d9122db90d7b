"""sigmoid and log_sigmoid: values without overflow and with relative accuracy in the tails,
gradients to second order on cpu and strict."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.activation import log_sigmoid, sigmoid

CASES = [(sigmoid, lambda x: 1 / (1 + np.exp(-x))), (log_sigmoid, lambda x: -np.logaddexp(0, -x))]


@pytest.mark.parametrize(("op", "ref"), CASES, ids=["sigmoid", "log_sigmoid"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_values(op, ref, dtype, rng) -> None:
    x = rng.uniform(-6, 6, (3, 4)).astype(dtype)
    y = op(x)
    assert y.dtype == dtype
    rtol = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-15}[dtype]
    np.testing.assert_allclose(y.array, ref(x.astype(np.float64)), rtol=rtol, atol=rtol)


def test_tails_without_overflow() -> None:
    x = np.array([-800.0, -40.0, 40.0, 800.0])
    with np.errstate(over="raise"):
        s = sigmoid(x).array
        ls = log_sigmoid(x).array
    np.testing.assert_allclose(s[:2], np.exp(x[:2]), rtol=1e-15)  # e**x, not 0 or 1 - 1
    np.testing.assert_array_equal(s[2:], [1.0, 1.0])
    np.testing.assert_allclose(ls, [-800.0, -40.0, -np.exp(-40.0), 0.0], rtol=1e-15)


@pytest.mark.parametrize(("op", "ref"), CASES, ids=["sigmoid", "log_sigmoid"])
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(op, ref, device, rng, gradcheck) -> None:
    gradcheck(op, [rng.uniform(-6, 6, (2, 3))], device=device)
