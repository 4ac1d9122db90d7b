"""Linear: values against NumPy, the lazy input size, options, devices."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import initializers
from gradkit_ops.links import Linear


def test_values_match_x_W_transpose_plus_b(rng) -> None:
    layer = Linear(3, 4, initialW=initializers.Normal(1.0, seed=0), initial_bias=0.5)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    y = layer(x)
    np.testing.assert_allclose(y.array, x @ layer.W.array.T + 0.5, rtol=1e-6)
    assert layer.W.shape == (4, 3) and layer.b.shape == (4,) and y.dtype == np.float32


def test_the_input_size_is_taken_from_the_first_call() -> None:
    layer = Linear(4)
    assert layer.in_size is None and layer.W.array is None
    assert [name for name, _ in layer.namedparams(include_uninit=False)] == ["/b"]
    y = layer(np.ones((2, 3, 5), dtype=np.float32))  # features are flattened: 15
    assert y.shape == (2, 4) and layer.W.shape == (4, 15) and layer.in_size == 15
    per_position = Linear(4)
    assert per_position(np.ones((2, 3, 5), dtype=np.float32), n_batch_axes=2).shape == (2, 3, 4)
    assert per_position.W.shape == (4, 5)
    with pytest.raises(ValueError, match="15"):
        layer(np.ones((2, 14), dtype=np.float32))


def test_nobias_dtype_and_default_initializer() -> None:
    layer = Linear(300, 200, nobias=True, dtype=np.float64)
    assert layer.b is None and [name for name, _ in layer.namedparams()] == ["/W"]
    assert layer.W.dtype == np.float64
    # LeCun normal: std sqrt(1 / fan_in)
    assert layer.W.array.std() == pytest.approx(np.sqrt(1 / 300), rel=0.03)
    assert repr(layer) == "Linear(in_size=300, out_size=200, nobias=True)"


def test_a_missing_output_size_is_an_error() -> None:
    with pytest.raises(ValueError, match="out_size"):
        Linear(None)


def test_the_lazy_weight_is_created_on_the_strict_device(strict) -> None:
    layer = Linear(3).to_device("strict")
    x = strict.send(np.ones((2, 4), dtype=np.float32))
    y = layer(x)
    assert layer.W.device == strict and y.device == strict
    y.grad = strict.send(np.ones((2, 3), dtype=np.float32))
    y.backward()
    assert layer.W.grad is not None and gradkit.get_device_from_array(layer.W.grad) == strict
