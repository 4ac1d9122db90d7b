"""unfold (im2col) and fold (col2im): plain-loop references, the adjoint identity, errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.conv import fold, unfold
from gradkit_ops.conv.unfold import fold_reference, unfold_reference

# (x shape, kernel, stride, padding, dilation)
CONFIGS = [
    ((2, 3, 5, 6), 3, 1, 1, 1),
    ((1, 2, 7, 6), (2, 3), (2, 1), (1, 0), (1, 2)),
    ((2, 1, 8), 3, 3, 2, 1),
    ((1, 2, 4, 3, 5), (2, 1, 2), (1, 1, 2), (0, 1, 1), (2, 1, 1)),
    ((2, 2, 4, 4), 2, 2, 0, 1),  # windows tile the input
    ((2, 2, 6, 6), 2, 3, 0, 1),  # gaps between windows
]
IDS = [f"{i}" for i in range(len(CONFIGS))]


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_unfold_and_fold_match_loops(device, forward, rng, config) -> None:
    shape, k, s, p, d = config
    x = rng.standard_normal(shape)
    col = forward(
        lambda v: unfold(v, k, s, p, d), lambda a: unfold_reference(a, k, s, p, d), x, device=device
    )
    c = rng.standard_normal(col.shape)
    size = shape[2:]
    forward(
        lambda v: fold(v, size, k, s, p, d),
        lambda a: fold_reference(a, size, k, s, p, d),
        c,
        device=device,
    )


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_fold_is_the_adjoint_of_unfold(rng, config) -> None:
    """<unfold(x), c> == <x, fold(c)> for every x and c: fold is unfold's transpose."""
    shape, k, s, p, d = config
    x = rng.standard_normal(shape)
    col = unfold(x, k, s, p, d).array
    c = rng.standard_normal(col.shape)
    lhs = np.vdot(col, c)
    rhs = np.vdot(x, fold(c, shape[2:], k, s, p, d).array)
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_hand_computed_columns() -> None:
    """Channel major, taps minor, windows last; zeros read from the padding."""
    x = np.array([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]])  # (N=1, C=2, n=3)
    col = unfold(x, 2, stride=2, padding=1).array
    expected = [[[0.0, 2.0], [1.0, 3.0], [0.0, 5.0], [4.0, 6.0]]]
    np.testing.assert_array_equal(col, expected)
    # fold adds back: each element was read once; the padding's entries are dropped.
    np.testing.assert_array_equal(fold(col, 3, 2, stride=2, padding=1).array, x)


def test_fold_counts_overlaps() -> None:
    """fold(unfold(ones)) counts how many windows read each element."""
    ones = np.ones((1, 1, 4, 4))
    counts = fold(unfold(ones, 3, padding=1), (4, 4), 3, padding=1).array[0, 0]
    expected = np.array([[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]], dtype=float)
    np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize("op", ["unfold", "fold"])
def test_gradients_first_and_second_order(device, gradcheck, rng, op) -> None:
    if op == "unfold":
        fn = lambda v: unfold(v, 2, stride=(1, 2), padding=1)  # noqa: E731
        a = rng.standard_normal((1, 2, 3, 4))
    else:
        fn = lambda v: fold(v, (3, 4), 2, stride=(1, 2), padding=1)  # noqa: E731
        a = rng.standard_normal((1, 8, 4, 3))
    gradcheck(fn, [a], device=str(device))


def test_zero_batch_keeps_shapes(device) -> None:
    x = gradkit.Variable(device.send(np.zeros((0, 2, 4, 4))))
    col = unfold(x, 3, padding=1)
    assert col.shape == (0, 18, 4, 4)
    assert fold(col, (4, 4), 3, padding=1).shape == (0, 2, 4, 4)


def test_errors_name_the_op_and_the_argument() -> None:
    with pytest.raises(ValueError, match=r"unfold: the kernel .* larger than spatial axis 1"):
        unfold(np.zeros((1, 1, 5, 2)), 3)
    with pytest.raises(ValueError, match=r"unfold: expected an input of shape \(N, C, \*spatial"):
        unfold(np.zeros((3, 4)), 2)
    with pytest.raises(ValueError, match="unfold: stride must be >= 1"):
        unfold(np.zeros((1, 1, 5)), 2, stride=0)
    with pytest.raises(ValueError, match="unfold: kernel_size must be an int or 2 ints"):
        unfold(np.zeros((1, 1, 5, 5)), (2, 2, 2))
    with pytest.raises(TypeError, match="unfold: padding must be an int"):
        unfold(np.zeros((1, 1, 5)), 2, padding=1.5)
    with pytest.raises(ValueError, match=r"fold: columns of shape \(1, 5, 4\) do not fit"):
        fold(np.zeros((1, 5, 4)), 5, 2)
    with pytest.raises(ValueError, match="fold: output_size must be an int or 1 ints"):
        fold(np.zeros((1, 4, 4)), (5, 5), 2)
