"""LayerNormalization: each sample standardized over its features, the same in training and
evaluation, the lazy size, devices."""

from __future__ import annotations

import numpy as np

import gradkit
from gradkit_ops.links import LayerNormalization


def test_layer_normalization_standardizes_each_sample(rng) -> None:
    ln = LayerNormalization(4, eps=1e-6, initial_gamma=3.0, initial_beta=-1.0)
    x = rng.normal(5.0, 2.0, (3, 4)).astype(np.float32)
    y = ln(x).array
    np.testing.assert_allclose((y + 1.0).mean(axis=1), 0.0, atol=1e-5)
    np.testing.assert_allclose(((y + 1.0) / 3.0).std(axis=1), 1.0, rtol=1e-4)
    with gradkit.using_config("train", False):
        np.testing.assert_array_equal(ln(x).array, y)
    assert repr(ln) == "LayerNormalization(size=4, eps=1e-06)"


def test_layer_normalization_lazy_size_on_strict(strict) -> None:
    ln = LayerNormalization().to_device("strict")
    y = ln(strict.send(np.ones((2, 3, 5), dtype=np.float32)))
    assert ln.gamma.shape == (5,) and ln.gamma.device == strict and y.shape == (2, 3, 5)
