"""Each optimizer against its update written out by hand: two steps on a small parameter.

The expected values are computed here from the published formulas with NumPy in float64, one
line per quantity, independently of the update rules' in-place code. Two steps check that the
state (velocity, moment estimates, step counter) carries over. Every case runs on cpu and on
the strict device, in float64 (tight) and float32.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradkit
from gradkit import optimizers

P0 = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.25]])
G1 = np.array([[0.1, -0.2, 0.3], [1.0, -2.0, 0.0]])
G2 = np.array([[-0.3, 0.4, 0.1], [0.5, 0.25, -1.0]])


def sgd(p, g1, g2, lr=0.1):
    p1 = p - lr * g1
    return p1, p1 - lr * g2


def momentum(p, g1, g2, lr=0.1, mu=0.9):
    v1 = -lr * g1
    p1 = p + v1
    v2 = mu * v1 - lr * g2
    return p1, p1 + v2


def nesterov(p, g1, g2, lr=0.1, mu=0.9):
    # Sutskever's reformulation: p += mu * v_new - lr * g
    v1 = -lr * g1
    p1 = p + mu * v1 - lr * g1
    v2 = mu * v1 - lr * g2
    return p1, p1 + mu * v2 - lr * g2


def adam(p, g1, g2, lr=0.01, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, amsgrad=False):
    m1 = (1 - b1) * g1
    v1 = (1 - b2) * g1**2
    p1 = p * (1 - lr * wd) - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    m2 = b1 * m1 + (1 - b1) * g2
    v2 = b2 * v1 + (1 - b2) * g2**2
    if amsgrad:
        v2 = np.maximum(v1, v2)
    p2 = p1 * (1 - lr * wd) - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    return p1, p2


def rmsprop(p, g1, g2, lr=0.01, alpha=0.99, eps=1e-8):
    s1 = (1 - alpha) * g1**2
    p1 = p - lr * g1 / (np.sqrt(s1) + eps)
    s2 = alpha * s1 + (1 - alpha) * g2**2
    return p1, p1 - lr * g2 / (np.sqrt(s2) + eps)


def adagrad(p, g1, g2, lr=0.1, eps=1e-8):
    h1 = g1**2
    p1 = p - lr * g1 / (np.sqrt(h1) + eps)
    h2 = h1 + g2**2
    return p1, p1 - lr * g2 / (np.sqrt(h2) + eps)


CASES = {
    "SGD": (lambda: optimizers.SGD(lr=0.1), sgd),
    "MomentumSGD": (lambda: optimizers.MomentumSGD(lr=0.1, momentum=0.9), momentum),
    "Nesterov": (lambda: optimizers.MomentumSGD(lr=0.1, nesterov=True), nesterov),
    "Adam": (lambda: optimizers.Adam(lr=0.01), adam),
    "Adam-amsgrad": (
        lambda: optimizers.Adam(lr=0.01, amsgrad=True),
        lambda p, g1, g2: adam(p, g1, g2, amsgrad=True),
    ),
    "AdamW": (
        lambda: optimizers.AdamW(lr=0.01, weight_decay_rate=0.1),
        lambda p, g1, g2: adam(p, g1, g2, wd=0.1),
    ),
    "RMSprop": (lambda: optimizers.RMSprop(lr=0.01), rmsprop),
    "AdaGrad": (lambda: optimizers.AdaGrad(lr=0.1), adagrad),
}


def _model(dtype, device):
    link = gradkit.Link()
    link.w = gradkit.Parameter(P0.astype(dtype))
    return link.to_device(device)


@pytest.mark.parametrize("device", ["cpu", "strict"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(CASES))
def test_two_steps_match_the_formula(name, dtype, device) -> None:
    make, formula = CASES[name]
    link = _model(dtype, device)
    opt = make().setup(link)
    expected = formula(P0, G1, G2)
    dev = gradkit.get_device(device)
    for step, (g, want) in enumerate(zip((G1, G2), expected, strict=True), start=1):
        link.w.grad = dev.send(g.astype(dtype))
        opt.update()
        got = gradkit.to_numpy(link.w.array)
        assert got.dtype == dtype and link.w.device == dev
        tol = 1e-12 if dtype == np.float64 else 2e-6
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{name}, step {step}")
        assert link.w.update_rule.t == step
    assert opt.t == 2


def test_adam_amsgrad_keeps_the_largest_second_moment() -> None:
    # A small second gradient: v shrinks, vhat does not; the formulas must differ here.
    _, p2_plain = adam(P0, G1, G1 * 0.01)
    _, p2_ams = adam(P0, G1, G1 * 0.01, amsgrad=True)
    assert not np.allclose(p2_plain, p2_ams)


def test_the_adam_bias_correction_makes_the_first_step_lr_sized() -> None:
    # With bias correction the first step is lr * sign(g) (up to eps), whatever |g| is.
    link = _model(np.float64, "cpu")
    optimizers.Adam(lr=0.01).setup(link)
    link.w.grad = G1 * 1000
    link.w.update()
    step = P0 - link.w.array
    np.testing.assert_allclose(step, 0.01 * np.sign(G1), atol=1e-9)
    assert math.isclose(link.w.update_rule.lr_t, 0.01 * math.sqrt(1 - 0.999) / (1 - 0.9))
