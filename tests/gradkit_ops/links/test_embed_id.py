"""EmbedID: rows of W by id, the ignored label, gradients that add up, the strict device."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.links import EmbedID


def test_ids_select_rows_and_the_ignored_label_gives_zeros() -> None:
    embed = EmbedID(4, 2, ignore_label=-1)
    ids = np.array([[3, -1], [0, 3]])
    y = embed(ids)
    W = embed.W.array
    np.testing.assert_array_equal(y.array, np.stack([[W[3], 0 * W[0]], [W[0], W[3]]]))
    assert embed.W.shape == (4, 2)
    assert EmbedID(1000, 50).W.array.std() == pytest.approx(1.0, rel=0.03)  # Chainer's N(0, 1)
    assert repr(embed) == "EmbedID(in_size=4, out_size=2)"


def test_repeated_ids_accumulate_their_gradients() -> None:
    embed = EmbedID(3, 2, initialW=np.zeros((3, 2), dtype=np.float32))
    y = embed(np.array([1, 1, 2]))
    y.grad = np.ones((3, 2), dtype=np.float32)
    y.backward()
    np.testing.assert_array_equal(embed.W.grad, [[0, 0], [2, 2], [1, 1]])


def test_out_of_range_ids_are_errors() -> None:
    with pytest.raises(IndexError):
        EmbedID(3, 2)(np.array([3]))


def test_on_the_strict_device(strict) -> None:
    embed = EmbedID(5, 3).to_device("strict")
    ids = strict.send(np.array([4, 0]))
    y = embed(ids)
    assert y.device == strict
    np.testing.assert_array_equal(
        gradkit.to_numpy(y.array), gradkit.to_numpy(embed.W.array)[[4, 0]]
    )
