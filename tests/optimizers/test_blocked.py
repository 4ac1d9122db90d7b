"""subtract_scaled: ``p -= scale * g`` in cache-sized blocks, bit for bit the plain update."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradkit.optimizers.blocked import BLOCK_BYTES, subtract_scaled


def _plain(p: np.ndarray, g: np.ndarray, scale) -> np.ndarray:
    expected = p.copy()
    expected -= scale * g
    return expected


def _pair(n: int, dtype, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.standard_normal(n).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    return p, g


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(
    ("blocks", "extra"), [(0, 1), (1, -1), (1, 0), (1, 1), (2, 0), (2, 1), (3, 1000)]
)
def test_matches_the_plain_update_bit_for_bit(dtype, blocks: int, extra: int) -> None:
    # One element (plain path), one block give or take one, whole and partial blocks.
    n = BLOCK_BYTES // np.dtype(dtype).itemsize * blocks + extra
    p, g = _pair(n, dtype)
    expected = _plain(p, g, 0.01)
    subtract_scaled(p, g, 0.01)
    np.testing.assert_array_equal(p, expected)
    assert p.dtype == dtype


def test_updates_in_place_and_keeps_the_shape() -> None:
    p, g = _pair(512 * 784, np.float32)
    p, g = p.reshape(512, 784), g.reshape(512, 784)
    expected = _plain(p, g, 0.1)
    before = p
    subtract_scaled(p, g, 0.1)
    assert p is before and p.shape == (512, 784)
    np.testing.assert_array_equal(p, expected)


def test_leaves_the_gradient_alone() -> None:
    p, g = _pair(200_000, np.float32)
    g_before = g.copy()
    subtract_scaled(p, g, 0.5)
    np.testing.assert_array_equal(g, g_before)


def test_non_contiguous_parameter_is_updated_in_place() -> None:
    # A transposed view is not C-contiguous: reshape(-1) would copy, so the plain path runs.
    base, g = _pair(400 * 300, np.float32)
    base = base.reshape(400, 300)
    p = base.T
    g = g.reshape(300, 400)
    expected = _plain(p, g, 0.01)
    subtract_scaled(p, g, 0.01)
    np.testing.assert_array_equal(base.T, expected)


def test_overlapping_memory_gives_the_plain_result() -> None:
    # g is p shifted by one element: blocks would read values already updated.
    buf, _ = _pair(300_001, np.float32)
    p, g = buf[1:], buf[:-1]
    expected = _plain(p, g, 0.25)
    subtract_scaled(p, g, 0.25)
    np.testing.assert_array_equal(p, expected)


def test_a_numpy_scalar_scale_keeps_numpy_promotion() -> None:
    # A float64 NumPy scalar is not "weak": the plain expression computes in float64.
    p, g = _pair(200_000, np.float32)
    scale = np.float64(0.1) / 3
    expected = _plain(p, g, scale)
    subtract_scaled(p, g, scale)
    np.testing.assert_array_equal(p, expected)


def test_read_only_parameter_raises_as_numpy_does() -> None:
    p, g = _pair(200_000, np.float32)
    p.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        subtract_scaled(p, g, 0.1)


def test_threads_use_their_own_scratch() -> None:
    pairs = [_pair(300_000, np.float32, seed) for seed in range(4)]
    expected = [_plain(p, g, 0.01 * (i + 1)) for i, (p, g) in enumerate(pairs)]

    def run(i: int) -> None:
        p, g = pairs[i]
        for _ in range(20):
            p_work = p.copy()
            subtract_scaled(p_work, g, 0.01 * (i + 1))
            np.testing.assert_array_equal(p_work, expected[i])

    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            run(i)
        except BaseException as e:  # reported below, with the thread's index
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 3 * BLOCK_BYTES // 4),
    scale=st.floats(-10, 10, allow_nan=False),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_property_equals_plain_update(n: int, scale: float, dtype, seed: int) -> None:
    p, g = _pair(n, dtype, seed)
    expected = _plain(p, g, scale)
    subtract_scaled(p, g, scale)
    np.testing.assert_array_equal(p, expected)
