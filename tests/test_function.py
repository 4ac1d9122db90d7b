"""The classic Function API (Chainer v1): the seed's example, broken and corrected, and the
errors a classic Function can make."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradkit
from gradkit import Variable

# --------------------------------------------------------------------------- the seed example


class BrokenLinearFunction(gradkit.Function):
    """The seed's LinearFunction: W and b held as attributes, so x is its only input, yet
    backward returns three gradients."""

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, inputs):
        (x,) = inputs
        return (x @ self.W.array + self.b.array,)

    def backward(self, inputs, grad_outputs):
        (x,) = inputs
        (gy,) = grad_outputs
        return gy @ self.W.array.T, x.T @ gy, gy.sum(axis=0)


class LinearFunction(gradkit.Function):
    """The seed's example, corrected: x, W and b are all inputs."""

    def forward(self, inputs):
        x, W, b = inputs
        return (x @ W + b,)

    def backward(self, inputs, grad_outputs):
        x, W, _ = inputs
        (gy,) = grad_outputs
        gx = gy @ W.T
        gW = x.T @ gy
        gb = gy.sum(axis=0)
        return gx, gW, gb


def _seed_arrays(rng, dtype=np.float64):
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype=dtype)
    W = rng.standard_normal((3, 2)).astype(dtype)
    b = rng.standard_normal(2).astype(dtype)
    return x, W, b


def test_seed_example_reports_the_gradient_count(rng):
    """The seed's example fails with a BackwardResultError naming the Function, the count
    returned (3) and the number of inputs (1), and saying attributes are not inputs."""
    x, W, b = _seed_arrays(rng, np.float32)
    y = BrokenLinearFunction(Variable(W), Variable(b))(Variable(x))
    np.testing.assert_allclose(y.array, x @ W + b, rtol=1e-6)
    y.grad = np.ones_like(y.array)
    with pytest.raises(gradkit.BackwardResultError) as info:
        y.backward()
    message = str(info.value)
    assert "BrokenLinearFunction" in message
    assert "returned 3 gradients" in message
    assert "1 input" in message
    assert "attributes" in message


def test_seed_example_corrected_forward(rng):
    """The corrected LinearFunction returns one Variable with ``x @ W + b`` and a creator."""
    x, W, b = _seed_arrays(rng)
    y = LinearFunction()(Variable(x), Variable(W), Variable(b))
    assert isinstance(y, Variable)
    assert y.creator is not None
    np.testing.assert_allclose(y.array, x @ W + b)


def test_seed_example_corrected_gradients_match_central_differences(rng, numgrad):
    """The corrected LinearFunction's gradients match float64 central differences for a
    random upstream gradient."""
    x, W, b = _seed_arrays(rng)
    gy = rng.standard_normal((2, 2))
    xs = [Variable(a.copy()) for a in (x, W, b)]
    y = LinearFunction()(*xs)
    y.grad = gy.copy()
    y.backward()

    def loss(arrays):
        return float(np.sum((arrays[0] @ arrays[1] + arrays[2]) * gy))

    numeric = numgrad(loss, [x, W, b])
    for v, g in zip(xs, numeric, strict=True):
        assert v.grad.shape == v.shape
        np.testing.assert_allclose(v.grad, g, rtol=1e-6, atol=1e-8)


def test_seed_example_corrected_runs_in_float32(rng):
    """In float32 the gradients keep float32 and the inputs' shapes."""
    x, W, b = _seed_arrays(rng, np.float32)
    xs = [Variable(a) for a in (x, W, b)]
    LinearFunction()(*xs).sum().backward()
    for v in xs:
        assert v.grad.dtype == np.float32 and v.grad.shape == v.shape
    np.testing.assert_allclose(xs[2].grad, [2.0, 2.0])


class PortableLinearFunction(LinearFunction):
    """LinearFunction written against the array API (``xp.sum``), for any device."""

    def backward(self, inputs, grad_outputs):
        x, W, _ = inputs
        (gy,) = grad_outputs
        xp = gradkit.get_array_module(gy)
        return gy @ W.T, x.T @ gy, xp.sum(gy, axis=0)


def test_seed_example_corrected_on_the_strict_device(rng, strict):
    """The classic Function works on the strict device; gradients stay there."""
    x, W, b = _seed_arrays(rng)
    xs = [Variable(a).to_device("strict") for a in (x, W, b)]
    y = PortableLinearFunction()(*xs)
    assert y.device == strict
    y.sum().backward()
    for v in xs:
        assert v.grad_var.device == strict
    np.testing.assert_allclose(gradkit.to_numpy(xs[1].grad), x.T @ np.ones((2, 2)))


def test_overriding_call_warns():
    """A subclass that overrides __call__ (as the seed's does) gets a warning at class
    definition that explains why."""
    with pytest.warns(UserWarning, match="overrides __call__"):

        class CallsForward(gradkit.Function):
            def forward(self, inputs):
                return (inputs[0],)

            def __call__(self, x):
                return self.forward((x,))


