"""gelu, exact and tanh-approximated: values, accuracy for negative inputs, gradients to
second order on cpu and strict."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradkit_ops.activation import gelu


def _exact(x):
    return 0.5 * x * np.vectorize(math.erfc)(-x / math.sqrt(2))


def _tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


@pytest.mark.parametrize(("approximate", "ref"), [("none", _exact), ("tanh", _tanh)])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_values(approximate, ref, dtype, rng) -> None:
    x = rng.uniform(-4, 4, (3, 4)).astype(dtype)
    y = gelu(x, approximate=approximate)
    assert y.dtype == dtype
    rtol = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-14}[dtype]
    np.testing.assert_allclose(y.array, ref(x.astype(np.float64)), rtol=rtol, atol=rtol)


def test_exact_gelu_keeps_relative_accuracy_in_the_left_tail() -> None:
    x = np.array([-10.0, -20.0])
    np.testing.assert_allclose(gelu(x).array, _exact(x), rtol=1e-14)
    assert np.all(gelu(x).array < 0)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order(approximate, device, rng, gradcheck) -> None:
    gradcheck(
        lambda x: gelu(x, approximate=approximate), [rng.uniform(-4, 4, (2, 3))], device=device
    )


def test_unknown_approximation() -> None:
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        gelu(np.zeros(2), approximate="erf")
