"""Variable: data, gradient, metadata, graph links, devices and Python protocols."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import Variable


def test_array_and_data_are_the_same_array():
    """``.array`` and ``.data`` are the wrapped array itself (no copy)."""
    a = np.arange(6.0).reshape(2, 3)
    x = Variable(a)
    assert x.array is a
    assert x.data is a
    b = np.zeros((2, 3))
    x.array = b
    assert x.data is b


def test_array_setter_rejects_non_arrays():
    """Assigning a list to ``.array`` is a TypeError."""
    with pytest.raises(TypeError, match="array"):
        Variable(np.ones(2)).array = [1.0, 2.0]


def test_metadata(rng):
    """shape, ndim, size, dtype, device, name and T describe the array."""
    a = rng.standard_normal((2, 3)).astype(np.float32)
    x = Variable(a, name="x")
    assert x.shape == (2, 3)
    assert x.ndim == 2
    assert x.size == 6 and isinstance(x.size, int)
    assert x.dtype == np.float32
    assert x.device == gradkit.get_device("cpu")
    assert x.device == "cpu"
    assert x.name == "x"
    assert isinstance(x.T, Variable)
    np.testing.assert_array_equal(x.T.array, a.T)


def test_new_variable_is_a_leaf_without_grad():
    """A new Variable has no creator and no gradient."""
    x = Variable(np.ones(3))
    assert x.creator is None
    assert x.grad is None and x.grad_var is None


def test_creator_of_a_computed_variable():
    """A computed Variable's creator is the FunctionNode that produced it."""
    x = Variable(np.ones(3))
    y = x * 2.0
    assert isinstance(y.creator, gradkit.FunctionNode)
    assert y.creator.label == "MulConstant"


@pytest.mark.parametrize(
    ("dtype", "expected"), [(np.float32, True), (np.float64, True), (np.int64, False)]
)
def test_requires_grad_defaults(dtype, expected):
    """Floating variables require a gradient by default; integer ones never do."""
    assert Variable(np.zeros(2, dtype=dtype)).requires_grad is expected


def test_integer_variable_cannot_require_grad():
    """``requires_grad=True`` on an integer array is a TypeError naming the dtype."""
    with pytest.raises(TypeError, match="int64"):
        Variable(np.arange(3), requires_grad=True)
    x = Variable(np.arange(3))
    with pytest.raises(TypeError, match="int64"):
        x.requires_grad = True


def test_requires_grad_setter():
    """Turning requires_grad off excludes the variable from backprop."""
    x = Variable(np.ones(2))
    x.requires_grad = False
    assert not x.requires_grad
    w = Variable(np.ones(2))
    (x * w).sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


@pytest.mark.parametrize(
    ("data", "match"),
    [([1.0, 2.0], "list"), (3.0, "float"), ("abc", "str")],
    ids=["list", "float", "str"],
)
def test_constructor_rejects_non_arrays(data, match):
    """Variable(list/float/str) is a TypeError that names the type and shows a fix."""
    with pytest.raises(TypeError, match=rf"got {match}.*np\.asarray"):
        Variable(data)


def test_constructor_rejects_a_variable():
    """Variable(Variable) is a TypeError explaining what to do instead."""
    with pytest.raises(TypeError, match="not a Variable"):
        Variable(Variable(np.ones(2)))


def test_constructor_accepts_numpy_scalars():
    """A NumPy scalar becomes a 0-d array."""
    x = Variable(np.float64(2.5))
    assert isinstance(x.array, np.ndarray) and x.shape == ()


# --------------------------------------------------------------------------- gradient


def test_grad_and_grad_var():
    """Setting ``.grad`` to an array makes ``.grad_var`` a Variable around it."""
    x = Variable(np.ones(3))
    g = np.array([1.0, 2.0, 3.0])
    x.grad = g
    assert x.grad is g
    assert isinstance(x.grad_var, Variable)
    assert x.grad_var.array is g
    x.grad = None
    assert x.grad_var is None


def test_grad_var_setter():
    """Setting ``.grad_var`` sets ``.grad`` to its array."""
    x = Variable(np.ones(3))
    x.grad_var = Variable(np.full(3, 2.0))
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


@pytest.mark.parametrize(
    ("grad", "match"),
    [
        (np.ones(4), r"shape \(4,\).*shape \(3,\)"),
        (np.ones(3, dtype=np.float32), r"dtype float32.*dtype float64"),
    ],
    ids=["shape", "dtype"],
)
def test_grad_of_the_wrong_shape_or_dtype_is_rejected(grad, match):
    """A gradient that does not fit: ValueError naming the variable, expected and actual."""
    x = Variable(np.ones(3), name="w")
    with pytest.raises(ValueError, match=match) as info:
        x.grad = grad
    assert "'w'" in str(info.value)


