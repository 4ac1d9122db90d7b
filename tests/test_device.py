"""Devices: naming, transfer, detection, and the engine arithmetic on the strict device."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import gradkit
from gradkit import Variable
from gradkit import arithmetic as ga


@pytest.mark.parametrize("spec", ["cpu", "CPU", " cpu ", "numpy"])
def test_cpu_names(spec):
    """Several spellings name the CPU device."""
    dev = gradkit.get_device(spec)
    assert dev.name == "cpu" and str(dev) == "cpu"
    assert dev.xp is np


def test_strict_device(strict):
    """'strict' is array-api-strict's non-default device."""
    import array_api_strict

    assert gradkit.get_device("strict") is strict
    assert strict.xp is array_api_strict
    assert strict.native == array_api_strict.Device("device1")
    assert str(strict) == "strict"


def test_device_objects_pass_through(strict):
    """get_device(Device) returns it as is."""
    assert gradkit.get_device(strict) is strict


def test_device_equality_and_hash(strict):
    """Devices compare equal to each other and to their names, and hash by name."""
    cpu = gradkit.get_device("cpu")
    assert cpu == "cpu" and strict == "strict"
    assert cpu != strict and cpu != "strict"
    assert cpu != "no-such-device"
    assert len({cpu, gradkit.get_device("numpy"), strict}) == 2
    assert repr(strict) == "gradkit.get_device('strict')"


@pytest.mark.parametrize("spec", ["tpu", "cuda:x", "gpu:a"])
def test_unknown_or_malformed_names(spec):
    """An unknown or malformed device name is a ValueError."""
    with pytest.raises(ValueError):
        gradkit.get_device(spec)


def test_non_string_spec():
    """get_device(0) is a TypeError asking for a string."""
    with pytest.raises(TypeError, match="string"):
        gradkit.get_device(0)


@pytest.mark.skipif(gradkit.gpu_available(), reason="a GPU is available here")
def test_gpu_without_cupy_is_a_clear_error():
    """Without CuPy or a GPU, 'gpu:0' is a ValueError that suggests cpu or strict."""
    with pytest.raises(ValueError, match="strict"):
        gradkit.get_device("gpu:0")


def test_gpu_available_is_a_cached_bool():
    """gpu_available() never raises, returns a bool, and is probed once."""
    first = gradkit.gpu_available()
    assert isinstance(first, bool)
    assert gradkit.gpu_available() is first


def test_importing_gradkit_does_not_import_cupy():
    """``import gradkit`` leaves cupy unimported (checked in a fresh interpreter)."""
    code = "import sys, gradkit; print('cupy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"


def test_send_between_cpu_and_strict(strict):
    """send() moves arrays both ways, keeping values and dtype."""
    a = np.array([1.0, 2.0], dtype=np.float32)
    s = strict.send(a)
    assert gradkit.get_device_from_array(s) == strict
    assert s.device == strict.native
    back = gradkit.get_device("cpu").send(s)
    assert type(back) is np.ndarray and back.dtype == np.float32
    np.testing.assert_array_equal(back, a)
    assert gradkit.get_device("cpu").send(a) is a
    assert strict.send(s) is s


def test_send_array_likes_to_cpu():
    """The CPU device accepts lists and scalars."""
    cpu = gradkit.get_device("cpu")
    np.testing.assert_array_equal(cpu.send([1.0, 2.0]), [1.0, 2.0])
    assert cpu.send(np.float32(1.5)).shape == ()


def test_strict_moves_arrays_of_its_default_device(strict):
    """An array_api_strict array on its default (host) device is moved to 'strict'."""
    import array_api_strict

    host = array_api_strict.asarray([1.0, 2.0])
    assert gradkit.get_device_from_array(host) == "cpu"
    assert gradkit.get_device_from_array(strict.send(host)) == strict


