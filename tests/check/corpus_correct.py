"""Correct but numerically tricky ops: gradkit.check must pass every one, in every dtype.

Each :class:`Entry` builds a function (its ops defined here, forward next to backward) and
draws its inputs for a dtype from a seeded generator. Domains are where the op is
well-conditioned *in that dtype* (e.g. exp up to 20 in float32/64 but up to 10 in float16,
whose largest finite value is 65504); kinks are kept near the samples but never at them.
The bug corpus (``corpus_bugs.py``) subclasses these ops and plants one bug each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import gradkit
from gradkit import FunctionNode, Variable
from gradkit.arithmetic import broadcast_to, getitem, matmul, reshape, sum_to, transpose
from gradkit.arithmetic import sum as gsum

DTYPES = ("float64", "float32", "float16")


# ----------------------------------------------------------------------------- the ops
class Tanh(FunctionNode):
    """tanh; backward from the saved output."""

    def forward(self, inputs):
        (x,) = inputs
        self.retain_outputs((0,))
        return (gradkit.get_array_module(x).tanh(x),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        (gy,) = grad_outputs
        return (gy * (1 - y * y),)


class Sigmoid(FunctionNode):
    """The logistic function; backward from the saved output."""

    def forward(self, inputs):
        (x,) = inputs
        self.retain_outputs((0,))
        return ((np.tanh(x * 0.5) * 0.5 + 0.5).astype(x.dtype),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        (gy,) = grad_outputs
        return (gy * y * (1 - y),)


class Exp(FunctionNode):
    """exp; backward from the saved output."""

    def forward(self, inputs):
        (x,) = inputs
        self.retain_outputs((0,))
        return (np.exp(x),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * y,)


class Log(FunctionNode):
    """Natural log; backward from the saved input."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (np.log(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] / x,)


class Sqrt(FunctionNode):
    """Square root; backward from the saved output."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        return (np.sqrt(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] / (2 * y),)


class Sin(FunctionNode):
    """sin."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (np.sin(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * cos(x),)


class Cos(FunctionNode):
    """cos."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (np.cos(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (-grad_outputs[0] * sin(x),)


def sin(x: Any) -> Variable:
    """sin of a Variable."""
    return Sin().apply((x,))[0]


def cos(x: Any) -> Variable:
    """cos of a Variable."""
    return Cos().apply((x,))[0]


class Cube(FunctionNode):
    """x**3."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (inputs[0] ** 3,)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (3 * x * x * grad_outputs[0],)


class Relu(FunctionNode):
    """max(x, 0); the mask comes from the saved output."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        return (np.maximum(inputs[0], 0),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (y.array > 0).astype(y.dtype),)


class Abs(FunctionNode):
    """|x|."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (np.abs(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * np.sign(x.array),)


