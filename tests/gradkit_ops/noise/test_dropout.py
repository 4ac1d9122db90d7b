"""dropout beyond the specs: where its mask comes from, its statistics, test mode, and the
errors users meet."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.noise import dropout


def test_a_seed_fixes_the_mask(device) -> None:
    x = device.send(np.ones((4, 5)))
    a = gradkit.to_numpy(dropout(x, 0.5, seed=7).array)
    b = gradkit.to_numpy(dropout(x, 0.5, seed=7).array)
    c = gradkit.to_numpy(dropout(x, 0.5, seed=8).array)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_one_seed_gives_one_mask_on_every_device(rng) -> None:
    x = rng.standard_normal((3, 8))
    cpu = dropout(x, 0.3, seed=11).array
    strict = gradkit.get_device("strict")
    on_strict = gradkit.to_numpy(dropout(strict.send(x), 0.3, seed=11).array)
    np.testing.assert_array_equal(cpu, on_strict)


def test_a_generator_draws_a_new_mask_per_call_reproducibly() -> None:
    x = np.ones(50)
    gen = np.random.default_rng(3)
    first, second = dropout(x, 0.5, seed=gen).array, dropout(x, 0.5, seed=gen).array
    assert not np.array_equal(first, second)
    again = np.random.default_rng(3)
    np.testing.assert_array_equal(dropout(x, 0.5, seed=again).array, first)
    np.testing.assert_array_equal(dropout(x, 0.5, seed=again).array, second)


def test_mask_statistics() -> None:
    """About ``ratio`` of the elements are zeroed, the others scaled by 1 / (1 - ratio), so the
    mean is kept."""
    y = dropout(np.ones(200_000, dtype=np.float32), 0.3, seed=0).array
    assert y.dtype == np.float32
    assert set(np.unique(y).tolist()) == {0.0, np.float32(1 / 0.7)}
    assert abs(np.mean(y == 0) - 0.3) < 0.005
    assert abs(float(y.mean()) - 1.0) < 0.01


def test_gradient_is_the_mask_and_the_mask_can_be_reused(device, rng) -> None:
    x = gradkit.Variable(device.send(rng.standard_normal((3, 4))))
    y, mask = dropout(x, 0.25, seed=5, return_mask=True)
    g = rng.standard_normal((3, 4))
    y.grad = device.send(g)
    y.backward()
    m = gradkit.to_numpy(mask)
    np.testing.assert_array_equal(gradkit.to_numpy(x.grad), g * m)
    again = dropout(x, 0.25, mask=mask)
    np.testing.assert_array_equal(gradkit.to_numpy(again.array), gradkit.to_numpy(y.array))


def test_second_order_goes_through_the_mask(rng) -> None:
    """f = sum(dropout(x)**2): df/dx = 2 m**2 x, and d/dx sum(df/dx) = 2 m**2."""
    x = gradkit.Variable(rng.standard_normal(6))
    y, mask = dropout(x, 0.5, seed=2, return_mask=True)
    (gx,) = gradkit.grad([(y * y).sum()], [x], None, True)
    np.testing.assert_allclose(gx.array, 2 * mask**2 * x.array)
    (ggx,) = gradkit.grad([gx.sum()], [x])
    np.testing.assert_allclose(ggx.array, 2 * mask**2)


def test_test_mode_is_the_identity(device, rng) -> None:
    x = gradkit.Variable(device.send(rng.standard_normal((2, 3))))
    with gradkit.using_config("train", False):
        y, mask = dropout(x, 0.9, seed=1, return_mask=True)
    assert y is x and mask is None


def test_errors() -> None:
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"ratio must be in \[0, 1\)"):
        dropout(x, 1.0)
    with pytest.raises(ValueError, match="seed= or mask="):
        dropout(x, 0.5, seed=1, mask=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"mask must have x's shape \(2, 3\)"):
        dropout(x, 0.5, mask=np.ones(3))
    with pytest.raises(gradkit.DeviceMismatchError, match="send the mask"):
        dropout(gradkit.get_device("strict").send(x), 0.5, mask=np.ones((2, 3)))