def test_strict_refuses_implicit_host_conversion(strict):
    """Like a GPU array, a strict array refuses np.asarray; to_numpy is the explicit way."""
    s = strict.send(np.array([1.0, 2.0]))
    with pytest.raises(RuntimeError):
        np.asarray(s)
    np.testing.assert_array_equal(gradkit.to_numpy(s), [1.0, 2.0])


def test_device_of_arrays(strict):
    """get_device_from_array for NumPy arrays and scalars and strict arrays."""
    assert gradkit.get_device_from_array(np.ones(2)) == "cpu"
    assert gradkit.get_device_from_array(np.float64(1.0)) == "cpu"
    assert gradkit.get_device_from_array(strict.send(np.ones(2))) == strict


def _engine_expression(x, w, b):
    """Every engine op once: + - * / ** @ [] neg abs exp log sum broadcast_to sum_to
    reshape transpose, with scalar constants, broadcasting and fan-out."""
    h = x @ w + b  # (2, 2) + (2,)
    h = h * x[:, :2] - x[:, 1:] / (b * b + 1.0)
    h = (h * h + 0.5) ** 0.5 + 2.0**-h + (abs(h) + 1.0) ** b
    h = ga.exp(-h) + ga.log(h * h + 1.0) - 1.0 / (h * h + 1.0)
    h = ga.broadcast_to(h, (3, 2, 2)).transpose(1, 2, 0).reshape(2, 6)
    h = ga.sum_to(h, (2, 1)) * 3.0 + h[[0, 0, 1], ::2].sum(axis=0)
    return h.sum(axis=1, keepdims=True).T


def test_engine_arithmetic_on_strict_matches_cpu(strict, rng):
    """The same expression on cpu and strict: results and gradients stay on strict and
    agree with the CPU ones."""
    arrays = [rng.uniform(0.5, 1.5, s) for s in [(2, 3), (3, 2), (2,)]]
    cpu_vars = [Variable(a.copy()) for a in arrays]
    strict_vars = [Variable(a.copy()).to_device("strict") for a in arrays]
    y_cpu = _engine_expression(*cpu_vars)
    y_strict = _engine_expression(*strict_vars)
    assert y_strict.device == strict
    assert gradkit.get_device_from_array(y_strict.array) == strict
    np.testing.assert_allclose(gradkit.to_numpy(y_strict.array), y_cpu.array, rtol=1e-12)
    y_cpu.sum().backward()
    y_strict.sum().backward()
    for vc, vs in zip(cpu_vars, strict_vars, strict=True):
        assert vs.grad_var.device == strict
        assert gradkit.get_device_from_array(vs.grad) == strict
        np.testing.assert_allclose(gradkit.to_numpy(vs.grad), vc.grad, rtol=1e-10)


def test_engine_expression_gradients_on_strict(gradcheck, rng):
    """The whole expression's first and second order gradients on strict match central
    differences."""
    arrays = [rng.uniform(0.5, 1.5, s) for s in [(2, 3), (3, 2), (2,)]]
    gradcheck(_engine_expression, arrays, device="strict", rtol=1e-4, atol=1e-5)


def test_double_backprop_stays_on_strict(strict):
    """Second-order gradients are computed on the strict device too."""
    x = Variable(np.array([1.0, 2.0])).to_device("strict")
    (gx,) = gradkit.grad([(x**3).sum()], [x], enable_double_backprop=True)
    (ggx,) = gradkit.grad([(gx * gx).sum()], [x])
    assert gx.device == strict and ggx.device == strict
    np.testing.assert_allclose(gradkit.to_numpy(ggx.array), [36.0, 288.0])


def test_no_backprop_mode_on_strict(strict):
    """The no-graph path works on strict arrays as well."""
    x = Variable(np.array([1.0, 2.0])).to_device("strict")
    with gradkit.no_backprop_mode():
        y = (x * 2.0 + x) / x - x**2
    assert y.creator is None and y.device == strict
    np.testing.assert_allclose(gradkit.to_numpy(y.array), [2.0, -1.0])
