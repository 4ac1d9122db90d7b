"""layer_norm, instance_norm, group_norm, local_response_norm and normalize against NumPy
references, relations between them, gradients to second order and edge cases."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.normalization import (
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    normalize,
)


def _standardize(x, axes, eps):
    return (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


def _on(device, *arrays):
    return [device.send(a) for a in arrays]


@pytest.mark.parametrize("axis", [-1, 1])
def test_layer_norm(device, gradcheck, rng, axis) -> None:
    x = rng.standard_normal((2, 3, 4))
    pshape = x.shape[axis:]
    gamma, beta = rng.standard_normal(pshape), rng.standard_normal(pshape)
    axes = tuple(range(axis % 3, 3))
    y = layer_norm(*_on(device, x, gamma, beta), axis=axis)
    expected = gamma * _standardize(x, axes, 1e-5) + beta
    np.testing.assert_allclose(gradkit.to_numpy(y.array), expected, rtol=1e-12)
    gradcheck(lambda *v: layer_norm(*v, axis=axis), [x, gamma, beta], device=str(device))


def test_layer_norm_without_parameters_has_zero_mean_unit_variance(rng) -> None:
    y = layer_norm(rng.standard_normal((5, 7)) * 4 + 3, eps=1e-12).array
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1.0, rtol=1e-10)


def test_instance_norm(device, gradcheck, rng) -> None:
    x = rng.standard_normal((2, 3, 2, 2))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    y = instance_norm(*_on(device, x, gamma, beta))
    view = (1, 3, 1, 1)
    expected = gamma.reshape(view) * _standardize(x, (2, 3), 1e-5) + beta.reshape(view)
    np.testing.assert_allclose(gradkit.to_numpy(y.array), expected, rtol=1e-12)
    gradcheck(instance_norm, [x, gamma, beta], device=str(device))


def test_group_norm(device, gradcheck, rng) -> None:
    x = rng.standard_normal((2, 6, 3))
    gamma, beta = rng.standard_normal(6), rng.standard_normal(6)
    y = group_norm(device.send(x), 3, *_on(device, gamma, beta))
    grouped = _standardize(x.reshape(2, 3, 2, 3), (2, 3), 1e-5).reshape(x.shape)
    expected = gamma.reshape(1, 6, 1) * grouped + beta.reshape(1, 6, 1)
    np.testing.assert_allclose(gradkit.to_numpy(y.array), expected, rtol=1e-12)
    gradcheck(lambda *v: group_norm(v[0], 3, *v[1:]), [x, gamma, beta], device=str(device))


def test_group_norm_spans_instance_and_layer_norm(rng) -> None:
    """C groups of one channel are instance normalization; one group is layer normalization
    over the channel and spatial axes (with per-channel parameters)."""
    x = rng.standard_normal((2, 4, 5))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    np.testing.assert_allclose(
        group_norm(x, 4, gamma, beta).array, instance_norm(x, gamma, beta).array, rtol=1e-12
    )
    np.testing.assert_allclose(
        group_norm(x, 1, gamma, beta).array,
        gamma[:, None] * layer_norm(x, axis=1).array + beta[:, None],
        rtol=1e-12,
    )


def test_group_norm_rejects_groups_that_do_not_divide_the_channels() -> None:
    with pytest.raises(ValueError, match="positive divisor of the 6 channels"):
        group_norm(np.ones((2, 6)), 4)


def test_local_response_norm_against_chainers_loop(device, gradcheck, rng) -> None:
    """Chainer's formula, written as its loop over channel offsets."""
    x = rng.standard_normal((2, 6, 3))
    n, k, alpha, beta = 3, 1.5, 0.4, 0.75
    x2 = x**2
    total = x2.copy()
    for i in range(1, n // 2 + 1):
        total[:, i:] += x2[:, :-i]
        total[:, :-i] += x2[:, i:]
    expected = x / (k + alpha * total) ** beta
    fn = lambda v: local_response_norm(v, n, k, alpha, beta)  # noqa: E731
    np.testing.assert_allclose(gradkit.to_numpy(fn(device.send(x)).array), expected, rtol=1e-12)
    gradcheck(fn, [x], device=str(device))


def test_normalize(device, gradcheck, rng) -> None:
    x = rng.standard_normal((3, 4, 2))
    y = normalize(device.send(x))
    expected = x / (np.sqrt((x**2).sum(axis=1, keepdims=True)) + 1e-5)
    np.testing.assert_allclose(gradkit.to_numpy(y.array), expected, rtol=1e-12)
    gradcheck(normalize, [x], device=str(device))


def test_normalize_at_a_zero_vector(device) -> None:
    """A zero vector stays zero, and its gradient is finite: g / eps, the limit there."""
    x = gradkit.Variable(device.send(np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]])))
    y = normalize(x, eps=0.5)
    g = np.array([[1.0, -2.0, 3.0], [0.0, 0.0, 0.0]])
    y.grad = device.send(g)
    y.backward()
    gx = gradkit.to_numpy(x.grad)
    assert np.isfinite(gx).all()
    np.testing.assert_allclose(gx[0], g[0] / 0.5)
    np.testing.assert_array_equal(gradkit.to_numpy(y.array)[0], 0.0)
