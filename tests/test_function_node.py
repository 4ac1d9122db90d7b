"""FunctionNode: apply, retention, multiple outputs, and the errors of forward and backward."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import FunctionNode, Variable


class Square(FunctionNode):
    """``x ** 2`` retaining its input, written on Variables (differentiable twice)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (inputs[0] ** 2,)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (2.0 * x * grad_outputs[0],)


class Double(FunctionNode):
    """``2 x``: its backward needs no array, so it retains nothing."""

    def forward(self, inputs):
        return (inputs[0] * 2,)

    def backward(self, target_input_indexes, grad_outputs):
        return (grad_outputs[0] * 2.0,)


class ExpNode(FunctionNode):
    """``exp(x)`` retaining its output."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        return (np.exp(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * y,)


class SumAndProduct(FunctionNode):
    """Two outputs, ``a + b`` and ``a * b``; records the gradients it receives."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        return a + b, a * b

    def backward(self, target_input_indexes, grad_outputs):
        self.received = tuple(g.array.copy() for g in grad_outputs)
        self.targets = target_input_indexes
        a, b = self.get_retained_inputs()
        g_sum, g_prod = grad_outputs
        grads = {0: g_sum + g_prod * b, 1: g_sum + g_prod * a}
        return tuple(grads[i] for i in target_input_indexes)


def test_apply_returns_a_tuple_of_variables_with_a_creator():
    """apply returns a tuple of Variables whose creator is the node."""
    node = Square()
    outputs = node.apply((Variable(np.array([3.0])),))
    assert isinstance(outputs, tuple) and len(outputs) == 1
    (y,) = outputs
    assert isinstance(y, Variable)
    assert y.creator is node
    np.testing.assert_array_equal(y.array, [9.0])


def test_apply_accepts_raw_arrays():
    """Raw arrays are inputs that need no gradient."""
    x = Variable(np.array([1.0, 2.0]))
    _, p = SumAndProduct().apply((x, np.array([3.0, 4.0])))
    p.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


@pytest.mark.parametrize(
    ("inputs", "what"),
    [
        (Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])), "not a Variable"),
        (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "not an array"),
        (np.float64(2.0), "not an array"),
        (2.0, "got a float"),
    ],
    ids=["variable", "array", "numpy-scalar", "float"],
)
def test_apply_without_a_tuple_is_an_error(inputs, what):
    """``apply(x)`` instead of ``apply((x,))`` would split x along its first axis into
    several inputs; it is an error that shows the call to write."""
    with pytest.raises(TypeError, match=rf"Double\.apply takes a tuple of inputs.*{what}") as e:
        Double().apply(inputs)
    assert "apply((x,))" in str(e.value)


def test_apply_accepts_a_list_of_inputs():
    """A list is a sequence of inputs as well as a tuple."""
    x = Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    (y,) = Double().apply([x])
    np.testing.assert_array_equal(y.array, 2 * x.array)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 2.0))


def test_numpy_scalar_output_becomes_a_zero_dim_array():
    """A NumPy reduction's scalar result is accepted and stored as a 0-d array."""

    class Total(FunctionNode):
        def forward(self, inputs):
            return (np.sum(inputs[0]),)

    (y,) = Total().apply((Variable(np.ones(3)),))
    assert isinstance(y.array, np.ndarray) and y.shape == ()


def test_first_and_second_order_of_a_user_function_node(rng, gradcheck):
    """A FunctionNode whose backward uses gradkit ops is differentiable twice."""
    gradcheck(lambda x: Square().apply((x,))[0], [rng.standard_normal((2, 3))])
    gradcheck(lambda x: ExpNode().apply((x,))[0], [rng.standard_normal((2, 3))])


def test_the_suite_checker_catches_a_wrong_backward(gradcheck):
    """Sanity check of this suite's checker: a 1e-4 relative error in a gradient fails it,
    and so does a backward on raw arrays (no second-order gradient)."""

    class SlightlyWrong(Square):
        def backward(self, target_input_indexes, grad_outputs):
            return (super().backward(target_input_indexes, grad_outputs)[0] * 1.0001,)

    class ArrayBackward(Square):
        def backward(self, target_input_indexes, grad_outputs):
            (x,) = self.get_retained_inputs()
            return (grad_outputs[0] * (2.0 * x.array),)

    x = np.array([1.0, 2.0])
    with pytest.raises(AssertionError, match="first-order"):
        gradcheck(lambda v: SlightlyWrong().apply((v,))[0], [x])
    with pytest.raises(AssertionError, match="second-order"):
        gradcheck(lambda v: ArrayBackward().apply((v,))[0], [x])


