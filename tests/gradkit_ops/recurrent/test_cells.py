"""lstm and gru beyond the specs: the gate layouts, partial batches, unrolled sequences,
gradients to second order and shape errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.recurrent import gru, gru_cell, lstm


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def test_lstm_gate_layout_is_chainers(rng) -> None:
    """Columns 4k..4k+3 of x are (a, i, f, o) of unit k: interleaved, not in blocks."""
    c_prev = rng.standard_normal((2, 3))
    x = rng.standard_normal((2, 12))
    a, i, f, o = (x[:, j::4] for j in range(4))
    c_expected = np.tanh(a) * _sigmoid(i) + _sigmoid(f) * c_prev
    c, h = lstm(c_prev, x)
    np.testing.assert_allclose(c.array, c_expected, rtol=1e-12)
    np.testing.assert_allclose(h.array, _sigmoid(o) * np.tanh(c_expected), rtol=1e-12)


def test_lstm_gradients(device, gradcheck, rng) -> None:
    c_prev, x = rng.standard_normal((3, 2, 2)), rng.standard_normal((3, 8, 2))
    for pick in (0, 1):  # c and h separately: each output alone gets gradients
        gradcheck(lambda c, v, k=pick: lstm(c, v)[k], [c_prev, x], device=str(device))


def test_lstm_with_fewer_rows_of_x(device, gradcheck, rng) -> None:
    """Rows of c_prev past x's batch are carried over to c unchanged (gradient 1)."""
    c_prev, x = rng.standard_normal((4, 2)), rng.standard_normal((2, 8))
    c, h = lstm(device.send(c_prev), device.send(x))
    assert c.shape == (4, 2) and h.shape == (2, 2)
    np.testing.assert_array_equal(gradkit.to_numpy(c.array)[2:], c_prev[2:])
    gradcheck(lambda cp, v: lstm(cp, v)[0], [c_prev, x], device=str(device))


def test_lstm_unrolled_over_a_sequence(gradcheck, rng) -> None:
    """Backprop through time over three steps, with the hidden state fed back."""
    xs = rng.standard_normal((3, 2, 8))

    def run(seq):
        c = h = np.zeros((2, 2))
        for t in range(3):
            c, h = lstm(c, seq[t] + gradkit.arithmetic.matmul(h, np.ones((2, 8)) * 0.3))
        return h

    gradcheck(run, [xs])


def test_gru_against_pytorchs_formula(rng) -> None:
    h = rng.standard_normal((2, 3))
    xw, hw = rng.standard_normal((2, 9)), rng.standard_normal((2, 9))
    r = _sigmoid(xw[:, :3] + hw[:, :3])
    z = _sigmoid(xw[:, 3:6] + hw[:, 3:6])
    n = np.tanh(xw[:, 6:] + r * hw[:, 6:])
    np.testing.assert_allclose(gru(h, xw, hw).array, (1 - z) * n + z * h, rtol=1e-12)


def test_gru_gradients(device, gradcheck, rng) -> None:
    arrays = [rng.standard_normal((2, 3)), rng.standard_normal((2, 9)), rng.standard_normal((2, 9))]
    gradcheck(gru, arrays, device=str(device))


def test_gru_cell_is_gru_on_linear_maps(device, gradcheck, rng) -> None:
    x, h = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    w_ih, w_hh = rng.standard_normal((9, 4)), rng.standard_normal((9, 3))
    b_ih, b_hh = rng.standard_normal(9), rng.standard_normal(9)
    expected = gru(h, x @ w_ih.T + b_ih, h @ w_hh.T + b_hh).array
    got = gru_cell(*(device.send(a) for a in (x, h, w_ih, w_hh, b_ih, b_hh)))
    np.testing.assert_allclose(gradkit.to_numpy(got.array), expected, rtol=1e-12)
    gradcheck(gru_cell, [x, h, w_ih, w_hh, b_ih, b_hh], device=str(device))
    np.testing.assert_allclose(
        gru_cell(x, h, w_ih, w_hh).array, gru(h, x @ w_ih.T, h @ w_hh.T).array, rtol=1e-12
    )


def test_shape_errors() -> None:
    with pytest.raises(ValueError, match="not a multiple of 4"):
        lstm(np.zeros((2, 3)), np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"input 0 \(c_prev\) must have shape \(B', 3\)"):
        lstm(np.zeros((2, 2)), np.zeros((2, 12)))
    with pytest.raises(ValueError, match="fewer than the 3 of x"):
        lstm(np.zeros((2, 3)), np.zeros((3, 12)))
    with pytest.raises(ValueError, match=r"input 2 \(hw\) must have shape \(2, 9\)"):
        gru(np.zeros((2, 3)), np.zeros((2, 9)), np.zeros((2, 6)))
