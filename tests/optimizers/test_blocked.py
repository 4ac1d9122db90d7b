"""block_views: corresponding cache-sized blocks of several arrays, or None where blocks would
not give the whole-array result; subtract_scaled: ``p -= scale * g`` in such blocks, bit for
bit the plain update."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradkit.optimizers.blocked import BLOCK_BYTES, block_views, subtract_scaled


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


def test_threads_use_their_own_scratch(in_threads) -> None:
    pairs = [_pair(300_000, np.float32, seed) for seed in range(4)]
    expected = [_plain(p, g, 0.01 * (i + 1)) for i, (p, g) in enumerate(pairs)]

    def run(i: int) -> None:
        p, g = pairs[i]
        for _ in range(20):
            p_work = p.copy()
            subtract_scaled(p_work, g, 0.01 * (i + 1))
            np.testing.assert_array_equal(p_work, expected[i])

    in_threads(run, 4)


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


# ----------------------------------------------------------------------------- block_views
def _block(dtype) -> int:
    return BLOCK_BYTES // np.dtype(dtype).itemsize


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(("blocks", "extra"), [(1, 1), (2, 0), (3, 1000)])
def test_block_views_cover_every_element_once_in_order(dtype, blocks: int, extra: int) -> None:
    block = _block(dtype)
    n = block * blocks + extra
    a = np.zeros(n, dtype=dtype)
    b = np.zeros(n, dtype=dtype)
    parts = list(block_views(a, b))
    assert len(parts) == -(-n // block)
    for i, (a_part, b_part, scratch) in enumerate(parts):
        assert a_part.size == b_part.size == scratch.size == min(block, n - i * block)
        assert scratch.dtype == dtype and scratch.shape == a_part.shape
        assert np.shares_memory(a_part, a) and np.shares_memory(b_part, b)
        assert not np.shares_memory(scratch, a) and not np.shares_memory(scratch, b)
        a_part += 1
        b_part[...] = i
    np.testing.assert_array_equal(a, np.ones(n, dtype=dtype))  # each element once
    np.testing.assert_array_equal(b, np.arange(n) // block)  # in order


def test_block_views_of_a_2d_array_are_flat_views() -> None:
    a = np.zeros((512, 784), dtype=np.float32)
    parts = list(block_views(a))
    assert all(part.ndim == 1 and scratch.ndim == 1 for part, scratch in parts)
    for part, _ in parts:
        part += 1.0
    assert (a == 1.0).all()


@pytest.mark.parametrize("shape", [(), (1,), (3, 5), (_block(np.float32),)])
def test_arrays_of_at_most_one_block_come_whole(shape) -> None:
    a = np.ones(shape, dtype=np.float32)
    b = np.ones(shape, dtype=np.float64)  # one block needs no common dtype
    ((a_part, b_part, scratch),) = block_views(a, b)
    assert a_part is a and b_part is b
    assert scratch.shape == shape and scratch.dtype == np.float32


def test_a_small_non_contiguous_array_comes_whole_too() -> None:
    base = np.ones((30, 40), dtype=np.float32)
    ((part, scratch),) = block_views(base.T)
    assert part.base is base and scratch.shape == (40, 30)


class _Subclass(np.ndarray):
    """An ndarray subclass, whose operators may do anything."""


def test_block_views_refuse_what_blocks_would_get_wrong(strict) -> None:
    n = 2 * _block(np.float32) + 1
    a = np.ones(n, dtype=np.float32)
    b = np.ones(n, dtype=np.float32)
    square = np.ones((400, 300), dtype=np.float32)
    memory = np.ones(n + 1, dtype=np.float32)
    assert block_views(a, b) is not None
    assert block_views(square.T) is None  # not C-contiguous
    assert block_views(a, b[::-1]) is None  # negative strides
    assert block_views(a, b.astype(np.float64)) is None  # two dtypes
    assert block_views(a, b[:-1]) is None  # two shapes
    assert block_views(square, square.reshape(300, 400)) is None  # shapes differ too
    assert block_views(memory[1:], memory[:-1]) is None  # overlapping memory
    assert block_views(a, b, a) is None  # the same array twice
    assert block_views(strict.send(a)) is None  # not NumPy
    assert block_views(a.view(_Subclass)) is None  # an ndarray subclass
    assert block_views(strict.send(np.ones(3, dtype=np.float32))) is None


def test_block_views_read_read_only_arrays() -> None:
    n = 2 * _block(np.float32) + 1
    a = np.ones(n, dtype=np.float32)
    b = np.full(n, 2.0, dtype=np.float32)
    b.flags.writeable = False
    for a_part, b_part, _ in block_views(a, b):
        a_part += b_part
    assert (a == 3.0).all()


def test_each_thread_has_its_own_scratch(in_threads) -> None:
    a = np.ones(2 * _block(np.float32), dtype=np.float32)
    scratches = []

    def run(_: int = 0) -> None:
        scratches.append(next(iter(block_views(a)))[-1])

    in_threads(run, 3)
    run()
    assert len({id(s.base if s.base is not None else s) for s in scratches}) == 4