# --------------------------------------------------------------------------- retention


def test_nothing_is_retained_unless_asked():
    """A node that did not call retain_* keeps no input or output array."""
    x = Variable(np.array([1.0, 2.0]))
    node = Double()
    (y,) = node.apply((x,))
    assert node.inputs[0].data is None
    assert x.node.data is None
    assert y.node.data is None
    with pytest.raises(gradkit.GradkitError, match=r"Double\.get_retained_inputs"):
        node.get_retained_inputs()
    with pytest.raises(gradkit.GradkitError, match=r"Double\.get_retained_outputs"):
        node.get_retained_outputs()


def test_retain_inputs_keeps_only_the_listed_inputs():
    """retain_inputs((1,)) keeps input 1's array, not input 0's."""

    class KeepSecond(FunctionNode):
        def forward(self, inputs):
            self.retain_inputs((1,))
            return (inputs[0] * inputs[1],)

    a = np.array([1.0, 2.0])
    b = np.array([3.0, 4.0])
    node = KeepSecond()
    node.apply((Variable(a), Variable(b)))
    assert node.inputs[0].data is None
    assert node.inputs[1].data is b
    (kept,) = node.get_retained_inputs()
    assert isinstance(kept, Variable)
    np.testing.assert_array_equal(kept.array, b)


def test_get_retained_inputs_returns_the_live_variable():
    """While the input Variable is alive, get_retained_inputs returns that Variable itself
    (so higher-order gradients reach it)."""
    x = Variable(np.array([1.0, 2.0]))
    node = Square()
    node.apply((x,))
    assert node.get_retained_inputs()[0] is x


def test_retained_input_survives_the_input_variable():
    """A retained input is still available to backward after its Variable is deleted."""
    node = Square()
    (y,) = node.apply((Variable(np.array([1.0, 2.0])),))
    (kept,) = node.get_retained_inputs()
    assert y.creator is node
    np.testing.assert_array_equal(kept.array, [1.0, 2.0])


def test_retain_outputs():
    """retain_outputs((0,)) makes the output available to backward, even after the output
    Variable is gone (first and second order)."""
    x = Variable(np.array([0.0, 1.0]))
    node = ExpNode()
    (y,) = node.apply((x,))
    z = (y * 1.0).sum()
    (kept,) = node.get_retained_outputs()
    np.testing.assert_allclose(kept.array, np.exp([0.0, 1.0]))
    del y, kept
    (gx,) = gradkit.grad([z], [x], enable_double_backprop=True)
    np.testing.assert_allclose(gx.array, np.exp([0.0, 1.0]))
    (ggx,) = gradkit.grad([gx.sum()], [x])
    np.testing.assert_allclose(ggx.array, np.exp([0.0, 1.0]))


def test_backward_using_an_unretained_input_names_the_fix():
    """A backward that reads an input it did not retain fails with a message naming the
    node and retain_inputs (a gradkit error, not an AttributeError)."""

    class Forgetful(FunctionNode):
        def forward(self, inputs):
            return (inputs[0] ** 2,)

        def backward(self, target_input_indexes, grad_outputs):
            (x,) = self.get_retained_inputs()
            return (2.0 * x * grad_outputs[0],)

    (y,) = Forgetful().apply((Variable(np.array([1.0, 2.0])),))
    with pytest.raises(gradkit.GradkitError, match=r"Forgetful.*retain_inputs"):
        y.sum().backward()


# --------------------------------------------------------------------------- several outputs


def test_unused_output_receives_zero_gradient():
    """Only one output used: the other's gradient reaches backward as zeros of its shape
    and dtype."""
    a = Variable(np.array([1.0, 2.0]))
    b = Variable(np.array([3.0, 4.0]))
    node = SumAndProduct()
    s, _ = node.apply((a, b))
    s.sum().backward()
    np.testing.assert_array_equal(node.received[0], [1.0, 1.0])
    np.testing.assert_array_equal(node.received[1], [0.0, 0.0])
    assert node.received[1].dtype == np.float64
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])


def test_deleted_output_receives_zero_gradient():
    """An output whose Variable was deleted also contributes zeros."""
    a = Variable(np.array([1.0, 2.0]))
    b = Variable(np.array([3.0, 4.0]))
    node = SumAndProduct()
    s, p = node.apply((a, b))
    del s
    p.sum().backward()
    np.testing.assert_array_equal(node.received[0], [0.0, 0.0])
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])


