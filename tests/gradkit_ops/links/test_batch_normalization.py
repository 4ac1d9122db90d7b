"""BatchNormalization: statistics, running averages, evaluation mode, lazy sizes, devices."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.links import BatchNormalization


def test_training_normalizes_with_batch_statistics_and_tracks_running_ones(rng) -> None:
    bn = BatchNormalization(3, decay=0.8, eps=1e-5, dtype=np.float64)
    x = rng.normal(2.0, 3.0, (10, 3))
    y = bn(x)
    np.testing.assert_allclose(y.array.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.array.var(axis=0), 1.0, rtol=1e-4)
    np.testing.assert_allclose(bn.avg_mean, 0.2 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.avg_var, 0.8 + 0.2 * x.var(axis=0, ddof=1), rtol=1e-12)
    assert bn.N == 1
    bn(x)
    assert bn.N == 2


def test_evaluation_uses_the_running_statistics(rng) -> None:
    bn = BatchNormalization(2, dtype=np.float64, initial_gamma=2.0, initial_beta=1.0)
    bn.avg_mean[...] = [1.0, -1.0]
    bn.avg_var[...] = [4.0, 0.25]
    x = rng.standard_normal((3, 2))
    with gradkit.using_config("train", False):
        y = bn(x)
    want = 2.0 * (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 0.25]) + bn.eps) + 1.0
    np.testing.assert_allclose(y.array, want, rtol=1e-12)
    assert bn.N == 0
    np.testing.assert_array_equal(bn.avg_mean, [1.0, -1.0])


def test_lazy_size_from_the_channel_axis_or_the_given_axes() -> None:
    bn = BatchNormalization()
    bn(np.ones((2, 5, 3, 3), dtype=np.float32))
    assert bn.gamma.shape == (5,) and bn.avg_mean.shape == (5,) and bn.size == (5,)
    per_pixel = BatchNormalization(axis=0)
    per_pixel(np.arange(24, dtype=np.float32).reshape(4, 2, 3))
    assert per_pixel.avg_var.shape == (2, 3)
    assert repr(bn) == "BatchNormalization(size=5, decay=0.9, eps=2e-05)"


def test_without_gamma_and_beta_nothing_is_learned(rng) -> None:
    bn = BatchNormalization(3, use_gamma=False, use_beta=False)
    assert list(bn.params()) == []
    y = bn(rng.standard_normal((4, 3)).astype(np.float32))
    np.testing.assert_allclose(y.array.mean(axis=0), 0.0, atol=1e-6)


def test_running_statistics_are_persistent_and_move_with_the_link(strict) -> None:
    bn = BatchNormalization(2)
    assert [name for name, _ in bn.namedpersistents()] == ["/avg_mean", "/avg_var", "/N"]
    bn.to_device("strict")
    assert gradkit.get_device_from_array(bn.avg_mean) == strict
    x = strict.send(np.array([[1.0, 2.0], [3.0, 6.0]], dtype=np.float32))
    y = bn(x)
    assert y.device == strict
    np.testing.assert_allclose(gradkit.to_numpy(bn.avg_mean), [0.2, 0.4], rtol=1e-6)
    lazy = BatchNormalization().to_device("strict")
    lazy(x)
    assert gradkit.get_device_from_array(lazy.avg_var) == strict


def test_bad_decay_is_an_error() -> None:
    with pytest.raises(ValueError, match="decay"):
        BatchNormalization(2, decay=1.5)
