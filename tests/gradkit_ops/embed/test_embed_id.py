"""embed_id / embedding beyond the specs: the gradient's scatter-add by hand, ignore_label,
the ids' lack of a gradient, devices and errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.embed import embed_id, embedding


def test_gradient_adds_up_repeated_ids_and_skips_ignored_ones(device) -> None:
    W = gradkit.Variable(device.send(np.arange(8.0).reshape(4, 2)))
    ids = device.send(np.array([[1, 3, 1], [-1, 0, -1]]))
    y = embed_id(ids, W, ignore_label=-1)
    assert y.shape == (2, 3, 2)
    gy = np.arange(12.0).reshape(2, 3, 2) + 1
    y.grad = device.send(gy)
    y.backward()
    expected = np.zeros((4, 2))
    expected[1] = gy[0, 0] + gy[0, 2]
    expected[3] = gy[0, 1]
    expected[0] = gy[1, 1]
    np.testing.assert_array_equal(gradkit.to_numpy(W.grad), expected)
    np.testing.assert_array_equal(gradkit.to_numpy(y.array)[1, 0], 0.0)


def test_an_ignore_label_inside_the_vocabulary(rng) -> None:
    """Any label can be ignored, even a valid id: its rows are zero and W's row gets nothing."""
    W = gradkit.Variable(rng.standard_normal((3, 2)))
    y = embed_id(np.array([0, 2, 1, 2]), W, ignore_label=2)
    np.testing.assert_array_equal(y.array[[1, 3]], 0.0)
    y.grad = np.ones((4, 2))
    y.backward()
    np.testing.assert_array_equal(W.grad, [[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])


def test_gradients_to_second_order(device, gradcheck, rng) -> None:
    ids = np.array([[0, 2], [2, -1]])
    gradcheck(
        lambda w: embed_id(ids, w, ignore_label=-1),  # host ids go to w's device
        [rng.standard_normal((3, 4))],
        device=str(device),
    )


def test_the_ids_have_no_gradient(rng) -> None:
    ids = gradkit.Variable(np.array([1, 0]))
    W = gradkit.Variable(rng.standard_normal((2, 3)))
    embedding(ids, W).sum().backward()
    assert ids.grad is None
    np.testing.assert_array_equal(W.grad, np.ones((2, 3)))


def test_host_ids_go_to_the_weights_device(rng) -> None:
    strict = gradkit.get_device("strict")
    y = embed_id([2, 0], strict.send(rng.standard_normal((3, 2))))
    assert y.device == strict


def test_errors(rng) -> None:
    W = rng.standard_normal((3, 2))
    with pytest.raises(IndexError, match=r"outside \[0, 3\)"):
        embed_id(np.array([0, 3]), W)
    with pytest.raises(IndexError, match=r"outside \[0, 3\)"):
        embed_id(np.array([-1, 0]), W)  # -1 is only allowed as the ignore_label
    with pytest.raises(TypeError, match=r"input 0 \(ids\) must be integers"):
        embed_id(np.array([0.0, 1.0]), W)
    with pytest.raises(ValueError, match=r"input 1 \(W\) must be 2-d"):
        embed_id(np.array([0]), np.ones(3))
    with pytest.raises(gradkit.DeviceMismatchError, match="move them to one device"):
        embed_id(gradkit.get_device("strict").send(np.array([0])), gradkit.Variable(W))