def test_both_outputs_used():
    """Both outputs used: gradients from both arrive and add up."""
    a = Variable(np.array([1.0, 2.0]))
    b = Variable(np.array([3.0, 4.0]))
    s, p = SumAndProduct().apply((a, b))
    (s * p).sum().backward()  # d/da (a+b)ab = 2ab + b^2
    np.testing.assert_allclose(a.grad, 2 * a.array * b.array + b.array**2)


def test_target_input_indexes_lists_only_inputs_that_need_a_gradient():
    """backward is asked only for inputs that require a gradient."""
    a = Variable(np.array([1.0, 2.0]))
    b = Variable(np.array([3.0, 4.0]), requires_grad=False)
    node = SumAndProduct()
    _, p = node.apply((a, b))
    p.sum().backward()
    assert node.targets == (0,)
    assert b.grad is None


def test_backward_may_return_one_gradient_per_input():
    """Returning a gradient for every input (not only the targets) is accepted."""

    class AllInputs(FunctionNode):
        def forward(self, inputs):
            return (inputs[0] + inputs[1],)

        def backward(self, target_input_indexes, grad_outputs):
            return grad_outputs[0], grad_outputs[0]

    a = Variable(np.array([1.0]))
    b = Variable(np.array([2.0]), requires_grad=False)
    AllInputs().apply((a, b))[0].sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0])
    assert b.grad is None


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("result", "match"),
    [
        (lambda x: x * 2, r"Bad\.forward returned .*ndarray.*tuple of arrays.*`return y,`"),
        (lambda x: None, r"Bad\.forward returned .*NoneType.*tuple of arrays"),
        (lambda x: (2.0,), r"Bad.forward returned a float as output 0"),
        (lambda x: (x, "y"), r"Bad.forward returned a str as output 1"),
        (lambda x: (Variable(x),), r"Bad.forward returned a Variable as output 0.*y.array"),
    ],
    ids=["bare-array", "none", "float", "str", "variable"],
)
def test_forward_that_does_not_return_a_tuple_of_arrays(result, match):
    """ForwardResultError names the Function, what it returned and which output."""

    class Bad(FunctionNode):
        def forward(self, inputs):
            return result(inputs[0])

    with pytest.raises(gradkit.ForwardResultError, match=match):
        Bad().apply((Variable(np.ones(2)),))


def test_forward_returning_a_list_is_accepted():
    """A list of arrays is taken as a tuple."""

    class ListForward(FunctionNode):
        def forward(self, inputs):
            return [inputs[0] * 2]

    (y,) = ListForward().apply((Variable(np.ones(2)),))
    np.testing.assert_array_equal(y.array, [2.0, 2.0])


@pytest.mark.parametrize("order", ["cpu-strict", "strict-cpu"])
def test_inputs_on_two_devices(order, strict):
    """Inputs on cpu and strict: DeviceMismatchError naming the Function, the index of the
    stray input and both devices."""
    cpu_x = Variable(np.ones(2))
    strict_x = Variable(np.ones(2)).to_device("strict")
    inputs = (cpu_x, strict_x) if order == "cpu-strict" else (strict_x, cpu_x)
    with pytest.raises(gradkit.DeviceMismatchError) as info:
        SumAndProduct().apply(inputs)
    message = str(info.value)
    assert "SumAndProduct" in message
    assert "input 1" in message
    assert "cpu" in message and "strict" in message


def test_operator_on_two_devices_names_the_op(strict):
    """``cpu_var + strict_var``: DeviceMismatchError naming Add and both devices."""
    with pytest.raises(gradkit.DeviceMismatchError, match=r"Add.*input 1.*strict.*cpu"):
        Variable(np.ones(2)) + Variable(np.ones(2)).to_device("strict")


def test_raw_strict_array_with_a_cpu_variable(strict):
    """A raw strict array next to a CPU Variable is a device mismatch too."""
    with pytest.raises(gradkit.DeviceMismatchError, match="SumAndProduct"):
        SumAndProduct().apply((Variable(np.ones(2)), strict.send(np.ones(2))))


@pytest.mark.parametrize("bad", [1.0, [1.0, 2.0], "x"], ids=["float", "list", "str"])
def test_input_that_is_not_an_array(bad):
    """A non-array input: TypeError naming the Function, the input index and the type."""
    with pytest.raises(TypeError, match=rf"Double: input 1 is a {type(bad).__name__}"):
        Double().apply((Variable(np.ones(2)), bad))


