"""Elementwise engine arithmetic: values, first and second order gradients, dtypes, devices."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import Variable
from gradkit import arithmetic as ga

DEVICES = ["cpu", "strict"]


def _pos(x):
    """A positive, smooth function of ``x`` (keeps log, pow and division well defined)."""
    return x * x + 0.5


# name -> (function of Variables, same function of NumPy arrays, number of inputs)
BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / _pos(b), lambda a, b: a / _pos(b)),
    "pow": (lambda a, b: _pos(a) ** b, lambda a, b: _pos(a) ** b),
}

UNARY = {
    "neg": (lambda a: -a, np.negative),
    "abs": (abs, np.abs),
    "exp": (ga.exp, np.exp),
    "log": (lambda a: ga.log(_pos(a)), lambda a: np.log(_pos(a))),
    "add_const": (lambda a: a + 1.5, lambda a: a + 1.5),
    "radd_const": (lambda a: 1.5 + a, lambda a: 1.5 + a),
    "sub_const": (lambda a: a - 1.5, lambda a: a - 1.5),
    "rsub_const": (lambda a: 1.5 - a, lambda a: 1.5 - a),
    "mul_const": (lambda a: a * -2.5, lambda a: a * -2.5),
    "rmul_const": (lambda a: -2.5 * a, lambda a: -2.5 * a),
    "div_const": (lambda a: a / 3.0, lambda a: a / 3.0),
    "rdiv_const": (lambda a: 3.0 / _pos(a), lambda a: 3.0 / _pos(a)),
    "pow_2": (lambda a: a**2, lambda a: a**2),
    "pow_3": (lambda a: a**3, lambda a: a**3),
    "pow_half": (lambda a: _pos(a) ** 0.5, lambda a: _pos(a) ** 0.5),
    "pow_neg": (lambda a: _pos(a) ** -1.5, lambda a: _pos(a) ** -1.5),
    "rpow_const": (lambda a: 2.0**a, lambda a: 2.0**a),
    "np_scalar": (lambda a: a * np.float64(2.0) + np.float32(1.0), lambda a: a * 2.0 + 1.0),
}


def _away_from_zero(rng, shape):
    """Values in [-2, -0.5] U [0.5, 2]: no kink of abs within a finite-difference step."""
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_forward_matches_numpy(name, rng):
    """Each binary op computes what NumPy computes, broadcasting included."""
    f, ref = BINARY[name]
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3,))
    y = f(Variable(a), Variable(b))
    np.testing.assert_allclose(y.array, ref(a, b), rtol=1e-14)
    assert y.shape == (2, 3)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward_matches_numpy(name, rng):
    """Each unary op and scalar-constant form computes what NumPy computes."""
    f, ref = UNARY[name]
    a = _away_from_zero(rng, (2, 3))
    y = f(Variable(a))
    np.testing.assert_allclose(y.array, ref(a), rtol=1e-14)
    assert y.dtype == np.float64


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    ("name", "shapes"),
    [
        (name, shapes)
        for name in sorted(BINARY)
        for shapes in [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3))]
    ],
)
def test_binary_gradients(name, shapes, device, rng, gradcheck):
    """First and second order gradients of binary ops, with broadcasting, match central
    differences; the broadcast operand gets a gradient of its own shape."""
    f, _ = BINARY[name]
    arrays = [rng.standard_normal(s) for s in shapes]
    gradcheck(f, arrays, device=device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradients(name, device, rng, gradcheck):
    """First and second order gradients of unary ops and constant forms match central
    differences."""
    f, _ = UNARY[name]
    gradcheck(f, [_away_from_zero(rng, (2, 3))], device=device)


def test_same_variable_on_both_sides_accumulates(gradcheck, rng):
    """``x * x``, ``x / x`` and ``x - x`` use one variable twice (fan-out)."""
    gradcheck(lambda x: x * x + x / _pos(x) - x + x, [rng.standard_normal((3,))])
    x = Variable(np.array([1.0, 2.0]))
    (x - x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_reflected_with_numpy_array_on_the_left(name, rng):
    """``ndarray op Variable`` dispatches to Variable's reflected operator (not NumPy's
    elementwise loop), returns a Variable and backpropagates."""
    a = rng.uniform(1.0, 2.0, (2, 3))
    b = rng.uniform(1.0, 2.0, (2, 3))
    x = Variable(b)
    ops = {
        "add": (lambda p, q: p + q, lambda p: np.ones_like(p)),
        "sub": (lambda p, q: p - q, lambda p: -np.ones_like(p)),
        "mul": (lambda p, q: p * q, lambda p: a),
        "div": (lambda p, q: p / q, lambda p: -a / p**2),
    }
    op, grad = ops[name]
    y = op(a, x)
    assert isinstance(y, Variable)
    np.testing.assert_allclose(y.array, op(a, b))
    y.sum().backward()
    np.testing.assert_allclose(x.grad, grad(b))


def test_numpy_array_matmul_variable(rng):
    """``ndarray @ Variable`` is a Variable with a gradient for the Variable."""
    a = rng.standard_normal((4, 2))
    x = Variable(rng.standard_normal((2, 3)))
    y = a @ x
    assert isinstance(y, Variable)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, a.T @ np.ones((4, 3)))


def test_numpy_array_power_variable(rng):
    """``ndarray ** Variable`` differentiates with respect to the exponent."""
    a = rng.uniform(1.0, 2.0, (3,))
    x = Variable(rng.standard_normal(3))
    y = a**x
    assert isinstance(y, Variable)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, a**x.array * np.log(a))


def test_abs_gradient_is_sign(rng):
    """``abs`` backpropagates the sign of its input (0 at 0)."""
    x = Variable(np.array([-2.0, 0.0, 3.0]))
    abs(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_scalar_constants_keep_the_dtype(dtype):
    """A Python or NumPy scalar operand never promotes the Variable's dtype, and neither do
    the gradients."""
    x = Variable(np.array([1.0, 2.0], dtype=dtype))
    outs = [x + 1, 2.0 - x, x * np.float64(3.0), x / 2, 2.0 / x, x**2, x**0.5, 2.0**x, -x]
    for y in outs:
        assert y.dtype == dtype
    total = outs[0].sum()
    for y in outs[1:]:
        total = total + y.sum()
    total.backward()
    assert x.grad.dtype == dtype


def test_constant_array_is_cast_to_the_variable_dtype():
    """A plain float64 array combined with a float32 Variable is a constant cast to float32."""
    x = Variable(np.ones(3, dtype=np.float32))
    y = x * np.full(3, 2.0)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


def test_two_dtypes_that_both_need_gradients_are_an_error():
    """float32 + float64, both requiring gradients: a TypeError naming the op and both
    dtypes, not a silent promotion."""
    x = Variable(np.ones(3, dtype=np.float32))
    y = Variable(np.ones(3, dtype=np.float64))
    with pytest.raises(TypeError, match=r"add: input 0 has dtype float32 and input 1 has dtype"):
        x + y


def test_integer_variable_is_a_constant_operand():
    """An integer Variable (which never requires a gradient) multiplies a float one."""
    x = Variable(np.array([1.0, 2.0, 3.0]))
    k = Variable(np.array([2, 0, 1]))
    y = (x * k).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 1.0])
    assert k.grad is None


@pytest.mark.parametrize("device", DEVICES)
def test_backward_of_every_operator_stays_on_the_device(device, rng):
    """Forward results and gradients of every elementwise operator live on the inputs'
    device."""
    dev = gradkit.get_device(device)
    x = Variable(rng.uniform(0.5, 1.5, (2, 3))).to_device(device)
    z = Variable(rng.uniform(0.5, 1.5, (3,))).to_device(device)
    outs = [x + z, x - z, x * z, x / z, x**z, -x, abs(x), ga.exp(x), ga.log(x), 2.0**x, 1.0 - x]
    for y in outs:
        assert y.device == dev
    total = outs[0].sum()
    for y in outs[1:]:
        total = total + y.sum()
    total.backward()
    assert x.grad_var.device == dev
    assert z.grad_var.device == dev
    assert gradkit.get_device_from_array(x.grad) == dev


SCALAR_OPS = {
    "add": (lambda v, c: v + c, lambda a, c: a + c),
    "radd": (lambda v, c: c + v, lambda a, c: c + a),
    "sub": (lambda v, c: v - c, lambda a, c: a - c),
    "rsub": (lambda v, c: c - v, lambda a, c: c - a),
    "mul": (lambda v, c: v * c, lambda a, c: a * c),
    "rmul": (lambda v, c: c * v, lambda a, c: c * a),
    "div": (lambda v, c: v / c, lambda a, c: a / c),
    "rdiv": (lambda v, c: c / v, lambda a, c: c / a),
}


@pytest.mark.parametrize("backprop", [True, False], ids=["graph", "no-graph"])
@pytest.mark.parametrize("name", sorted(SCALAR_OPS))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32])
@pytest.mark.parametrize(
    "constant", [1.0001, 3, -0.1, 1e-30, 2**40, 1e39, float("inf"), 0.0, -0.0, 0]
)
def test_scalar_operands_give_numpy_results_bit_for_bit(constant, dtype, name, backprop):
    """The engine hands NumPy a cached 0-d array of the operand's dtype instead of a Python
    scalar (twice as fast on small arrays); the values, dtypes and warnings must be exactly
    NumPy's with the Python scalar, including constants outside the dtype's range."""
    op, reference = SCALAR_OPS[name]
    a = np.array([0.5, -1.5, 3.0, 7.0, -0.0]).astype(dtype)
    with np.errstate(all="ignore"):
        try:
            expected = reference(a, constant)
        except OverflowError:  # NumPy refuses, e.g. int32 + 2**40: so must the engine
            with pytest.raises(OverflowError):
                op(Variable(a), constant)
            return
        with gradkit.using_config("enable_backprop", backprop):
            for _ in range(2):  # the second time through the cache
                got = op(Variable(a), constant).array
                assert got.dtype == expected.dtype
                np.testing.assert_array_equal(got, expected)
                np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


def test_scalar_operand_cache_is_bounded():
    """Constants are cached per dtype, but a loop over many constants does not grow it."""
    from gradkit.arithmetic import elementwise

    x = Variable(np.ones(2, dtype=np.float32))
    for i in range(3 * elementwise._WEAK_SCALARS_LIMIT):
        y = x * (i + 0.5)
        assert y.array[0] == np.float32(i + 0.5)
    cache = elementwise._WEAK_SCALARS[np.dtype(np.float32)]
    assert len(cache) <= elementwise._WEAK_SCALARS_LIMIT
