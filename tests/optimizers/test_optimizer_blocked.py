"""The update rules in cache-sized blocks: bit for bit their sequence over the whole arrays.

Every rule with a state runs its elementwise in-place sequence block by block on NumPy
(``UpdateRule.blocks``). The reference here is each rule's sequence over the whole arrays with
a full-size scratch, written out as the rules ran it before they worked in blocks; results
must equal it exactly, for every dtype, across block boundaries, on the fallbacks (layouts
that blocks do not fit, the strict device) and across threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradkit
from gradkit import optimizers
from gradkit.optimizers.blocked import BLOCK_BYTES
from gradkit.serializers import load_npz, save_npz

DTYPES = [np.float16, np.float32, np.float64]


# ------------------------------------------------------------------ the reference sequences
# The rules' update_core over the whole arrays, ``buf`` a scratch array like the parameter.
def momentum_reference(p, g, state, buf, hp, t, xp) -> None:
    """MomentumSGDRule, classical or Nesterov."""
    lr, momentum = hp.lr, hp.momentum
    v = state["v"]
    buf[...] = g
    buf *= lr
    v *= momentum
    v -= buf
    if hp.nesterov:
        p -= buf
        buf[...] = v
        buf *= momentum
        p += buf
    else:
        p += v


def adam_reference(p, g, state, buf, hp, t, xp) -> None:
    """AdamRule, with weight decay and amsgrad."""
    lr, beta1, beta2 = hp.lr, hp.beta1, hp.beta2
    m, v = state["m"], state["v"]
    buf[...] = g
    buf -= m
    buf *= 1.0 - beta1
    m += buf
    buf[...] = g
    buf *= g
    buf -= v
    buf *= 1.0 - beta2
    v += buf
    if hp.weight_decay_rate:
        p *= 1.0 - lr * hp.weight_decay_rate
    if hp.amsgrad:
        vhat = state["vhat"]
        vhat[...] = xp.maximum(vhat, v)
        v = vhat
    buf[...] = v
    buf *= 1.0 / (1.0 - beta2**t)
    buf **= 0.5
    buf += hp.eps
    buf **= -1.0
    buf *= m
    buf *= lr / (1.0 - beta1**t)
    p -= buf


def rmsprop_reference(p, g, state, buf, hp, t, xp) -> None:
    """RMSpropRule."""
    ms = state["ms"]
    buf[...] = g
    buf *= g
    buf -= ms
    buf *= 1.0 - hp.alpha
    ms += buf
    buf[...] = ms
    buf **= 0.5
    buf += hp.eps
    buf **= -1.0
    buf *= g
    buf *= hp.lr
    p -= buf


def adagrad_reference(p, g, state, buf, hp, t, xp) -> None:
    """AdaGradRule."""
    h = state["h"]
    buf[...] = g
    buf *= g
    h += buf
    buf[...] = h
    buf **= 0.5
    buf += hp.eps
    buf **= -1.0
    buf *= g
    buf *= hp.lr
    p -= buf


Reference = Callable[..., None]

# name: (the optimizer, its reference sequence); hyperparameters away from the defaults
RULES: dict[str, tuple[Callable[[], optimizers.Optimizer], Reference]] = {
    "MomentumSGD": (lambda: optimizers.MomentumSGD(lr=0.05, momentum=0.8), momentum_reference),
    "Nesterov": (
        lambda: optimizers.MomentumSGD(lr=0.05, momentum=0.8, nesterov=True),
        momentum_reference,
    ),
    "Adam": (lambda: optimizers.Adam(lr=0.01, beta1=0.8, beta2=0.99), adam_reference),
    "Adam-amsgrad": (lambda: optimizers.Adam(lr=0.01, amsgrad=True), adam_reference),
    "AdamW": (lambda: optimizers.AdamW(lr=0.01, weight_decay_rate=0.1), adam_reference),
    "AdamW-amsgrad": (
        lambda: optimizers.AdamW(lr=0.01, weight_decay_rate=0.1, amsgrad=True),
        adam_reference,
    ),
    "RMSprop": (lambda: optimizers.RMSprop(lr=0.01, alpha=0.9, eps=1e-6), rmsprop_reference),
    "AdaGrad": (lambda: optimizers.AdaGrad(lr=0.1, eps=1e-6), adagrad_reference),
}


# ------------------------------------------------------------------ running both
def _block(dtype) -> int:
    return BLOCK_BYTES // np.dtype(dtype).itemsize


def _arrays(shape, dtype, seed: int, steps: int = 3) -> tuple[np.ndarray, list[np.ndarray]]:
    """A parameter and ``steps`` gradients; the second gradient is small, so that amsgrad's
    running maximum differs from ``v``."""
    rng = np.random.default_rng(seed)
    p = np.asarray(rng.standard_normal(shape), dtype=dtype)
    scales = [1.0, 0.01, 3.0] * steps
    grads = [np.asarray(rng.standard_normal(shape) * s, dtype=dtype) for s in scales[:steps]]
    return p, grads


def run_rule(make, p: Any, grads: list[Any]) -> optimizers.UpdateRule:
    """Update the parameter array ``p`` in place with the optimizer, one step per gradient."""
    link = gradkit.Link()
    link.w = gradkit.Parameter(p)
    opt = make().setup(link)
    with np.errstate(all="ignore"):  # float16 overflows alike on both sides
        for g in grads:
            link.w.grad = g
            opt.update()
    assert link.w.array is p or np.shares_memory(link.w.array, p)
    return link.w.update_rule


def run_reference(make, reference: Reference, p: Any, grads: list[Any]) -> dict[str, Any]:
    """Update ``p`` in place with the reference sequence; returns the state."""
    opt = make()
    param = gradkit.Parameter(p)
    state = opt.create_update_rule().init_state(param)
    xp = param.xp
    buf = xp.empty_like(p)
    with np.errstate(all="ignore"):
        for t, g in enumerate(grads, start=1):
            reference(p, g, state, buf, opt.hyperparam, t, xp)
    return state


def assert_same(rule: optimizers.UpdateRule, p, state: dict[str, Any], expected_p) -> None:
    """Bit for bit: the parameter and every state array."""
    np.testing.assert_array_equal(gradkit.to_numpy(p), gradkit.to_numpy(expected_p))
    assert rule.state.keys() == state.keys()
    for key, value in state.items():
        got = gradkit.to_numpy(rule.state[key])
        np.testing.assert_array_equal(got, gradkit.to_numpy(value), err_msg=key)
        assert got.dtype == gradkit.to_numpy(expected_p).dtype


def _shapes(dtype) -> list[tuple[int, ...]]:
    block = _block(dtype)
    return [
        (),
        (1,),
        (block - 1,),
        (block,),
        (block + 1,),
        (3 * block + 1000,),
        (512, 784),
        (3, block // 2 + 1),
    ]


SHAPE_CASES = [(dtype, shape) for dtype in DTYPES for shape in _shapes(dtype)]


# ------------------------------------------------------------------ bit for bit on NumPy
@pytest.mark.parametrize(
    ("dtype", "shape"),
    SHAPE_CASES,
    ids=[f"{np.dtype(d).name}-{'x'.join(map(str, s)) or 'scalar'}" for d, s in SHAPE_CASES],
)
@pytest.mark.parametrize("name", list(RULES))
def test_blocks_match_the_whole_array_sequence_bit_for_bit(name, dtype, shape) -> None:
    make, reference = RULES[name]
    p, grads = _arrays(shape, dtype, seed=len(shape) + sum(shape))
    expected = p.copy()
    state = run_reference(make, reference, expected, grads)
    rule = run_rule(make, p, grads)
    assert_same(rule, p, state, expected)
    assert p.dtype == dtype and p.shape == shape
    assert rule.buffer is None  # NumPy and contiguous: no full-size scratch at all


# ------------------------------------------------------------------ the fallbacks
@pytest.mark.parametrize("name", list(RULES))
def test_a_transposed_parameter_is_updated_in_place(name) -> None:
    # A transposed view is not C-contiguous: the rule runs over the whole arrays, in place.
    make, reference = RULES[name]
    base, grads = _arrays((400, 300), np.float32, seed=1)
    expected = base.copy()
    state = run_reference(make, reference, expected.T, [g.T for g in grads])
    rule = run_rule(make, base.T, [np.ascontiguousarray(g.T) for g in grads])
    assert_same(rule, base.T, state, expected.T)
    assert rule.buffer is not None and rule.buffer.shape == (300, 400)


@pytest.mark.parametrize("name", list(RULES))
def test_a_gradient_overlapping_the_parameter_gives_the_whole_array_result(name) -> None:
    # The gradient is the parameter's memory shifted by one element: blocks would read
    # values already updated, so the rule must not work in blocks.
    make, reference = RULES[name]
    n = 3 * _block(np.float32)
    memory = np.random.default_rng(2).standard_normal(n + 1).astype(np.float32)
    expected_memory = memory.copy()
    state = run_reference(make, reference, expected_memory[1:], [expected_memory[:-1]] * 2)
    rule = run_rule(make, memory[1:], [memory[:-1]] * 2)
    assert_same(rule, memory[1:], state, expected_memory[1:])


@pytest.mark.parametrize("name", list(RULES))
def test_the_strict_device_runs_over_the_whole_arrays_with_one_buffer(name, strict) -> None:
    make, reference = RULES[name]
    p, grads = _arrays((3 * _block(np.float32) + 7,), np.float32, seed=3)
    expected = p.copy()
    state = run_reference(make, reference, expected, grads)
    link = gradkit.Link()
    link.w = gradkit.Parameter(p.copy())
    link.to_device("strict")
    opt = make().setup(link)
    buffers = []
    for g in grads:
        link.w.grad = strict.send(g)
        opt.update()
        buffers.append(link.w.update_rule.buffer)
    rule = link.w.update_rule
    assert gradkit.get_device_from_array(rule.buffer) == strict
    assert all(b is buffers[0] for b in buffers)  # allocated once, not per step
    assert_same(rule, link.w.array, state, expected)


def test_a_read_only_gradient_is_read_in_blocks_and_left_alone() -> None:
    make, reference = RULES["Adam"]
    p, grads = _arrays((2 * _block(np.float32) + 5,), np.float32, seed=4)
    for g in grads:
        g.flags.writeable = False
    saved = [g.copy() for g in grads]
    expected = p.copy()
    state = run_reference(make, reference, expected, grads)
    rule = run_rule(make, p, grads)
    assert_same(rule, p, state, expected)
    assert rule.buffer is None
    for g, g0 in zip(grads, saved, strict=True):
        np.testing.assert_array_equal(g, g0)


def test_the_buffer_is_scratch_not_state(tmp_path) -> None:
    # Blocked steps, saved and loaded into a fresh optimizer, resume exactly; no buffer is
    # saved or needed.
    make, _ = RULES["AdamW-amsgrad"]
    p, grads = _arrays((512, 784), np.float32, seed=5, steps=4)

    def link_with(array):
        link = gradkit.Link()
        link.w = gradkit.Parameter(array)
        return link

    link = link_with(p.copy())
    opt = make().setup(link)
    for g in grads[:2]:
        link.w.grad = g
        opt.update()
    save_npz(tmp_path / "opt.npz", opt)
    assert set(np.load(tmp_path / "opt.npz").files) == {"t", "epoch", "w/t", "w/m", "w/v", "w/vhat"}
    resumed = link_with(link.w.array.copy())
    resumed_opt = make().setup(resumed)
    load_npz(tmp_path / "opt.npz", resumed_opt)
    for g in grads[2:]:
        for target, o in ((link, opt), (resumed, resumed_opt)):
            target.w.grad = g
            o.update()
    np.testing.assert_array_equal(resumed.w.array, link.w.array)
    assert resumed.w.update_rule.buffer is None


def test_threads_update_their_own_parameters_at_the_same_time(in_threads) -> None:
    names = ["Adam-amsgrad", "RMSprop", "Nesterov", "AdaGrad"]
    work = [_arrays((2 * _block(np.float32) + 11,), np.float32, seed=10 + i) for i in range(4)]
    expected = []
    for name, (p, grads) in zip(names, work, strict=True):
        make, reference = RULES[name]
        q = p.copy()
        expected.append((q, run_reference(make, reference, q, grads * 5)))

    def run(i: int) -> None:
        p, grads = work[i]
        rule = run_rule(RULES[names[i]][0], p, grads * 5)
        assert_same(rule, p, expected[i][1], expected[i][0])

    in_threads(run, 4)


# ------------------------------------------------------------------ properties
_sizes = st.integers(1, 3 * _block(np.float32) + 100)
_dtypes = st.sampled_from(DTYPES)
_seeds = st.integers(0, 2**16)
_steps = st.integers(1, 3)
_unit = st.floats(0.0, 0.999)


def _check_property(make, reference, n: int, dtype, seed: int, steps: int) -> None:
    p, grads = _arrays((n,), dtype, seed, steps)
    expected = p.copy()
    state = run_reference(make, reference, expected, grads)
    rule = run_rule(make, p, grads)
    assert_same(rule, p, state, expected)


@settings(max_examples=25, deadline=None)
@given(
    n=_sizes,
    dtype=_dtypes,
    seed=_seeds,
    steps=_steps,
    lr=st.floats(1e-4, 1.0),
    momentum=_unit,
    nesterov=st.booleans(),
)
def test_property_momentum_sgd(n, dtype, seed, steps, lr, momentum, nesterov) -> None:
    def make():
        return optimizers.MomentumSGD(lr=lr, momentum=momentum, nesterov=nesterov)

    _check_property(make, momentum_reference, n, dtype, seed, steps)


@settings(max_examples=25, deadline=None)
@given(
    n=_sizes,
    dtype=_dtypes,
    seed=_seeds,
    steps=_steps,
    lr=st.floats(1e-4, 1.0),
    beta1=_unit,
    beta2=_unit,
    eps=st.floats(1e-10, 1e-2),
    weight_decay_rate=st.sampled_from([0.0, 0.01, 0.5]),
    amsgrad=st.booleans(),
)
def test_property_adam(
    n, dtype, seed, steps, lr, beta1, beta2, eps, weight_decay_rate, amsgrad
) -> None:
    def make():
        return optimizers.Adam(
            lr=lr,
            beta1=beta1,
            beta2=beta2,
            eps=eps,
            weight_decay_rate=weight_decay_rate,
            amsgrad=amsgrad,
        )

    _check_property(make, adam_reference, n, dtype, seed, steps)


@settings(max_examples=25, deadline=None)
@given(
    n=_sizes,
    dtype=_dtypes,
    seed=_seeds,
    steps=_steps,
    lr=st.floats(1e-4, 1.0),
    alpha=_unit,
    eps=st.floats(1e-10, 1e-2),
)
def test_property_rmsprop(n, dtype, seed, steps, lr, alpha, eps) -> None:
    def make():
        return optimizers.RMSprop(lr=lr, alpha=alpha, eps=eps)

    _check_property(make, rmsprop_reference, n, dtype, seed, steps)


@settings(max_examples=25, deadline=None)
@given(
    n=_sizes,
    dtype=_dtypes,
    seed=_seeds,
    steps=_steps,
    lr=st.floats(1e-4, 1.0),
    eps=st.floats(1e-10, 1e-2),
)
def test_property_adagrad(n, dtype, seed, steps, lr, eps) -> None:
    def make():
        return optimizers.AdaGrad(lr=lr, eps=eps)

    _check_property(make, adagrad_reference, n, dtype, seed, steps)