def test_grad_must_be_an_array():
    """A list as a gradient is a TypeError."""
    with pytest.raises(TypeError):
        Variable(np.ones(3)).grad = [1.0, 1.0, 1.0]


@pytest.mark.parametrize("where", ["cpu-grad-on-strict", "strict-grad-on-cpu"])
def test_grad_on_the_wrong_device_is_rejected_naming_the_devices(where, strict):
    """A gradient on another device: ValueError naming both devices (by gradkit's names)."""
    x = Variable(np.ones(3))
    g = strict.send(np.ones(3))
    if where == "cpu-grad-on-strict":
        x.to_device("strict")
        g = np.ones(3)
    with pytest.raises(ValueError) as info:
        x.grad = g
    message = str(info.value)
    assert "device" in message and "strict" in message and "cpu" in message
    assert x.grad is None


def test_cleargrad():
    """cleargrad() forgets the gradient."""
    x = Variable(np.ones(3))
    x.grad = np.ones(3)
    x.cleargrad()
    assert x.grad is None and x.grad_var is None


# --------------------------------------------------------------------------- graph links


def test_unchain_cuts_the_creator():
    """unchain() makes a computed variable a leaf-like end of the graph."""
    x = Variable(np.ones(3))
    y = x * 2.0
    y.unchain()
    assert y.creator is None


def test_unchain_backward_cuts_everything_upstream():
    """unchain_backward() cuts every link upstream, not only the last one."""
    x = Variable(np.ones(3))
    h = x * 2.0
    k = h * 3.0
    y = k.sum()
    y.unchain_backward()
    assert y.creator is None and k.creator is None and h.creator is None


def test_unchain_on_a_leaf_is_harmless():
    """unchain() and unchain_backward() on a leaf do nothing."""
    x = Variable(np.ones(3))
    x.unchain()
    x.unchain_backward()
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


# --------------------------------------------------------------------------- devices


def test_to_device_moves_in_place_and_returns_self(strict):
    """to_device('strict') moves the array (and the gradient) and returns the variable."""
    x = Variable(np.arange(3.0))
    x.grad = np.ones(3)
    assert x.to_device("strict") is x
    assert x.device == strict
    assert gradkit.get_device_from_array(x.array) == strict
    assert gradkit.get_device_from_array(x.grad) == strict
    x.to_device("cpu")
    assert type(x.array) is np.ndarray
    np.testing.assert_array_equal(x.array, [0.0, 1.0, 2.0])


def test_to_device_accepts_a_device_object(strict):
    """to_device takes a Device as well as a name."""
    assert Variable(np.ones(2)).to_device(strict).device == strict


def test_to_device_of_a_computed_variable_is_an_error():
    """Moving a computed variable would mix devices in its graph: GraphError naming its
    creator."""
    y = Variable(np.ones(2)) * 2.0
    with pytest.raises(gradkit.GraphError, match="MulConstant"):
        y.to_device("strict")


def test_to_device_after_the_graph_was_built(strict):
    """A leaf moved after its graph was built never receives a gradient on another device
    (either the old graph no longer feeds it, or an error says why)."""
    x = Variable(np.ones(3))
    y = (x * 2.0).sum()
    x.to_device("strict")
    try:
        y.backward()
    except gradkit.GraphError:
        return
    assert x.grad is None or gradkit.get_device_from_array(x.grad) == strict


def test_unknown_device_is_an_error():
    """to_device('tpu') is a ValueError listing the devices."""
    with pytest.raises(ValueError, match="strict"):
        Variable(np.ones(2)).to_device("tpu")


# --------------------------------------------------------------------------- protocols


def test_item():
    """item() gives a Python scalar for a single-element variable, on any device."""
    assert Variable(np.array([2.5])).item() == 2.5
    assert isinstance(Variable(np.array(2.5)).item(), float)
    assert Variable(np.array(2.5)).to_device("strict").item() == 2.5


def test_item_of_several_elements_is_an_error():
    """item() of a (2, 3) variable: ValueError with the shape."""
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        Variable(np.ones((2, 3))).item()


def test_repr_shows_data_dtype_and_device():
    """repr shows the values, the dtype, the device and the name."""
    text = repr(Variable(np.array([1.5, 2.0], dtype=np.float32), name="w"))
    assert text.startswith("variable(")
    assert "1.5" in text and "dtype=float32" in text and "device=cpu" in text
    assert "name='w'" in text
    assert str(Variable(np.array([1.5]))) == repr(Variable(np.array([1.5])))


def test_repr_on_the_strict_device():
    """repr of a strict variable shows its values (copied explicitly) and device=strict."""
    text = repr(Variable(np.array([1.5, 2.0])).to_device("strict"))
    assert "1.5" in text and "dtype=float64" in text and "device=strict" in text


