"""The optimizer machinery: setup, update rules, hyperparameters, update(lossfun), devices,
and the promise that a step allocates nothing it can avoid and builds no graph."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import gradkit
from gradkit import optimizers
from gradkit.optimizers import Hyperparameter, UpdateRule


class Quadratic(gradkit.Link):
    """loss = sum((w - target)^2) / 2, whose gradient is w - target."""

    def __init__(self, w0, target=0.0):
        super().__init__()
        self.w = gradkit.Parameter(np.asarray(w0, dtype=np.float64))
        self.target = target

    def forward(self):
        d = self.w - self.target
        return (d * d).sum() * 0.5


class Pair(gradkit.Chain):
    def __init__(self):
        super().__init__()
        self.a = Quadratic([1.0, 2.0])
        self.b = Quadratic([3.0])

    def forward(self):
        return self.a() + self.b()


def test_setup_gives_every_parameter_its_own_rule() -> None:
    model = Pair()
    opt = optimizers.SGD(lr=0.5)
    assert opt.setup(model) is opt and opt.target is model
    rules = [p.update_rule for p in model.params()]
    assert all(isinstance(r, optimizers.SGDRule) for r in rules)
    assert len({id(r) for r in rules}) == 2


def test_parameter_update_applies_the_rule_as_the_seed_describes() -> None:
    model = Quadratic([1.0, -1.0])
    optimizers.SGD(lr=0.5).setup(model)
    loss = model()
    loss.backward()
    model.w.update()
    np.testing.assert_allclose(model.w.array, [0.5, -0.5])


def test_a_parameter_without_gradient_is_left_alone() -> None:
    model = Pair()
    opt = optimizers.MomentumSGD(lr=0.5).setup(model)
    model.a.w.grad = np.ones(2)
    opt.update()
    np.testing.assert_allclose(model.b.w.array, [3.0])
    assert model.b.w.update_rule.state is None and model.b.w.update_rule.t == 0


def test_update_with_a_loss_function_clears_backprops_and_frees_the_graph() -> None:
    model = Pair()
    opt = optimizers.SGD(lr=0.5).setup(model)
    model.a.w.grad = np.full(2, 100.0)  # stale: must be cleared first, not accumulated
    loss = opt.update(model)
    assert isinstance(loss, gradkit.Variable) and loss.item() == pytest.approx(7.0)
    assert loss.creator is None  # the graph was released
    np.testing.assert_allclose(model.a.w.array, [0.5, 1.0])
    np.testing.assert_allclose(model.b.w.array, [1.5])
    opt.update(model)
    np.testing.assert_allclose(model.b.w.array, [0.75])
    assert opt.t == 2


def test_update_with_a_loss_function_passes_its_arguments() -> None:
    model = Quadratic([1.0])
    opt = optimizers.SGD(lr=1.0).setup(model)

    def lossfun(scale, *, shift):
        return model() * scale + shift

    loss = opt.update(lossfun, 2.0, shift=1.0)
    assert loss.item() == pytest.approx(2.0)
    np.testing.assert_allclose(model.w.array, [-1.0])


def test_update_needs_a_target_and_a_variable_loss() -> None:
    with pytest.raises(RuntimeError, match=r"setup\(link\) first"):
        optimizers.SGD().update()
    with pytest.raises(TypeError, match="not a Variable"):
        optimizers.SGD().setup(Quadratic([1.0])).update(lambda: 1.0)
    with pytest.raises(TypeError, match=r"takes a gradkit\.Link"):
        optimizers.SGD().setup(object())


def test_hyperparameters_are_shared_and_can_be_overridden_per_parameter() -> None:
    model = Pair()
    opt = optimizers.SGD(lr=0.1).setup(model)
    opt.lr = 1.0  # read through by every rule
    assert opt.hyperparam.lr == 1.0 and model.a.w.update_rule.hyperparam.lr == 1.0
    model.b.w.update_rule.hyperparam.lr = 0.0  # freeze one parameter by its learning rate
    opt.update(model)
    np.testing.assert_allclose(model.a.w.array, [0.0, 0.0])
    np.testing.assert_allclose(model.b.w.array, [3.0])
    assert opt.lr == 1.0
    with pytest.raises(AttributeError, match="momentum"):
        _ = opt.momentum
    assert repr(opt) == "SGD(lr=1.0)"


def test_hyperparameter_chain() -> None:
    base = Hyperparameter(lr=0.1)
    child = Hyperparameter(base)
    assert child.lr == 0.1 and child.parent is base
    base.lr = 0.2
    assert child.lr == 0.2
    with pytest.raises(AttributeError, match="beta"):
        _ = child.beta
    assert "lr=0.2" in repr(child)


def test_a_disabled_rule_freezes_its_parameter() -> None:
    model = Pair()
    opt = optimizers.Adam(lr=0.1).setup(model)
    model.a.w.update_rule.enabled = False
    opt.update(model)
    np.testing.assert_allclose(model.a.w.array, [1.0, 2.0])
    assert model.b.w.array[0] < 3.0


def test_parameters_added_after_setup_get_a_rule_at_their_first_update() -> None:
    model = Pair()
    opt = optimizers.SGD(lr=0.5).setup(model)
    model.c = Quadratic([4.0])
    model.c.w.grad = np.ones(1)
    opt.update()
    assert isinstance(model.c.w.update_rule, optimizers.SGDRule)
    np.testing.assert_allclose(model.c.w.array, [3.5])


def test_rules_never_write_into_the_gradient() -> None:
    # The gradient of a sum is a read-only broadcast view; every rule must only read it.
    for make in (
        optimizers.SGD,
        optimizers.MomentumSGD,
        optimizers.Adam,
        optimizers.RMSprop,
        optimizers.AdaGrad,
    ):
        link = gradkit.Link()
        link.w = gradkit.Parameter(np.ones((3, 2), dtype=np.float32))
        opt = make().setup(link)
        opt.update(lambda link=link: link.w.sum())
        assert not link.w.grad.flags.writeable
        np.testing.assert_array_equal(link.w.grad, np.ones((3, 2), dtype=np.float32))


def test_the_update_records_no_graph() -> None:
    seen = []

    class Spy:
        call_for_each_param = True

        def __call__(self, rule, param):
            seen.append(gradkit.config.enable_backprop)
            param.grad = (param.grad_var * 1.0).array

    model = Quadratic([1.0])
    opt = optimizers.SGD().setup(model)
    opt.add_hook(Spy())
    opt.update(model)
    assert seen == [False]
    assert gradkit.config.enable_backprop


@pytest.mark.parametrize(
    "make",
    [
        optimizers.MomentumSGD,
        optimizers.Adam,
        optimizers.AdamW,
        optimizers.RMSprop,
        optimizers.AdaGrad,
    ],
)
def test_a_step_allocates_no_array_like_the_parameter(make) -> None:
    link = gradkit.Link()
    link.w = gradkit.Parameter(np.ones((256, 256), dtype=np.float32))
    opt = make().setup(link)
    link.w.grad = np.full((256, 256), 0.5, dtype=np.float32)
    opt.update()  # the first step creates the state and the scratch buffer
    tracemalloc.start()
    try:
        opt.update()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < link.w.array.nbytes // 4, f"{make.__name__} allocated {peak} bytes in a step"


@pytest.mark.parametrize(
    ("make", "states"),
    [
        (optimizers.MomentumSGD, 1),
        (optimizers.Adam, 2),
        (lambda: optimizers.Adam(amsgrad=True), 3),
        (optimizers.RMSprop, 1),
        (optimizers.AdaGrad, 1),
    ],
)
def test_the_first_step_on_numpy_allocates_the_state_and_no_scratch(make, states) -> None:
    # On NumPy the rules work in cache-sized blocks with a scratch of the thread: no array
    # like the parameter besides the state (the scratch of a whole step would be one more).
    link = gradkit.Link()
    link.w = gradkit.Parameter(np.ones((512, 784), dtype=np.float32))
    link.w.grad = np.full((512, 784), 0.5, dtype=np.float32)
    opt = make().setup(link)
    nbytes = link.w.array.nbytes
    tracemalloc.start()
    try:
        opt.update()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert link.w.update_rule.buffer is None
    assert peak < states * nbytes + nbytes // 4, f"{peak} bytes for {states} state arrays"


def test_a_rule_that_uses_its_buffer_directly_gets_it_with_its_state() -> None:
    class Halve(UpdateRule):
        uses_buffer = True

        def update_core(self, param):
            buf = self.buffer  # no blocks: the whole-array scratch, allocated by update()
            buf[...] = param.grad
            buf *= 0.5
            param.array -= buf

    p = gradkit.Parameter(np.ones((300, 300), dtype=np.float32))
    p.grad = np.ones((300, 300), dtype=np.float32)
    rule = Halve()
    rule.update(p)
    buffer = rule.buffer
    rule.update(p)
    assert rule.buffer is buffer and buffer.shape == (300, 300)
    np.testing.assert_array_equal(p.array, np.zeros((300, 300), dtype=np.float32))


def test_state_follows_the_parameter_to_another_device(strict) -> None:
    model = Quadratic([1.0, 2.0])
    opt = optimizers.Adam(lr=0.1).setup(model)
    opt.update(model)
    reference = Quadratic([1.0, 2.0])
    ref_opt = optimizers.Adam(lr=0.1).setup(reference)
    ref_opt.update(reference)
    model.to_device("strict")
    opt.update(model)
    ref_opt.update(reference)
    rule = model.w.update_rule
    assert all(gradkit.get_device_from_array(a) == strict for a in rule.state.values())
    np.testing.assert_allclose(gradkit.to_numpy(model.w.array), reference.w.array, rtol=1e-12)
    model.to_device("cpu")
    opt.update(model)
    assert all(isinstance(a, np.ndarray) for a in rule.state.values())


def test_an_uninitialized_parameter_with_a_gradient_is_an_error() -> None:
    rule = optimizers.SGD().create_update_rule()
    p = gradkit.Parameter()
    p._grad_var = gradkit.Variable(np.ones(2))  # only reachable by poking at internals
    with pytest.raises(ValueError, match="no array yet"):
        rule.update(p)


def test_new_epoch_counts() -> None:
    opt = optimizers.SGD().setup(Quadratic([1.0]))
    opt.new_epoch()
    opt.new_epoch()
    assert opt.epoch == 2
    opt.setup(Quadratic([1.0]))
    assert opt.epoch == 0 and opt.t == 0


def test_update_rule_base_class() -> None:
    rule = UpdateRule()
    p = gradkit.Parameter(np.ones(2))
    p.grad = np.ones(2)
    with pytest.raises(NotImplementedError, match="update_core"):
        rule.update(p)
    with pytest.raises(NotImplementedError, match="create_update_rule"):
        optimizers.Optimizer().create_update_rule()
