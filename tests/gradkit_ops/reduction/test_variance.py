"""var and std with ddof."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradkit
from gradkit_ops.reduction import std, var

OPS = [(var, np.var), (std, np.std)]


@pytest.mark.parametrize(("op", "ref"), OPS)
@pytest.mark.parametrize(
    ("axis", "ddof", "keepdims"),
    [(None, 0, False), (1, 1, True), ((0, 2), 0, False), (-1, 2, False)],
)
def test_forward_and_gradients(device, forward, gradcheck, rng, op, ref, axis, ddof, keepdims):
    x = rng.standard_normal((2, 3, 4))
    fn = lambda v: op(v, axis, ddof, keepdims)  # noqa: E731
    forward(fn, lambda a: ref(a, axis, ddof=ddof, keepdims=keepdims), x, device=device, rtol=1e-13)
    gradcheck(fn, [x], device=str(device))


def test_var_gradient_values() -> None:
    x = gradkit.Variable(np.array([1.0, 2.0, 6.0]))
    var(x, ddof=1).backward()
    np.testing.assert_allclose(x.grad, 2.0 * (x.array - 3.0) / 2.0)


def test_float32_and_scalar(device) -> None:
    x = device.send(np.array([1.0, 2.0, 4.0], dtype=np.float32))
    assert gradkit.to_numpy(std(x).array).dtype == np.float32
    assert float(gradkit.to_numpy(var(device.send(np.array(3.0))).array)) == 0.0


@pytest.mark.parametrize("op", [var, std])
def test_no_degrees_of_freedom_give_a_nonfinite_gradient_not_an_exception(op) -> None:
    # n == ddof: the forward divides by zero; backward must not raise ZeroDivisionError.
    x = gradkit.Variable(np.array([[0.25], [0.5]]))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's 'Degrees of freedom <= 0'
        y = op(x, axis=1, ddof=1)
        y.grad = np.ones_like(y.array)
        y.backward()
    assert not np.isfinite(y.array).any()
    assert not np.isfinite(x.grad).any()
