"""batch_norm and fixed_batch_norm beyond the specs: the running statistics, the switch on
``gradkit.config.train``, third-order gradients, float16 and the errors users meet."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.normalization import batch_norm, fixed_batch_norm


def _reference(x, gamma, beta, eps=2e-5):
    axes = (0, *range(2, x.ndim))
    view = (1, -1) + (1,) * (x.ndim - 2)
    mu, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return gamma.reshape(view) * (x - mu) / np.sqrt(var + eps) + beta.reshape(view)


def test_running_statistics_follow_chainers_rule(device, rng) -> None:
    """m <- d m + (1 - d) mean; v <- d v + (1 - d) n / (n - 1) var, in place, per channel."""
    x = rng.standard_normal((4, 3, 2, 5)) * 3 + 1
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    mean0, var0 = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    running_mean, running_var = device.send(mean0.copy()), device.send(var0.copy())
    before = (id(running_mean), id(running_var))
    y = batch_norm(
        device.send(x),
        device.send(gamma),
        device.send(beta),
        running_mean=running_mean,
        running_var=running_var,
        decay=0.7,
    )
    np.testing.assert_allclose(gradkit.to_numpy(y.array), _reference(x, gamma, beta), rtol=1e-12)
    n = 4 * 2 * 5
    expected_mean = 0.7 * mean0 + 0.3 * x.mean(axis=(0, 2, 3))
    expected_var = 0.7 * var0 + 0.3 * x.var(axis=(0, 2, 3)) * n / (n - 1)
    assert (id(running_mean), id(running_var)) == before  # updated in place
    np.testing.assert_allclose(gradkit.to_numpy(running_mean), expected_mean, rtol=1e-12)
    np.testing.assert_allclose(gradkit.to_numpy(running_var), expected_var, rtol=1e-12)


def test_running_statistics_converge_to_the_data_statistics(rng) -> None:
    """Fed the same batch again and again, the running averages reach its mean and its
    unbiased variance."""
    x = rng.standard_normal((8, 2)) * np.array([1.0, 4.0]) + np.array([-2.0, 5.0])
    mean, var = np.zeros(2), np.ones(2)
    for _ in range(200):
        batch_norm(x, np.ones(2), np.zeros(2), running_mean=mean, running_var=var, decay=0.9)
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-8)
    np.testing.assert_allclose(var, x.var(axis=0, ddof=1), rtol=1e-8)


def test_float32_running_statistics_with_float16_inputs(rng) -> None:
    """Mixed precision: running statistics kept in float32 are updated from float16 inputs
    and used in test mode, whose output stays float16."""
    x = rng.standard_normal((6, 3)).astype(np.float16)
    gamma, beta = np.ones(3, np.float16), np.zeros(3, np.float16)
    mean, var = np.zeros(3, np.float32), np.ones(3, np.float32)
    batch_norm(x, gamma, beta, running_mean=mean, running_var=var, decay=0.0)
    assert mean.dtype == var.dtype == np.float32
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(axis=0), rtol=1e-3, atol=1e-3)
    with gradkit.using_config("train", False):
        y = batch_norm(x, gamma, beta, running_mean=mean, running_var=var)
    assert y.dtype == np.float16
    expected = (x.astype(np.float64) - mean) / np.sqrt(var.astype(np.float64) + 2e-5)
    np.testing.assert_allclose(y.array, expected, atol=5e-3)


def test_test_mode_uses_the_running_statistics_and_leaves_them(device, rng) -> None:
    x = rng.standard_normal((5, 3))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    running_mean, running_var = device.send(mean.copy()), device.send(var.copy())
    xv = gradkit.Variable(device.send(x))
    with gradkit.using_config("train", False):
        y = batch_norm(
            xv,
            device.send(gamma),
            device.send(beta),
            running_mean=running_mean,
            running_var=running_var,
        )
    expected = gamma * (x - mean) / np.sqrt(var + 2e-5) + beta
    np.testing.assert_allclose(gradkit.to_numpy(y.array), expected, rtol=1e-12)
    np.testing.assert_array_equal(gradkit.to_numpy(running_mean), mean)
    np.testing.assert_array_equal(gradkit.to_numpy(running_var), var)
    # In test mode the output is an affine map of x: its gradient is gamma / sqrt(var + eps).
    y.grad = device.send(np.ones_like(x))
    y.backward()
    np.testing.assert_allclose(
        gradkit.to_numpy(xv.grad), np.broadcast_to(gamma / np.sqrt(var + 2e-5), x.shape)
    )


def test_test_mode_needs_running_statistics() -> None:
    with gradkit.using_config("train", False), pytest.raises(ValueError, match="running_mean"):
        batch_norm(np.ones((2, 3)), np.ones(3), np.zeros(3))


def test_fixed_batch_norm_gradients(device, gradcheck, rng) -> None:
    """Differentiable in x, gamma, beta, mean and var, to second order."""
    arrays = [
        rng.standard_normal((4, 3, 2)),
        rng.standard_normal(3),
        rng.standard_normal(3),
        rng.standard_normal(3),
        rng.uniform(0.5, 2.0, 3),
    ]
    gradcheck(fixed_batch_norm, arrays, device=str(device))


def test_third_order_gradient(rng, numgrad) -> None:
    """The gradient node's backward is built from gradkit ops, so a third derivative is right:
    d/dx <u, d/dx <v, d/dx <w, batch_norm(x)>>> against central differences of the second."""
    x0 = rng.standard_normal((4, 3))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    w, v, u = (rng.standard_normal((4, 3)) for _ in range(3))

    def second(x: gradkit.Variable, double: bool) -> gradkit.Variable:
        (g1,) = gradkit.grad([(batch_norm(x, gamma, beta) * w).sum()], [x], None, True)
        (g2,) = gradkit.grad([(g1 * v).sum()], [x], None, double)
        return g2

    x = gradkit.Variable(x0)
    (g3,) = gradkit.grad([(second(x, True) * u).sum()], [x])
    (numeric,) = numgrad(
        lambda arrs: float(np.sum(second(gradkit.Variable(arrs[0]), False).array * u)), [x0]
    )
    np.testing.assert_allclose(g3.array, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [0, (0, 2)])
def test_axis(device, gradcheck, rng, axis) -> None:
    """Statistics over the given axes; the parameters span the others."""
    x = rng.standard_normal((4, 3, 2))
    axes = (axis,) if isinstance(axis, int) else axis
    pshape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    gamma, beta = rng.standard_normal(pshape), rng.standard_normal(pshape)
    y = batch_norm(device.send(x), device.send(gamma), device.send(beta), axis=axis)
    view = [1 if i in axes else s for i, s in enumerate(x.shape)]
    mu, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    expected = gamma.reshape(view) * (x - mu) / np.sqrt(var + 2e-5) + beta.reshape(view)
    np.testing.assert_allclose(gradkit.to_numpy(y.array), expected, rtol=1e-12)
    gradcheck(lambda *v: batch_norm(*v, axis=axis), [x, gamma, beta], device=str(device))


def test_float16_is_computed_in_float32(rng) -> None:
    """float16 in, float16 out, within float16 rounding of the float64 result (a plain
    float16 computation loses more: its statistics are rounded before use)."""
    x = (rng.standard_normal((64, 4)) * 0.01 + 50).astype(np.float16)
    gamma, beta = np.ones(4, np.float16), np.zeros(4, np.float16)
    y = batch_norm(x, gamma, beta)
    assert y.dtype == np.float16
    expected = _reference(x.astype(np.float64), gamma, beta)
    np.testing.assert_allclose(y.array, expected, atol=4e-3 * np.abs(expected).max())


def test_errors_name_the_input() -> None:
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"batch_norm: input 1 \(gamma\) must have shape \(3,\)"):
        batch_norm(x, np.ones(2), np.zeros(3))
    with pytest.raises(TypeError, match=r"input 2 \(beta\) must have the dtype of x"):
        batch_norm(x, np.ones(3), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="running_var must have shape"):
        batch_norm(x, np.ones(3), np.zeros(3), running_mean=np.zeros(3), running_var=np.ones(2))
    with pytest.raises(ValueError, match="batch and a channel axis"):
        batch_norm(np.ones(3), np.ones(1), np.zeros(1))
    strict = gradkit.get_device("strict")
    with pytest.raises(gradkit.DeviceMismatchError, match="running_mean"):
        batch_norm(
            strict.send(x),
            strict.send(np.ones(3)),
            strict.send(np.zeros(3)),
            running_mean=np.zeros(3),
        )
