"""LSTM: two steps against the equations written out, the forget-gate bias, state handling,
shrinking batches, and the strict device."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.links import LSTM


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def _step(layer, x, c, h):
    """One step by hand: pre-activations in Chainer's interleaved layout (a, i, f, o)."""
    z = x @ layer.upward.W.array.T + layer.upward.b.array
    if h is not None:
        z = z + h @ layer.lateral.W.array.T
    z = z.reshape(len(x), -1, 4)
    a, i, f, o = np.tanh(z[..., 0]), _sigmoid(z[..., 1]), _sigmoid(z[..., 2]), _sigmoid(z[..., 3])
    c = a * i + f * (0 if c is None else c)
    return c, o * np.tanh(c)


def test_two_steps_follow_the_lstm_equations(rng) -> None:
    layer = LSTM(3, 4, dtype=np.float64)
    xs = [rng.standard_normal((2, 3)) for _ in range(2)]
    c = h = None
    for x in xs:
        got = layer(x)
        c, h = _step(layer, x, c, h)
        np.testing.assert_allclose(got.array, h, rtol=1e-12)
        np.testing.assert_allclose(layer.c.array, c, rtol=1e-12)


def test_the_forget_gates_start_with_a_bias_of_one() -> None:
    layer = LSTM(3, 4, forget_bias_init=1.0)
    b = layer.upward.b.array.reshape(4, 4)
    np.testing.assert_array_equal(b[:, 2], 1.0)
    np.testing.assert_array_equal(b[:, [0, 1, 3]], 0.0)
    assert layer.lateral.b is None
    assert [name for name, _ in layer.namedparams()] == ["/upward/W", "/upward/b", "/lateral/W"]


def test_reset_and_set_state(rng) -> None:
    layer = LSTM(3, 2, dtype=np.float64)
    x = rng.standard_normal((1, 3))
    first = layer(x).array
    assert not np.allclose(layer(x).array, first)  # the state changed the second step
    layer.reset_state()
    np.testing.assert_array_equal(layer(x).array, first)
    layer.set_state(np.zeros((1, 2)), np.zeros((1, 2)))
    np.testing.assert_allclose(layer(x).array, first, rtol=1e-12)


def test_a_shrinking_batch_keeps_the_rest_of_the_state(rng) -> None:
    layer = LSTM(3, 2, dtype=np.float64)
    layer(rng.standard_normal((3, 3)))
    c_before, h_before = layer.c.array.copy(), layer.h.array.copy()
    h = layer(rng.standard_normal((2, 3)))
    assert h.shape == (2, 2) and layer.h.shape == (3, 2) and layer.c.shape == (3, 2)
    np.testing.assert_array_equal(layer.h.array[2], h_before[2])
    np.testing.assert_array_equal(layer.c.array[2], c_before[2])
    with pytest.raises(ValueError, match="may only shrink"):
        layer(rng.standard_normal((4, 3)))


def test_lazy_input_size_and_backprop_through_time_on_strict(strict, rng) -> None:
    layer = LSTM(4).to_device("strict")
    steps = [strict.send(rng.standard_normal((2, 5)).astype(np.float32)) for _ in range(3)]
    for x in steps:
        h = layer(x)
    assert layer.upward.W.shape == (16, 5) and h.device == strict
    loss = (h * h).sum()
    loss.backward()
    assert gradkit.get_device_from_array(layer.lateral.W.grad) == strict
    assert repr(layer).startswith("LSTM(in_size=5, out_size=4")
    with pytest.raises(ValueError, match="out_size"):
        LSTM(None)