def test_no_warning_without_call_override():
    """An ordinary subclass defines without warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Plain(gradkit.Function):
            def forward(self, inputs):
                return (inputs[0],)


# --------------------------------------------------------------------------- behaviour


class Square(gradkit.Function):
    def forward(self, inputs):
        return (inputs[0] ** 2,)

    def backward(self, inputs, grad_outputs):
        return (2 * inputs[0] * grad_outputs[0],)


class SplitSum(gradkit.Function):
    """Two outputs: ``x + y`` and ``x * y``."""

    def forward(self, inputs):
        x, y = inputs
        return x + y, x * y

    def backward(self, inputs, grad_outputs):
        x, y = inputs
        g0, g1 = grad_outputs
        return g0 + g1 * y, g0 + g1 * x


def test_multiple_outputs_are_a_tuple():
    """A classic Function with two outputs returns a tuple of two Variables."""
    a, b = SplitSum()(Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 4.0])))
    np.testing.assert_array_equal(a.array, [4.0, 6.0])
    np.testing.assert_array_equal(b.array, [3.0, 8.0])


def test_multiple_outputs_unused_output_gets_zero_gradient():
    """Only one output used: backward receives zeros for the other (not None)."""
    seen = {}

    class Recording(SplitSum):
        def backward(self, inputs, grad_outputs):
            seen["g1"] = grad_outputs[1]
            return super().backward(inputs, grad_outputs)

    x = Variable(np.array([1.0, 2.0]))
    y = Variable(np.array([3.0, 4.0]))
    a, _ = Recording()(x, y)
    a.sum().backward()
    np.testing.assert_array_equal(seen["g1"], [0.0, 0.0])
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_classic_function_accepts_raw_arrays_as_inputs():
    """A raw array input is a constant: no gradient, no error."""
    x = Variable(np.array([1.0, 2.0]))
    y = SplitSum()(x, np.array([3.0, 4.0]))[1]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_backward_may_return_a_list_and_none():
    """backward may return a list, and None for an input that needs no gradient."""

    class ListBackward(gradkit.Function):
        def forward(self, inputs):
            return (inputs[0] * inputs[1],)

        def backward(self, inputs, grad_outputs):
            return [grad_outputs[0] * inputs[1], None]

    x = Variable(np.array([1.0, 2.0]))
    w = Variable(np.array([3.0, 4.0]))
    ListBackward()(x, w).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
    assert w.grad is None


def test_backward_may_return_numpy_scalars():
    """``gy.sum()`` of a 1-d gradient is a NumPy scalar; for a 0-d input it is accepted."""

    class Dot(gradkit.Function):
        def forward(self, inputs):
            v, s = inputs
            return (v * s,)

        def backward(self, inputs, grad_outputs):
            v, s = inputs
            (gy,) = grad_outputs
            return gy * s, (gy * v).sum()

    v = Variable(np.array([1.0, 2.0]))
    s = Variable(np.array(3.0))
    Dot()(v, s).sum().backward()
    np.testing.assert_array_equal(s.grad, 3.0)
    assert s.grad.shape == ()


# --------------------------------------------------------------------------- errors


def test_double_backprop_through_a_classic_function_is_an_error():
    """``backward(enable_double_backprop=True)`` through a classic Function raises
    DoubleBackpropError naming it and saying it is first order only."""
    x = Variable(np.array([1.0, 2.0]))
    y = Square()(x).sum()
    with pytest.raises(gradkit.DoubleBackpropError, match=r"Square.*first-order"):
        y.backward(enable_double_backprop=True)


def test_double_grad_through_a_classic_function_is_an_error():
    """``gradkit.grad(..., enable_double_backprop=True)`` raises DoubleBackpropError too; it is
    a GraphError."""
    x = Variable(np.array([1.0, 2.0]))
    y = Square()(x).sum()
    with pytest.raises(gradkit.GraphError, match="Square"):
        gradkit.grad([y], [x], enable_double_backprop=True)


def test_first_order_through_a_classic_function_still_works_after_the_error():
    """The failed double backprop leaves the graph usable for first order."""
    x = Variable(np.array([1.0, 2.0]))
    y = Square()(x).sum()
    with pytest.raises(gradkit.DoubleBackpropError):
        y.backward(enable_double_backprop=True)
    assert gradkit.config.enable_backprop is True
    x.cleargrad()
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


class Scale(gradkit.Function):
    """``x * k`` for an integer array k; backward wrongly returns a float gradient for k."""

    def forward(self, inputs):
        x, k = inputs
        return (x * k,)

    def backward(self, inputs, grad_outputs):
        x, k = inputs
        (gy,) = grad_outputs
        return gy * k, gy * x


@pytest.mark.parametrize("wrap", [False, True], ids=["array", "variable"])
def test_float_gradient_for_an_integer_input_is_an_error(wrap):
    """A float gradient for an int input: BackwardResultError naming the Function, the input
    index (1), the gradient's dtype and the input's integer dtype."""
    k = np.array([1, 2, 3])
    x = Variable(np.array([1.0, 2.0, 3.0]))
    y = Scale()(x, Variable(k) if wrap else k).sum()
    with pytest.raises(gradkit.BackwardResultError) as info:
        y.backward()
    message = str(info.value)
    assert "Scale" in message
    assert "input 1" in message
    assert "float64" in message and "int64" in message


def test_backward_returning_a_single_array_is_an_error():
    """backward must return a tuple: a bare array is reported with a hint."""

    class NoTuple(gradkit.Function):
        def forward(self, inputs):
            return (inputs[0] * 2,)

        def backward(self, inputs, grad_outputs):
            return grad_outputs[0] * 2

    y = NoTuple()(Variable(np.ones(2))).sum()
    with pytest.raises(gradkit.BackwardResultError, match=r"NoTuple.backward returned a ndarray"):
        y.backward()


def test_forward_returning_a_bare_array_is_an_error():
    """forward returning an array instead of a tuple: ForwardResultError (a TypeError) naming
    the Function and suggesting the trailing comma."""

    class NoComma(gradkit.Function):
        def forward(self, inputs):
            return inputs[0] * 2

    with pytest.raises(gradkit.ForwardResultError, match=r"NoComma.forward.*ndarray.*comma"):
        NoComma()(Variable(np.ones(2)))
    assert issubclass(gradkit.ForwardResultError, TypeError)


def test_missing_backward_is_reported():
    """A classic Function without backward says so when differentiated."""

    class ForwardOnly(gradkit.Function):
        def forward(self, inputs):
            return (inputs[0] * 2,)

    y = ForwardOnly()(Variable(np.ones(2))).sum()
    with pytest.raises(NotImplementedError, match="ForwardOnly"):
        y.backward()


class TransposedGradLinear(LinearFunction):
    """The seed's shape mix-up: gW computed as ``gy.T @ x`` (shape (2, 3) for W of (3, 2))."""

    def backward(self, inputs, grad_outputs):
        gx, _, gb = super().backward(inputs, grad_outputs)
        x, _, _ = inputs
        return gx, grad_outputs[0].T @ x, gb


