"""Backprop: ordering, accumulation, retain_grad, grad(), several outputs, deep graphs,
memory, and the errors of backward()."""

from __future__ import annotations

import gc
import sys
import time
import weakref

import numpy as np
import pytest

import gradkit
from gradkit import Variable


@pytest.fixture
def no_gc():
    """Run the test with the cyclic garbage collector off: only reference counting frees."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- retain_grad


def test_intermediate_grads_are_freed_by_default():
    """After backward(), intermediate variables have no grad; leaves do."""
    x = Variable(np.array([1.0, 2.0]))
    h = x * 3.0
    y = (h * h).sum()
    y.backward()
    assert h.grad is None
    np.testing.assert_allclose(x.grad, 18.0 * x.array)


def test_retain_grad_keeps_intermediate_grads():
    """backward(retain_grad=True) sets the grad of every intermediate variable."""
    x = Variable(np.array([1.0, 2.0]))
    h = x * 3.0
    k = h * h
    y = k.sum()
    y.backward(retain_grad=True)
    np.testing.assert_allclose(k.grad, [1.0, 1.0])
    np.testing.assert_allclose(h.grad, 2.0 * h.array)
    np.testing.assert_allclose(x.grad, 18.0 * x.array)


def test_retain_grad_with_fan_out_holds_the_full_gradient():
    """An intermediate used twice gets the sum of both contributions."""
    x = Variable(np.array([1.0, 2.0]))
    h = x * 3.0
    y = (h * h + h).sum()
    y.backward(retain_grad=True)
    np.testing.assert_allclose(h.grad, 2.0 * h.array + 1.0)


@pytest.mark.parametrize("retain_grad", [False, True])
def test_scalar_output_grad_is_set_to_one(retain_grad):
    """A single-element output starts from 1 and keeps it as its grad, as in Chainer; with
    retain_grad the seed is not counted twice."""
    x = Variable(np.array([1.0, 2.0]))
    y = (x * x).sum()
    y.backward(retain_grad=retain_grad)
    np.testing.assert_array_equal(y.grad, 1.0)
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_zero_dim_gradients_stay_arrays():
    """Gradients of 0-d variables are 0-d arrays, never NumPy scalars, also when they
    accumulate over fan-out and across calls."""
    x = Variable(np.array(2.0))
    y = x * x + x
    y.backward()
    (x * 3.0).backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.shape == ()
    assert x.grad == 2.0 * 2.0 + 1.0 + 3.0
    (gx,) = gradkit.grad([x * x + x], [x])
    assert isinstance(gx.array, np.ndarray)


def test_retained_grads_do_not_alias_leaf_grads():
    """Two variables never share one gradient array, intermediates included."""
    x = Variable(np.array([1.0, 2.0]))
    h = x + 1.0
    h.sum().backward(retain_grad=True)
    assert not np.shares_memory(x.grad, h.grad)


def test_leaf_grads_do_not_alias_each_other_or_the_seed():
    """``x + z``: x.grad and z.grad are distinct arrays, and neither is the seed gradient."""
    x = Variable(np.array([1.0, 2.0]))
    z = Variable(np.array([3.0, 4.0]))
    y = x + z
    seed = np.ones(2)
    gradkit.backward([y], [seed])
    assert not np.shares_memory(x.grad, z.grad)
    assert not np.shares_memory(x.grad, seed)
    x.grad[0] = 100.0
    np.testing.assert_array_equal(z.grad, [1.0, 1.0])
    np.testing.assert_array_equal(seed, [1.0, 1.0])


# --------------------------------------------------------------------------- accumulation


def test_fan_out_accumulates():
    """A leaf used three times gets the sum of the three gradients."""
    x = Variable(np.array([1.0, 2.0]))
    y = (x * x + x * 2.0 + x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, 2.0 * x.array + 3.0)


def test_gradients_accumulate_across_calls_until_cleargrad():
    """Two backward passes add up; cleargrad() resets."""
    x = Variable(np.array([1.0, 2.0]))
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad, 2.0 * x.array + 3.0)
    x.cleargrad()
    assert x.grad is None and x.grad_var is None
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_backward_twice_on_the_same_graph_doubles():
    """The graph survives backward: a second backward() adds the same gradient again."""
    x = Variable(np.array([1.0, 2.0]))
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(x.grad, 4.0 * x.array)


def test_generation_order_in_a_diamond():
    """A node consumed at several depths runs its backward once, after all its consumers:
    ``a = 2x; b = a*a; c = b*a + a`` gives ``dc/dx = 2 (3 a^2 + 1)``."""
    x = Variable(np.array([0.5, -1.0, 2.0]))
    a = x * 2.0
    b = a * a
    c = (b * a + a).sum()
    c.backward()
    np.testing.assert_allclose(x.grad, 2.0 * (3.0 * a.array**2 + 1.0))


def test_leaf_that_needs_no_gradient_gets_none():
    """requires_grad=False: no grad for that leaf; the others still get theirs."""
    x = Variable(np.array([1.0, 2.0]))
    w = Variable(np.array([3.0, 4.0]), requires_grad=False)
    (x * w).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
    assert w.grad is None


def test_requires_grad_propagates_from_the_inputs():
    """Outputs of ops on constants need no gradient and build no graph, as in Chainer."""
    c = Variable(np.ones(3), requires_grad=False)
    d = c * 2.0
    e = (d * 3.0).sum()
    assert not d.requires_grad
    assert e.creator is None
    assert not (Variable(np.arange(3)) * 2).requires_grad


# --------------------------------------------------------------------------- grad()


def test_grad_returns_gradients_without_setting_grad():
    """gradkit.grad returns Variables and leaves every ``.grad`` untouched."""
    x = Variable(np.array([1.0, 2.0]))
    h = x * 2.0
    y = (h * h).sum()
    gx, gh = gradkit.grad([y], [x, h])
    assert isinstance(gx, Variable) and isinstance(gh, Variable)
    np.testing.assert_allclose(gx.array, 8.0 * x.array)
    np.testing.assert_allclose(gh.array, 2.0 * h.array)
    assert x.grad is None and h.grad is None and y.grad is None


def test_grad_of_an_unrelated_input_is_none():
    """An input the output does not depend on gets None."""
    x = Variable(np.array([1.0, 2.0]))
    z = Variable(np.array([1.0, 2.0]))
    assert gradkit.grad([(x * 3.0).sum()], [x, z])[1] is None


def test_grad_with_grad_outputs():
    """grad_outputs seed a non-scalar output."""
    x = Variable(np.array([1.0, 2.0]))
    (gx,) = gradkit.grad([x * 3.0], [x], [np.array([1.0, 10.0])])
    np.testing.assert_allclose(gx.array, [3.0, 30.0])


def test_grad_is_repeatable():
    """Two calls of grad() give the same result (nothing accumulates)."""
    x = Variable(np.array([1.0, 2.0]))
    y = (x * x).sum()
    (g1,) = gradkit.grad([y], [x])
    (g2,) = gradkit.grad([y], [x])
    np.testing.assert_array_equal(g1.array, g2.array)


def test_grad_second_order():
    """``d/dx x**3 = 3 x^2`` and ``d2/dx2 = 6 x``."""
    x = Variable(np.array(3.0))
    (gx,) = gradkit.grad([x**3], [x], enable_double_backprop=True)
    assert gx.creator is not None
    (ggx,) = gradkit.grad([gx], [x])
    assert gx.item() == pytest.approx(27.0)
    assert ggx.item() == pytest.approx(18.0)


def test_third_order():
    """Double backprop composes: ``d3/dx3 x**3 = 6`` and ``d3/dx3 exp(x) = exp(x)``."""
    x = Variable(np.array([1.0, 2.0]))
    for f, expected in [(lambda v: v**3, [6.0, 6.0]), (gradkit.arithmetic.exp, np.exp(x.array))]:
        (g1,) = gradkit.grad([f(x).sum()], [x], enable_double_backprop=True)
        (g2,) = gradkit.grad([g1.sum()], [x], enable_double_backprop=True)
        (g3,) = gradkit.grad([g2.sum()], [x])
        np.testing.assert_allclose(g3.array, expected)


def test_first_order_grad_records_no_graph():
    """Without enable_double_backprop the returned gradient has no creator."""
    x = Variable(np.array([1.0, 2.0]))
    (gx,) = gradkit.grad([(x * x).sum()], [x])
    assert gx.creator is None


def test_backward_with_double_backprop_gives_a_differentiable_grad_var():
    """backward(enable_double_backprop=True): ``x.grad_var`` has a graph; differentiating
    ``sum((dy/dx)^2)`` for ``y = sum(x^3)`` gives ``36 x^3``."""
    x = Variable(np.array([1.0, 2.0]))
    (x**3).sum().backward(enable_double_backprop=True)
    gx = x.grad_var
    assert gx.creator is not None
    x.cleargrad()
    (gx * gx).sum().backward()
    np.testing.assert_allclose(x.grad, 36.0 * x.array**3)


def test_grad_rejects_non_variable_inputs():
    """grad() with an array among the inputs: TypeError naming its position."""
    x = Variable(np.array([1.0]))
    with pytest.raises(TypeError, match=r"inputs\[1\]"):
        gradkit.grad([x * 2.0], [x, np.ones(1)])


# --------------------------------------------------------------------------- several outputs


def test_backward_from_several_outputs():
    """gradkit.backward([y, z], [gy, gz]) accumulates both into the leaves."""
    x = Variable(np.array([1.0, 2.0]))
    y = x * 3.0
    z = x * x
    gradkit.backward([y, z], [np.ones(2), np.array([1.0, 10.0])])
    np.testing.assert_allclose(x.grad, [3.0 + 2.0, 3.0 + 40.0])


def test_backward_from_several_outputs_with_variables_and_none():
    """grad_outputs may be Variables, and None for a scalar output."""
    x = Variable(np.array([1.0, 2.0]))
    y = x * 3.0
    s = (x * x).sum()
    gradkit.backward([y, s], [Variable(np.ones(2)), None])
    np.testing.assert_allclose(x.grad, 3.0 + 2.0 * x.array)


def test_backward_from_an_output_and_its_own_descendant():
    """Outputs that depend on each other: each seed is propagated exactly once."""
    x = Variable(np.array([1.0, 2.0]))
    y = x * x
    s = y.sum()
    gradkit.backward([y, s], [np.ones(2), None])
    np.testing.assert_allclose(x.grad, 4.0 * x.array)


def test_backward_with_wrong_number_of_grad_outputs():
    """One output, zero grad_outputs: ValueError with both counts."""
    x = Variable(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="1 outputs but 0 grad_outputs"):
        gradkit.backward([x * 2.0], [])


def test_backward_with_a_seed_of_the_wrong_shape():
    """A seed of the wrong shape: ValueError naming the output and both shapes."""
    x = Variable(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"outputs\[0\].*\(3,\).*\(2,\)"):
        gradkit.backward([x * 2.0], [np.ones(3)])


def test_backward_with_a_seed_on_the_wrong_device(strict):
    """A CPU seed for a strict output: an error that names both devices."""
    x = Variable(np.ones(3)).to_device("strict")
    with pytest.raises((ValueError, gradkit.DeviceMismatchError)) as info:
        gradkit.backward([x * 2.0], [np.ones(3)])
    message = str(info.value)
    assert "device" in message and "strict" in message and "cpu" in message


# --------------------------------------------------------------------------- graph errors


def test_non_scalar_output_needs_a_gradient():
    """backward() from a (3,) output without grad: GraphError naming the shape and fixes."""
    x = Variable(np.ones(3), name="x")
    y = x * 2.0
    with pytest.raises(gradkit.GraphError) as info:
        y.backward()
    message = str(info.value)
    assert "(3,)" in message
    assert "y.sum()" in message and "grad_outputs" in message


def test_non_scalar_output_with_grad_set_works():
    """Setting ``y.grad`` first makes backward() from a non-scalar output work."""
    x = Variable(np.ones(3))
    y = x * 2.0
    y.grad = np.array([1.0, 2.0, 3.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])


def test_backward_after_unchain_backward_is_an_error():
    """``y.unchain_backward(); y.backward()`` raises GraphError saying it was unchained."""
    x = Variable(np.ones(3))
    y = (x * 2.0).sum()
    y.unchain_backward()
    assert y.creator is None
    with pytest.raises(gradkit.GraphError, match="unchain"):
        y.backward()
    assert x.grad is None


def test_backward_after_unchain_is_an_error():
    """``y.unchain(); y.backward()`` raises GraphError too."""
    x = Variable(np.ones(3))
    y = (x * 2.0).sum()
    y.unchain()
    with pytest.raises(gradkit.GraphError, match="unchain"):
        y.backward()


def test_unchain_backward_frees_the_graph_behind(no_gc):
    """unchain_backward() drops the upstream nodes and the arrays they retained."""
    x = Variable(np.ones(3))
    h = x * 2.0
    retained = weakref.ref(h.array)
    k = h * h  # Mul retains h's array
    creator = weakref.ref(k.creator)
    del h
    assert retained() is not None
    k.unchain_backward()
    assert creator() is None
    assert retained() is None


def test_unchain_in_the_middle_stops_backprop_there():
    """Backprop from y stops at the unchained h: h gets its gradient, x none."""
    x = Variable(np.ones(3))
    h = x * 2.0
    y = (h * 3.0).sum()
    h.unchain()
    y.backward()
    np.testing.assert_array_equal(h.grad, [3.0, 3.0, 3.0])
    assert x.grad is None


def test_backward_from_a_leaf_does_nothing():
    """backward() from a single-element leaf sets nothing else and does not fail."""
    x = Variable(np.array([2.0]))
    x.backward()
    np.testing.assert_array_equal(x.grad, [1.0])


# --------------------------------------------------------------------------- deep graphs


def test_chain_of_100000_nodes_backprops_without_recursion():
    """A chain of 10^5 ops backprops (and is freed) with the default recursion limit."""
    assert sys.getrecursionlimit() <= 10_000
    start = time.perf_counter()
    x = Variable(np.ones(1))
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0])
    np.testing.assert_array_equal(y.array, [100_001.0])
    del y  # freeing a deep graph must not recurse either
    assert time.perf_counter() - start < 30.0


def test_deep_chain_with_fan_out_at_every_step():
    """``y = y * 0.5 + y * 0.25`` 2000 times: each node is reached through two paths, and
    the gradient is ``0.75 ** 2000``."""
    x = Variable(np.ones(1))
    y = x
    for _ in range(2000):
        y = y * 0.5 + y * 0.25
    y.backward()
    np.testing.assert_allclose(x.grad, [0.75**2000], rtol=1e-9)


# --------------------------------------------------------------------------- memory


def test_graph_is_freed_by_reference_counting_after_backward(no_gc):
    """After backward and ``del``, the graph's Variables, nodes, functions and arrays die
    with the cyclic collector off: the graph has no reference cycles."""
    x = Variable(np.ones(3))
    h = x * 2.0
    y = (h * h).sum()
    refs = [
        weakref.ref(h),
        weakref.ref(h.node),
        weakref.ref(h.creator),
        weakref.ref(h.array),
        weakref.ref(y),
        weakref.ref(y.node),
        weakref.ref(y.creator),
        weakref.ref(y.array),
    ]
    y.backward()
    del h, y
    alive = [r() for r in refs]
    assert all(obj is None for obj in alive), alive
    np.testing.assert_array_equal(x.grad, [8.0, 8.0, 8.0])


def test_graph_is_freed_without_backward(no_gc):
    """A forward graph that is dropped without backward is freed too."""
    x = Variable(np.ones(3))
    y = (x * x).sum()
    refs = [weakref.ref(y.creator), weakref.ref(y.node), weakref.ref(y.array)]
    del y
    assert all(r() is None for r in refs)


def test_unretained_intermediate_array_is_freed_while_the_graph_lives(no_gc):
    """An intermediate array that no backward needs dies with its Variable, even while the
    rest of the graph is alive (nothing is retained unless asked)."""
    x = Variable(np.ones(3))
    h = x + 1.0
    array = weakref.ref(h.array)
    y = (h * 2.0).sum()
    del h
    assert array() is None
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


def test_retained_array_lives_as_long_as_the_graph(no_gc):
    """An array retained for backward lives until the graph that needs it is dropped."""
    x = Variable(np.ones(3))
    h = x * 3.0
    array = weakref.ref(h.array)
    y = (h * h).sum()
    del h
    assert array() is not None
    y.backward()
    np.testing.assert_array_equal(x.grad, [18.0, 18.0, 18.0])
    del y
    assert array() is None


def test_leaf_gradient_does_not_keep_the_graph_alive(no_gc):
    """After backward, x.grad holds no reference to the graph (first order)."""
    x = Variable(np.ones(3))
    y = (x * x).sum()
    creator = weakref.ref(y.creator)
    y.backward()
    del y
    assert creator() is None
    assert x.grad_var.creator is None
