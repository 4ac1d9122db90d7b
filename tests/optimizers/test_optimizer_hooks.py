"""Optimizer hooks: weight decay, Lasso and gradient clipping, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import optimizers
from gradkit.optimizers import GradientClipping, Lasso, WeightDecay


def _link(device="cpu"):
    model = gradkit.Chain()
    model.a = gradkit.Link()
    model.a.w = gradkit.Parameter(np.array([1.0, -2.0]))
    model.b = gradkit.Link()
    model.b.w = gradkit.Parameter(np.array([[0.5], [4.0]]))
    return model.to_device(device)


def _set_grads(model, ga, gb):
    dev = model.device
    model.a.w.grad = dev.send(np.asarray(ga, dtype=np.float64))
    model.b.w.grad = dev.send(np.asarray(gb, dtype=np.float64))


def _host(p):
    return gradkit.to_numpy(p.array)


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_weight_decay_adds_rate_times_the_parameter(device) -> None:
    model = _link(device)
    opt = optimizers.SGD(lr=0.1).setup(model)
    opt.add_hook(WeightDecay(0.5))
    _set_grads(model, [1.0, 1.0], [[0.0], [0.0]])
    opt.update()
    np.testing.assert_allclose(_host(model.a.w), [1 - 0.1 * (1 + 0.5), -2 - 0.1 * (1 - 1.0)])
    np.testing.assert_allclose(_host(model.b.w), [[0.5 - 0.1 * 0.25], [4 - 0.1 * 2.0]])


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_lasso_adds_rate_times_the_sign(device) -> None:
    model = _link(device)
    opt = optimizers.SGD(lr=1.0).setup(model)
    opt.add_hook(Lasso(0.25))
    _set_grads(model, [0.0, 0.0], [[0.0], [0.0]])
    opt.update()
    np.testing.assert_allclose(_host(model.a.w), [0.75, -1.75])
    np.testing.assert_allclose(_host(model.b.w), [[0.25], [3.75]])


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradient_clipping_rescales_to_the_threshold(device) -> None:
    model = _link(device)
    opt = optimizers.SGD(lr=1.0).setup(model)
    opt.add_hook(GradientClipping(2.5))
    # Global norm of (3, 0, 0, 4) is 5: every gradient is halved.
    _set_grads(model, [3.0, 0.0], [[0.0], [4.0]])
    opt.update()
    np.testing.assert_allclose(_host(model.a.w), [1.0 - 1.5, -2.0], rtol=1e-6)
    np.testing.assert_allclose(_host(model.b.w), [[0.5], [4.0 - 2.0]], rtol=1e-6)


def test_gradient_clipping_leaves_small_gradients_alone() -> None:
    model = _link()
    opt = optimizers.SGD(lr=1.0).setup(model)
    opt.add_hook(GradientClipping(10.0))
    _set_grads(model, [3.0, 0.0], [[0.0], [4.0]])
    opt.update()
    np.testing.assert_allclose(model.a.w.array, [-2.0, -2.0])
    np.testing.assert_allclose(model.b.w.array, [[0.5], [0.0]])


def test_gradient_clipping_rejects_a_non_positive_threshold() -> None:
    with pytest.raises(ValueError, match="threshold"):
        GradientClipping(0.0)


def test_hooks_replace_the_gradient_instead_of_writing_into_it() -> None:
    model = _link()
    opt = optimizers.SGD(lr=0.1).setup(model)
    opt.add_hook(WeightDecay(0.5))
    opt.add_hook(GradientClipping(0.1))
    ga = np.array([1.0, 1.0])
    ga.flags.writeable = False
    model.a.w.grad = ga
    opt.update()
    np.testing.assert_array_equal(ga, [1.0, 1.0])


def test_a_hook_on_one_rule_affects_only_that_parameter() -> None:
    model = _link()
    opt = optimizers.SGD(lr=1.0).setup(model)
    model.a.w.update_rule.add_hook(WeightDecay(1.0))
    _set_grads(model, [0.0, 0.0], [[0.0], [0.0]])
    opt.update()
    np.testing.assert_allclose(model.a.w.array, [0.0, 0.0])
    np.testing.assert_allclose(model.b.w.array, [[0.5], [4.0]])
    model.a.w.update_rule.remove_hook("WeightDecay")
    with pytest.raises(KeyError):
        model.a.w.update_rule.remove_hook("WeightDecay")


def test_post_hooks_run_after_the_update_and_names_are_unique() -> None:
    model = _link()
    opt = optimizers.SGD(lr=1.0).setup(model)
    order = []
    opt.add_hook(lambda o: order.append(("pre", float(model.a.w.array[0]))), name="pre")
    opt.add_hook(
        lambda o: order.append(("post", float(model.a.w.array[0]))), name="post", timing="post"
    )
    _set_grads(model, [1.0, 0.0], [[0.0], [0.0]])
    opt.update()
    assert order == [("pre", 1.0), ("post", 0.0)]
    with pytest.raises(KeyError, match="already has a hook named 'pre'"):
        opt.add_hook(lambda o: None, name="pre")
    with pytest.raises(ValueError, match="timing"):
        opt.add_hook(lambda o: None, name="x", timing="during")
    with pytest.raises(TypeError, match="callable"):
        opt.add_hook(3)
    opt.remove_hook("pre")
    opt.remove_hook("post")
    opt.update()
    assert len(order) == 2