class ReturnsTwo(FunctionNode):
    def forward(self, inputs):
        return (inputs[0] * 2,)

    def backward(self, target_input_indexes, grad_outputs):
        return grad_outputs[0], grad_outputs[0]


def test_backward_returning_too_many_gradients():
    """Two gradients for one input: BackwardResultError naming the node and both counts."""
    (y,) = ReturnsTwo().apply((Variable(np.ones(2)),))
    with pytest.raises(gradkit.BackwardResultError, match=r"ReturnsTwo.*returned 2.*1 input"):
        y.sum().backward()


@pytest.mark.parametrize(
    ("gradient", "match"),
    [
        (lambda g: g[:1], r"Bad.backward.*shape \(1,\) for input 0, whose shape is \(2,\)"),
        (
            lambda g: Variable(g.array.astype(np.float32)),
            r"Bad.backward.*dtype float32 for input 0, whose dtype is float64",
        ),
        (lambda g: 1.0, r"Bad.backward returned a float as the gradient of input 0"),
        (lambda g: g, r"Bad.backward returned a Variable; it must return a tuple"),
    ],
    ids=["shape", "dtype", "float", "not-a-tuple"],
)
def test_backward_returning_a_bad_gradient(gradient, match):
    """Each bad backward result is a BackwardResultError naming the node and the input."""

    class Bad(FunctionNode):
        def forward(self, inputs):
            return (inputs[0] * 2,)

        def backward(self, target_input_indexes, grad_outputs):
            g = gradient(grad_outputs[0])
            return g if isinstance(g, Variable) and match.endswith("tuple") else (g,)

    (y,) = Bad().apply((Variable(np.ones(2)),))
    with pytest.raises(gradkit.BackwardResultError, match=match):
        y.sum().backward()


def test_backward_gradient_on_the_wrong_device():
    """A FunctionNode gradient on strict for a CPU input: BackwardResultError naming the node,
    the input index and both devices."""

    class Moves(FunctionNode):
        def forward(self, inputs):
            return (inputs[0] * 2,)

        def backward(self, target_input_indexes, grad_outputs):
            return (gradkit.get_device("strict").send(grad_outputs[0].array),)

    (y,) = Moves().apply((Variable(np.ones(2)),))
    with pytest.raises(gradkit.BackwardResultError) as info:
        y.sum().backward()
    message = str(info.value)
    assert "Moves" in message and "input 0" in message
    assert "cpu" in message and "strict" in message


def test_missing_backward_names_the_node():
    """A node without backward says it cannot be differentiated."""

    class ForwardOnly(FunctionNode):
        def forward(self, inputs):
            return (inputs[0] * 2,)

    (y,) = ForwardOnly().apply((Variable(np.ones(2)),))
    with pytest.raises(NotImplementedError, match="ForwardOnly"):
        y.sum().backward()


def test_label_names_the_node_in_errors():
    """A custom label is used in error messages."""

    class Labelled(ReturnsTwo):
        @property
        def label(self):
            return "my_op"

    (y,) = Labelled().apply((Variable(np.ones(2)),))
    with pytest.raises(gradkit.BackwardResultError, match=r"my_op\.backward"):
        y.sum().backward()


def test_applying_one_node_twice_is_an_error_or_correct():
    """A second apply of the same node either raises, or leaves both graphs correct."""
    node = Square()
    x = Variable(np.array([1.0, 2.0]))
    z = Variable(np.array([5.0, 6.0]))
    (y1,) = node.apply((x,))
    try:
        node.apply((z,))
    except (gradkit.GradkitError, RuntimeError, ValueError):
        return
    y1.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    assert z.grad is None


class ValuesAndOrder(FunctionNode):
    """Two outputs: ``2 x`` (float) and ``argsort(x)`` (integer, no gradient)."""

    def forward(self, inputs):
        (x,) = inputs
        return x * 2, np.argsort(x)

    def backward(self, target_input_indexes, grad_outputs):
        return (grad_outputs[0] * 2.0,)


def test_integer_output_of_a_recorded_op_needs_no_gradient():
    """Integer outputs never require a gradient, and combine with floats like integer
    leaves do."""
    x = Variable(np.array([1.0, 3.0, 2.0]))
    values, order = ValuesAndOrder().apply((x,))
    assert values.requires_grad
    assert not order.requires_grad
    (values.sum() + (order * x).sum()).backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 3.0])
