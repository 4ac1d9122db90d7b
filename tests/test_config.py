"""Thread-local configuration: using_config, no_backprop_mode, force_backprop_mode, debug."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import gradkit
from gradkit import Variable
from gradkit import arithmetic as ga


def test_defaults():
    """enable_backprop and train are on, debug is off."""
    assert gradkit.config.enable_backprop is True
    assert gradkit.config.train is True
    assert gradkit.config.debug is False


def test_using_config_sets_and_restores():
    """using_config sets a flag inside the block and restores it after."""
    with gradkit.using_config("train", False):
        assert gradkit.config.train is False
        with gradkit.using_config("train", True):
            assert gradkit.config.train is True
        assert gradkit.config.train is False
    assert gradkit.config.train is True


def test_using_config_restores_on_exception():
    """An exception inside the block still restores the flag."""
    with pytest.raises(KeyError), gradkit.using_config("debug", True):
        assert gradkit.config.debug is True
        raise KeyError("boom")
    assert gradkit.config.debug is False


def test_unknown_flag_is_rejected():
    """A misspelt flag name: ValueError listing the known flags; nothing is set."""
    with pytest.raises(ValueError, match=r"'trian'.*train"), gradkit.using_config("trian", 0):
        pass
    assert not hasattr(gradkit.config, "trian")


def test_config_is_thread_local():
    """A flag set in one thread is not seen in another, and a new thread starts from the
    defaults."""
    seen = {}
    set_in_thread = threading.Event()
    checked_in_main = threading.Event()

    def worker():
        seen["initial_train"] = gradkit.config.train
        with gradkit.using_config("debug", True):
            set_in_thread.set()
            checked_in_main.wait(5)
            seen["debug_in_thread"] = gradkit.config.debug

    with gradkit.using_config("train", False):
        thread = threading.Thread(target=worker)
        thread.start()
        assert set_in_thread.wait(5)
        seen["debug_in_main"] = gradkit.config.debug
        checked_in_main.set()
        thread.join(5)
    assert seen == {"initial_train": True, "debug_in_thread": True, "debug_in_main": False}


def test_backprop_mode_in_another_thread_is_independent():
    """no_backprop_mode in one thread does not stop graph recording in another."""
    x = Variable(np.ones(2))
    creators = []
    with gradkit.no_backprop_mode():
        thread = threading.Thread(target=lambda: creators.append((x * 2.0).creator))
        thread.start()
        thread.join(5)
        assert (x * 2.0).creator is None
    assert creators[0] is not None


def test_no_backprop_mode_builds_no_graph():
    """Inside no_backprop_mode no op records a creator; values are still computed."""
    x = Variable(np.array([1.0, 2.0]))
    w = Variable(np.array([[1.0], [2.0]]))
    with gradkit.no_backprop_mode():
        assert gradkit.config.enable_backprop is False
        outputs = [
            x * 2.0,
            x + x,
            x * x,
            -x,
            x / x,
            x**2,
            ga.exp(x),
            ga.log(x),
            x @ w,
            x[0],
            x.sum(),
            x.reshape(2, 1),
            x.T,
            abs(x),
            ga.broadcast_to(x, (3, 2)),
        ]
    assert gradkit.config.enable_backprop is True
    for y in outputs:
        assert y.creator is None
    np.testing.assert_array_equal(outputs[2].array, [1.0, 4.0])


def test_no_backprop_mode_output_is_a_leaf_for_later_graphs():
    """A value computed without backprop is a leaf: later backward stops there."""
    x = Variable(np.array([1.0, 2.0]))
    with gradkit.no_backprop_mode():
        h = x * 2.0
    (h * h).sum().backward()
    assert x.grad is None


def test_force_backprop_mode_inside_no_backprop_mode():
    """force_backprop_mode records the graph even inside no_backprop_mode."""
    x = Variable(np.array([1.0, 2.0]))
    with gradkit.no_backprop_mode():
        with gradkit.force_backprop_mode():
            y = (x * x).sum()
        z = x * x
    assert y.creator is not None
    assert z.creator is None
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_backward_restores_enable_backprop():
    """Backward passes switch backprop off internally and restore it, even on error."""

    class Fails(gradkit.FunctionNode):
        def forward(self, inputs):
            return (inputs[0] * 2,)

        def backward(self, target_input_indexes, grad_outputs):
            assert gradkit.config.enable_backprop is False
            raise RuntimeError("boom")

    (y,) = Fails().apply((Variable(np.ones(2)),))
    with pytest.raises(RuntimeError, match="boom"):
        y.sum().backward()
    assert gradkit.config.enable_backprop is True


def test_double_backprop_records_the_backward_graph():
    """With enable_double_backprop, backward passes run with enable_backprop on."""
    flags = []

    class Spy(gradkit.FunctionNode):
        def forward(self, inputs):
            return (inputs[0] * 2,)

        def backward(self, target_input_indexes, grad_outputs):
            flags.append(gradkit.config.enable_backprop)
            return (grad_outputs[0] * 2.0,)

    x = Variable(np.ones(2))
    (y,) = Spy().apply((x,))
    y.sum().backward()
    y.sum().backward(enable_double_backprop=True)
    assert flags == [False, True]


def test_repr_lists_the_flags():
    """repr(config) shows every flag."""
    text = repr(gradkit.config)
    assert "enable_backprop=True" in text and "train=True" in text and "debug=False" in text


# --------------------------------------------------------------------------- debug mode


def test_debug_mode_detects_nan_in_forward():
    """config.debug: a NaN output raises NumericalInstabilityError naming the function and
    the output."""
    x = Variable(np.array([-1.0, 1.0]))
    with (
        np.errstate(invalid="ignore"),
        gradkit.using_config("debug", True),
        pytest.raises(gradkit.NumericalInstabilityError, match=r"Log\.forward.*output 0"),
    ):
        ga.log(x)


def test_debug_mode_detects_nan_in_a_user_forward():
    """The forward check applies to user FunctionNodes, naming them."""

    class MakesNaN(gradkit.FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 2, inputs[0] * np.nan

    with (
        gradkit.using_config("debug", True),
        pytest.raises(gradkit.NumericalInstabilityError, match=r"MakesNaN.*output 1"),
    ):
        MakesNaN().apply((Variable(np.ones(2)),))


def test_debug_mode_detects_inf_in_backward():
    """config.debug: an infinite gradient raises NumericalInstabilityError naming the
    function and the input."""
    x = Variable(np.array([0.0, 1.0]))
    with np.errstate(divide="ignore", invalid="ignore"), gradkit.using_config("debug", True):
        y = (x**0.5).sum()
        with pytest.raises(
            gradkit.NumericalInstabilityError, match=r"PowConstant\.backward.*input 0"
        ):
            y.backward()


def test_debug_mode_detects_nan_in_a_user_backward():
    """A user backward that produces NaN is named in the error."""

    class NaNGrad(gradkit.FunctionNode):
        def forward(self, inputs):
            return (inputs[0] * 2,)

        def backward(self, target_input_indexes, grad_outputs):
            return (grad_outputs[0] * np.nan,)

    (y,) = NaNGrad().apply((Variable(np.ones(2)),))
    with (
        gradkit.using_config("debug", True),
        pytest.raises(gradkit.NumericalInstabilityError, match=r"NaNGrad\.backward"),
    ):
        y.sum().backward()


def test_without_debug_nan_passes_silently():
    """Outside debug mode NaN is not checked (the checks cost time)."""
    x = Variable(np.array([-1.0, 1.0]))
    with np.errstate(invalid="ignore"):
        y = ga.log(x)
    assert np.isnan(y.array[0])


def test_numerical_instability_error_is_a_floating_point_error():
    """NumericalInstabilityError is both a GradkitError and a FloatingPointError."""
    assert issubclass(gradkit.NumericalInstabilityError, gradkit.GradkitError)
    assert issubclass(gradkit.NumericalInstabilityError, FloatingPointError)


def test_debug_mode_gives_the_same_values_and_gradients(rng):
    """Debug mode only adds checks: an expression over the engine ops gives the same values,
    first and second order gradients with and without it (the engine's fast paths are off
    in debug mode, so this also compares them with the general path)."""

    def run():
        x = Variable(a.copy())
        w = Variable(b.copy())
        y = ga.exp(x @ w * 0.5) + ga.log(x * x + 1.0)[:, ::-1] - (x / (w.T + 2.0)) ** 2
        y = ga.sum_to(ga.broadcast_to(y.sum(axis=0), (3, 2)), (1, 2)).reshape(2).T + abs(-x[0])
        (gx,) = gradkit.grad([y.sum()], [x], enable_double_backprop=True)
        (ggx,) = gradkit.grad([(gx * gx).sum()], [x])
        return y.array, gx.array, ggx.array

    a = rng.uniform(0.5, 1.5, (2, 2))
    b = rng.uniform(0.5, 1.5, (2, 2))
    plain = run()
    with gradkit.using_config("debug", True):
        debugged = run()
    for p, d in zip(plain, debugged, strict=True):
        np.testing.assert_array_equal(p, d)