class Softplus(FunctionNode):
    """log(1 + exp(x)), computed stably; its gradient is the sigmoid."""

    def forward(self, inputs):
        (x,) = inputs
        self.retain_inputs((0,))
        return ((np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * Sigmoid().apply((x,))[0],)


class Softmax(FunctionNode):
    """softmax over ``axis``."""

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, inputs):
        (x,) = inputs
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        self.retain_outputs((0,))
        return (e / e.sum(axis=self.axis, keepdims=True),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        (gy,) = grad_outputs
        gyy = gy * y
        return (gyy - y * broadcast_to(gsum(gyy, self.axis, keepdims=True), y.shape),)


class LogSoftmax(FunctionNode):
    """log(softmax(x)) over ``axis``."""

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, inputs):
        (x,) = inputs
        m = x.max(axis=self.axis, keepdims=True)
        lse = m + np.log(np.exp(x - m).sum(axis=self.axis, keepdims=True))
        self.retain_outputs((0,))
        return ((x - lse).astype(x.dtype),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        (gy,) = grad_outputs
        total = broadcast_to(gsum(gy, self.axis, keepdims=True), y.shape)
        return (gy - Exp().apply((y,))[0] * total,)


class LogSumExp(FunctionNode):
    """log(sum(exp(x), axis))."""

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, inputs):
        (x,) = inputs
        m = x.max(axis=self.axis, keepdims=True)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        out = np.squeeze(m, self.axis) + np.log(np.exp(x - m).sum(axis=self.axis))
        return (np.asarray(out, dtype=x.dtype),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        shape = list(x.shape)
        shape[self.axis] = 1
        y_b = broadcast_to(reshape(y, tuple(shape)), x.shape)
        gy_b = broadcast_to(reshape(grad_outputs[0], tuple(shape)), x.shape)
        return (gy_b * Exp().apply((x - y_b,))[0],)


class MaxAxis(FunctionNode):
    """max over ``axis``; the gradient goes to the maximum."""

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, inputs):
        (x,) = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return (np.asarray(x.max(axis=self.axis)),)

    def route(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The 0/1 mask of the elements that receive the gradient."""
        return (x == np.expand_dims(y, self.axis)).astype(x.dtype)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        shape = list(x.shape)
        shape[self.axis] = 1
        gy = broadcast_to(reshape(grad_outputs[0], tuple(shape)), x.shape)
        return (gy * self.route(x.array, y.array),)


class Maximum(FunctionNode):
    """Element-wise maximum of two arrays."""

    def forward(self, inputs):
        x, y = inputs
        self.mask = (x >= y).astype(x.dtype)
        return (np.maximum(x, y),)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        return (gy * self.mask, gy * (1 - self.mask))


class Mean(FunctionNode):
    """Mean over ``axis``."""

    def __init__(self, axis: int | None = None) -> None:
        self.axis = axis

    def forward(self, inputs):
        (x,) = inputs
        self.in_shape = x.shape
        return (np.asarray(x.mean(axis=self.axis), dtype=x.dtype),)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        n = int(np.prod(self.in_shape)) if self.axis is None else self.in_shape[self.axis]
        shape = [1] * len(self.in_shape) if self.axis is None else list(self.in_shape)
        if self.axis is not None:
            shape[self.axis] = 1
        return (broadcast_to(reshape(gy, tuple(shape)), self.in_shape) / n,)


class Cumsum(FunctionNode):
    """Cumulative sum along the last axis (``reverse``: from the end)."""

    def __init__(self, reverse: bool = False) -> None:
        self.reverse = reverse

    def forward(self, inputs):
        (x,) = inputs
        if self.reverse:
            return (np.flip(np.cumsum(np.flip(x, -1), axis=-1), -1).copy(),)
        return (np.cumsum(x, axis=-1),)

    def backward(self, target_input_indexes, grad_outputs):
        return (Cumsum(not self.reverse).apply((grad_outputs[0],))[0],)


class SinCos(FunctionNode):
    """Two outputs: sin(x) and cos(x)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        (x,) = inputs
        return np.sin(x), np.cos(x)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        gs, gc = grad_outputs
        return (gs * cos(x) - gc * sin(x),)


class MovingAverage(FunctionNode):
    """3-tap moving average along the last axis with zero padding ('same' length)."""

    def forward(self, inputs):
        (x,) = inputs
        p = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 1)])
        return (((p[..., :-2] + p[..., 1:-1] + p[..., 2:]) / 3).astype(x.dtype),)

    def backward(self, target_input_indexes, grad_outputs):
        # The adjoint of a symmetric 'same' convolution is the same convolution.
        return (MovingAverage().apply((grad_outputs[0],))[0],)


class Take(FunctionNode):
    """x[indices] along axis 0 with an integer index input."""

    def forward(self, inputs):
        x, idx = inputs
        self.in_shape = x.shape
        self.retain_inputs((1,))
        return (x[idx],)

    def backward(self, target_input_indexes, grad_outputs):
        (idx,) = self.get_retained_inputs()
        gx = gradkit.backend.scatter_add(
            np.zeros(self.in_shape, dtype=grad_outputs[0].dtype),
            (idx.array,),
            grad_outputs[0].array,
        )
        return gx, None


