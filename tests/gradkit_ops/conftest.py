"""Fixtures of the op tests under this folder: the devices every test runs on, and a forward
check against a NumPy reference. Gradients are checked with the ``gradcheck`` fixture of
``tests/conftest.py`` (float64 central differences, first and second order)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import gradkit


@pytest.fixture(params=["cpu", "strict"])
def device(request: pytest.FixtureRequest) -> gradkit.Device:
    """Each test runs on the host (NumPy) and on array-api-strict's second device."""
    return gradkit.get_device(request.param)


def _forward(
    fn: Callable[..., Any],
    reference: Callable[..., Any],
    *arrays: np.ndarray,
    device: gradkit.Device,
    rtol: float = 1e-12,
    atol: float = 0.0,
) -> gradkit.Variable:
    """Run ``fn`` on Variables of ``arrays`` on ``device``; assert that the output stays on
    the device, has the reference's dtype and matches ``reference(*arrays)``."""
    y = fn(*[gradkit.Variable(device.send(a)) for a in arrays])
    expected = np.asarray(reference(*arrays))
    assert y.device == device
    got = gradkit.to_numpy(y.array)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    return y


@pytest.fixture(scope="session")
def forward() -> Callable[..., gradkit.Variable]:
    """``forward(fn, reference, *arrays, device=..., rtol=..., atol=...)``: the op's output
    on ``device`` checked against a NumPy reference (values, shape, dtype, device)."""
    return _forward