def test_len():
    """len() is the size of the first axis; a 0-d variable has no len."""
    assert len(Variable(np.ones((4, 2)))) == 4
    with pytest.raises(TypeError, match="0-d"):
        len(Variable(np.array(1.0)))


def test_bool_of_several_elements_explains_why():
    """bool() of a multi-element variable: ValueError saying it is ambiguous and what to do."""
    x = Variable(np.ones(3))
    with pytest.raises(ValueError, match=r"ambiguous.*\(3,\)|\(3,\).*ambiguous") as info:
        bool(x)
    assert "x.array" in str(info.value)
    with pytest.raises(ValueError):
        if x:
            pass


def test_bool_of_a_single_element():
    """bool() of a single-element variable is its truth value."""
    assert bool(Variable(np.array([2.0])))
    assert not bool(Variable(np.array(0.0)))


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
        lambda a, b: a == b,
        lambda a, b: a != b,
    ],
    ids=["lt", "le", "gt", "ge", "eq", "ne"],
)
def test_comparisons_are_plain_boolean_arrays(op):
    """Comparisons with a Variable, an array or a scalar give bool arrays, not Variables."""
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([2.0, 2.0, 2.0])
    x = Variable(a)
    for other in (Variable(b), b, 2.0):
        result = op(x, other)
        assert type(result) is np.ndarray and result.dtype == bool
        np.testing.assert_array_equal(result, op(a, b))


def test_comparison_on_strict_stays_on_strict(strict):
    """On the strict device a comparison gives a strict boolean array."""
    result = Variable(np.array([1.0, 3.0])).to_device("strict") > 2.0
    assert not isinstance(result, Variable)
    assert gradkit.get_device_from_array(result) == strict
    np.testing.assert_array_equal(gradkit.to_numpy(result), [False, True])


def test_variables_are_hashable_by_identity():
    """Variables work as set members and dict keys although ``==`` is elementwise."""
    x = Variable(np.ones(2))
    y = Variable(np.ones(2))
    assert len({x, y}) == 2
    assert {x: 1}[x] == 1


def test_operators_and_reflected_operators():
    """Every operator and its reflected form, with scalars and arrays, gives a Variable."""
    a = np.array([1.0, 2.0])
    x = Variable(a)
    cases = {
        "x + 1": (x + 1, a + 1),
        "1 + x": (1 + x, 1 + a),
        "x - 1": (x - 1, a - 1),
        "1 - x": (1 - x, 1 - a),
        "x * 2": (x * 2, a * 2),
        "2 * x": (2 * x, 2 * a),
        "x / 2": (x / 2, a / 2),
        "2 / x": (2 / x, 2 / a),
        "x ** 2": (x**2, a**2),
        "2 ** x": (2**x, 2**a),
        "a * x": (a * x, a * a),
        "a + x": (a + x, a + a),
        "a - x": (a - x, a - a),
        "a / x": (a / x, a / a),
        "a ** x": (a**x, a**a),
        "-x": (-x, -a),
        "abs(-x)": (abs(-x), a),
        "x @ a": (x @ a, a @ a),
        "a @ x": (a @ x, a @ a),
    }
    for label, (got, expected) in cases.items():
        assert isinstance(got, Variable), label
        np.testing.assert_allclose(got.array, expected, err_msg=label)


def test_indexing_basic_and_advanced():
    """``x[1]``, ``x[:, ::2]``, ``x[[0, 0]]`` and a boolean mask match NumPy; repeated indices
    accumulate gradients."""
    a = np.arange(6.0).reshape(2, 3)
    x = Variable(a)
    np.testing.assert_array_equal(x[1].array, a[1])
    np.testing.assert_array_equal(x[:, ::2].array, a[:, ::2])
    np.testing.assert_array_equal(x[[0, 0]].array, a[[0, 0]])
    np.testing.assert_array_equal(x[a > 2].array, a[a > 2])
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]])


@pytest.mark.parametrize(
    "op",
    [
        lambda x: x + "a",
        lambda x: x * None,
        lambda x: x - [1.0, 2.0],
        lambda x: [1.0, 2.0] + x,  # noqa: RUF005 (the reflected operator is the point)
        lambda x: x ** "a",
        lambda x: x @ 2.0,
    ],
    ids=["str", "none", "list", "reflected-list", "pow-str", "matmul-float"],
)
def test_unsupported_operand_is_a_type_error(op):
    """An operand gradkit cannot use is a TypeError, never an AttributeError."""
    with pytest.raises(TypeError):
        op(Variable(np.ones(2)))


def test_grad_var_setter_with_an_array():
    """``x.grad_var = array`` is either a TypeError pointing to ``x.grad``, or accepted as
    the gradient; never an AttributeError."""
    x = Variable(np.ones(3))
    g = np.full(3, 2.0)
    try:
        x.grad_var = g
    except TypeError as error:
        assert "grad" in str(error)
        return
    np.testing.assert_array_equal(x.grad, g)