def test_gradient_of_the_wrong_shape_is_an_error(rng):
    """A gradient of the wrong shape: BackwardResultError naming the Function, the input
    index, and both shapes."""
    x, W, b = _seed_arrays(rng)
    y = TransposedGradLinear()(Variable(x), Variable(W), Variable(b)).sum()
    with pytest.raises(gradkit.BackwardResultError) as info:
        y.backward()
    message = str(info.value)
    assert "TransposedGradLinear" in message
    assert "input 1" in message
    assert "(2, 3)" in message and "(3, 2)" in message


class CastsGradient(gradkit.Function):
    """Returns a float32 gradient for a float64 input."""

    def forward(self, inputs):
        return (inputs[0] * 2,)

    def backward(self, inputs, grad_outputs):
        return ((grad_outputs[0] * 2).astype(np.float32),)


def test_gradient_of_the_wrong_dtype_is_an_error():
    """A float32 gradient for a float64 input: BackwardResultError naming the Function, the
    input index and both dtypes."""
    y = CastsGradient()(Variable(np.ones(3))).sum()
    with pytest.raises(gradkit.BackwardResultError) as info:
        y.backward()
    message = str(info.value)
    assert "CastsGradient" in message
    assert "input 0" in message
    assert "float32" in message and "float64" in message


class MovesGradient(gradkit.Function):
    """Returns its gradient on the strict device for a CPU input."""

    def forward(self, inputs):
        return (inputs[0] * 2,)

    def backward(self, inputs, grad_outputs):
        return (gradkit.get_device("strict").send(grad_outputs[0] * 2),)


def test_gradient_on_the_wrong_device_is_an_error():
    """A gradient on the strict device for a CPU input: BackwardResultError naming the
    Function, the input index and both devices."""
    y = MovesGradient()(Variable(np.ones(3))).sum()
    with pytest.raises(gradkit.BackwardResultError) as info:
        y.backward()
    message = str(info.value)
    assert "MovesGradient" in message
    assert "input 0" in message
    assert "cpu" in message and "strict" in message


def test_one_classic_instance_called_twice():
    """Calling one classic Function instance twice builds two independent graphs, as the
    seed does with ``linear = LinearFunction(...); y = linear(x)``."""
    f = Square()
    x = Variable(np.array([1.0]))
    z = Variable(np.array([5.0]))
    y1 = f(x)
    y2 = f(z)
    y1.backward()
    y2.backward()
    np.testing.assert_array_equal(x.grad, [2.0])
    np.testing.assert_array_equal(z.grad, [10.0])


def test_classic_function_graph_is_freed_by_reference_counting():
    """The adapter retains every input of a classic Function; all of it is freed by
    reference counting once the graph is dropped."""
    import gc
    import weakref

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = Variable(np.ones(3))
        h = x * 2.0
        kept = weakref.ref(h.array)
        y = Square()(h).sum()
        creator = weakref.ref(y.creator)
        del h
        assert kept() is not None  # retained for backward
        y.backward()
        del y
        assert creator() is None and kept() is None
    finally:
        if was_enabled:
            gc.enable()