class SumSquares(FunctionNode):
    """sum(x**2) over all elements."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        (x,) = inputs
        return (np.asarray(np.sum(x * x), dtype=x.dtype),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (2 * x * broadcast_to(grad_outputs[0], x.shape),)


class LinearFunction(gradkit.Function):
    """The classic API: x @ W + b."""

    def forward(self, inputs):
        x, W, b = inputs
        return (x @ W + b,)

    def backward(self, inputs, grad_outputs):
        x, W, _b = inputs
        (gy,) = grad_outputs
        return gy @ W.T, x.T @ gy, gy.sum(axis=0)


class SigmoidFunction(gradkit.Function):
    """The classic API: the logistic function."""

    def forward(self, inputs):
        (x,) = inputs
        self.y = (np.tanh(x * 0.5) * 0.5 + 0.5).astype(x.dtype)
        return (self.y,)

    def backward(self, inputs, grad_outputs):
        return (grad_outputs[0] * self.y * (1 - self.y),)


# ----------------------------------------------------------------------------- entries
@dataclass(frozen=True)
class Entry:
    """One function of the corpus.

    Attributes:
        name: the id.
        make: builds the checked function, given the parameters (if any).
        inputs: ``inputs(rng, dtype) -> arrays``.
        params: ``params(rng, dtype) -> Parameters`` used by the function.
        dtypes: the dtypes it runs in.
        check: ``"backward"`` or ``"double_backward"``.
        devices: the devices it runs on.
        options: extra keyword options of the check.
    """

    name: str
    make: Callable[..., Callable[..., Any]]
    inputs: Callable[[np.random.Generator, str], list[Any]]
    params: Callable[[np.random.Generator, str], list[gradkit.Parameter]] | None = None
    dtypes: Sequence[str] = DTYPES
    check: str = "backward"
    devices: Sequence[str] = ("cpu",)
    options: dict[str, Any] = field(default_factory=dict)


def node(cls: type[FunctionNode], *args: Any) -> Callable[[], Callable[..., Any]]:
    """A factory of ``lambda *xs: cls(*args).apply(xs)`` (one output unwrapped)."""

    def make() -> Callable[..., Any]:
        def f(*xs: Variable) -> Any:
            outs = cls(*args).apply(xs)
            return outs[0] if len(outs) == 1 else outs

        f.__qualname__ = cls.__name__
        return f

    return make


def uniform(lo: float, hi: float, *shapes: tuple[int, ...]) -> Callable[..., list[Any]]:
    """Inputs drawn from U(lo, hi), one array per shape."""

    def gen(rng: np.random.Generator, dtype: str) -> list[Any]:
        return [rng.uniform(lo, hi, size=s).astype(dtype) for s in shapes]

    return gen


def away_from_zero(lo: float, hi: float, *shapes: tuple[int, ...]) -> Callable[..., list[Any]]:
    """Inputs with random signs and |x| in [lo, hi] (a kink at 0, near but not at samples)."""

    def gen(rng: np.random.Generator, dtype: str) -> list[Any]:
        out = []
        for s in shapes:
            sign = rng.choice([-1.0, 1.0], size=s)
            out.append((sign * rng.uniform(lo, hi, size=s)).astype(dtype))
        return out

    return gen


def distinct(shape: tuple[int, ...], gap: float = 0.1) -> Callable[..., list[Any]]:
    """Values with gaps of at least ``gap`` between any two (no ties for max), shuffled."""

    def gen(rng: np.random.Generator, dtype: str) -> list[Any]:
        n = int(np.prod(shape))
        values = (np.arange(n) - n / 2) * gap + rng.uniform(0, gap / 4)
        return [rng.permutation(values).reshape(shape).astype(dtype)]

    return gen


def exp_inputs(rng: np.random.Generator, dtype: str) -> list[Any]:
    """exp up to 20 (up to 10 in float16, whose largest value is 65504)."""
    hi = 10.0 if dtype == "float16" else 20.0
    return [rng.uniform(-hi, hi, size=(3, 4)).astype(dtype)]


def maximum_inputs(rng: np.random.Generator, dtype: str) -> list[Any]:
    """Two arrays that differ by at least 0.05 everywhere (the kink of maximum)."""
    x = rng.uniform(-1, 1, size=(3, 4))
    y = x + rng.choice([-1.0, 1.0], size=(3, 4)) * rng.uniform(0.05, 1, size=(3, 4))
    return [x.astype(dtype), y.astype(dtype)]


def take_inputs(rng: np.random.Generator, dtype: str) -> list[Any]:
    """A float table and integer row indices (with repeats)."""
    return [rng.uniform(-1, 1, size=(5, 3)).astype(dtype), rng.integers(0, 5, size=(7,))]


def linear_inputs(rng: np.random.Generator, dtype: str) -> list[Any]:
    """x (4, 3), W (3, 2), b (2,)."""
    return uniform(-1, 1, (4, 3), (3, 2), (2,))(rng, dtype)


def weight(shape: tuple[int, ...]) -> Callable[..., list[gradkit.Parameter]]:
    """One Parameter of ``shape`` drawn from U(-1, 1)."""

    def gen(rng: np.random.Generator, dtype: str) -> list[gradkit.Parameter]:
        return [gradkit.Parameter(rng.uniform(-1, 1, size=shape).astype(dtype), name="W")]

    return gen


def _with_param(W: gradkit.Parameter) -> Callable[..., Any]:
    def f(x: Variable) -> Variable:
        return Tanh().apply((matmul(x, W),))[0]

    return f


def _mlp() -> Callable[..., Any]:
    def f(x: Variable, W: Variable, b: Variable) -> Variable:
        return Tanh().apply((matmul(x, W) + b,))[0]

    return f


def _engine(fn: Callable[..., Any]) -> Callable[[], Callable[..., Any]]:
    return lambda: fn


ENTRIES: list[Entry] = [
    Entry("tanh", node(Tanh), uniform(-3, 3, (3, 4)), devices=("cpu", "strict")),
    Entry("sigmoid", node(Sigmoid), uniform(-6, 6, (3, 4))),
    Entry("exp-up-to-20", node(Exp), exp_inputs),
    Entry("log-near-small-positives", node(Log), uniform(1e-3, 1e-2, (3, 4))),
    Entry("sqrt-near-small-positives", node(Sqrt), uniform(1e-4, 1e-2, (3, 4))),
    Entry("sin-large-arguments", node(Sin), uniform(-50, 50, (3, 4))),
    Entry("cube", node(Cube), uniform(-3, 3, (2, 3))),
    Entry("relu-near-kink", node(Relu), away_from_zero(1e-3, 1e-2, (3, 4))),
    Entry("abs-near-kink", node(Abs), away_from_zero(1e-3, 1.0, (3, 4))),
    Entry("softplus", node(Softplus), uniform(-8, 8, (3, 4))),
    Entry("softmax", node(Softmax, -1), uniform(-3, 3, (3, 4))),
    Entry("softmax-axis0", node(Softmax, 0), uniform(-3, 3, (4, 3))),
    Entry("log-softmax", node(LogSoftmax, -1), uniform(-3, 3, (3, 4))),
    Entry("logsumexp", node(LogSumExp, -1), uniform(-5, 5, (3, 4))),
    Entry("max-axis", node(MaxAxis, -1), distinct((3, 4))),
    Entry("maximum-near-kink", node(Maximum), maximum_inputs),
    Entry("mean-axis", node(Mean, 1), uniform(-1, 1, (3, 4))),
    Entry("large-sum", _engine(lambda x: gsum(x)), uniform(-1, 1, (100, 100))),
    Entry("large-sum-squares", node(SumSquares), uniform(-1, 1, (50, 40))),
    Entry("cumsum", node(Cumsum), uniform(-1, 1, (3, 5))),
    Entry("moving-average", node(MovingAverage), uniform(-1, 1, (2, 6))),
    Entry("multiple-outputs", node(SinCos), uniform(-3, 3, (3, 4))),
    Entry("view-transpose", _engine(lambda x: transpose(x)), uniform(-1, 1, (3, 4))),
    Entry(
        "view-slice",
        _engine(lambda x: getitem(x, (slice(None, None, 2), slice(1, None)))),
        uniform(-1, 1, (5, 4)),
    ),
    Entry("zero-size", node(Tanh), uniform(-1, 1, (0, 3))),
    Entry("zero-size-sum", _engine(lambda x: gsum(x, 0)), uniform(-1, 1, (0, 3))),
    Entry("0-d", node(Exp), uniform(-2, 2, ())),
    Entry("0-d-times-matrix", _engine(lambda s, x: s * x), uniform(-2, 2, (), (3, 4))),
    Entry(
        "broadcast-add",
        _engine(lambda x, b: x + b),
        uniform(-1, 1, (3, 4), (4,)),
        devices=("cpu", "strict"),
    ),
    Entry("broadcast-mul", _engine(lambda x, y: x * y), uniform(-1, 1, (3, 1), (1, 4))),
    Entry("div", _engine(lambda x, y: x / y), uniform(0.5, 2, (3, 4), (3, 4))),
    Entry("pow", _engine(lambda x, y: x**y), uniform(0.5, 2, (3, 4), (3, 4))),
    Entry("matmul", _engine(matmul), uniform(-1, 1, (8, 16), (16, 4)), devices=("cpu", "strict")),
    Entry("sum-to", _engine(lambda x: sum_to(x, (1, 4))), uniform(-1, 1, (3, 4))),
    Entry("take-int-index", node(Take), take_inputs),
    Entry("classic-linear", lambda: LinearFunction(), linear_inputs),
    Entry("classic-sigmoid", lambda: SigmoidFunction(), uniform(-4, 4, (3, 4))),
    Entry("mlp-layer", _mlp, linear_inputs),
    Entry("parameter", _with_param, uniform(-1, 1, (4, 3)), params=weight((3, 2))),
    Entry("tanh-second-order", node(Tanh), uniform(-2, 2, (3, 4)), check="double_backward"),
    Entry(
        "softmax-second-order", node(Softmax, -1), uniform(-2, 2, (2, 3)), check="double_backward"
    ),
    Entry(
        "mlp-second-order", _mlp, linear_inputs, check="double_backward", devices=("cpu", "strict")
    ),
]
