"""Deliberately wrong backward implementations: gradkit.check must catch every one.

Each :class:`Bug` plants one realistic mistake, most of them in a subclass of a correct op of
``corpus_correct.py`` (so the diff between right and wrong is a few lines), and says which
sub-check must catch it and, where the evidence supports one, a fragment of the expected
diagnosis. Categories follow issue 3: sign, scale, transpose, broadcast reduction,
multi-input, batch/edge/last element, routing of max, softmax family, saved-value mix-ups,
small relative errors, wrong dtype/shape/count, mutation, nondeterminism, NaN/Inf,
second-order-only, float gradient for an integer input, zero grad_output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from corpus_correct import (
    DTYPES,
    Cos,
    Cube,
    Cumsum,
    Exp,
    Log,
    LogSoftmax,
    LogSumExp,
    MaxAxis,
    Maximum,
    Mean,
    MovingAverage,
    Sigmoid,
    Sin,
    Softmax,
    Softplus,
    Take,
    Tanh,
    cos,
    distinct,
    linear_inputs,
    maximum_inputs,
    node,
    sin,
    take_inputs,
    uniform,
)

import gradkit
from gradkit import FunctionNode, Variable
from gradkit.arithmetic import broadcast_to, matmul, reshape, transpose
from gradkit.arithmetic import sum as gsum
from gradkit.arithmetic.matmul import MatMul


@dataclass(frozen=True)
class Bug:
    """One planted bug.

    Attributes:
        name: the id.
        category: the issue's category.
        make: builds the checked function.
        inputs: ``inputs(rng, dtype) -> arrays``.
        subcheck: the sub-check that must catch it.
        diagnosis: a fragment the diagnosis must contain (``None``: not asserted).
        dtypes: the dtypes where its error exceeds the dtype's rounding.
        check: ``"backward"`` or ``"double_backward"``.
        device: where the inputs live.
        options: extra keyword options of the check.
    """

    name: str
    category: str
    make: Callable[..., Callable[..., Any]]
    inputs: Callable[[np.random.Generator, str], list[Any]]
    subcheck: str
    diagnosis: str | None = None
    dtypes: Sequence[str] = DTYPES
    check: str = "backward"
    device: str = "cpu"
    options: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- sign
class TanhSign(Tanh):
    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (-grad_outputs[0] * (1 - y * y),)


class CosMissingMinus(Cos):
    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * sin(x),)


class SubBothPlus(FunctionNode):
    """x - y whose backward forgot the minus for y."""

    def forward(self, inputs):
        x, y = inputs
        return (x - y,)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        return gy, gy


# ----------------------------------------------------------------------------- scale
class SquareHalf(FunctionNode):
    """x**2 with backward gy * x (the 2 forgotten)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (inputs[0] * inputs[0],)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * x,)


class MeanNotDivided(Mean):
    def backward(self, target_input_indexes, grad_outputs):
        shape = list(self.in_shape)
        shape[self.axis] = 1
        return (broadcast_to(reshape(grad_outputs[0], tuple(shape)), self.in_shape),)


class ExpDoubled(Exp):
    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (2 * grad_outputs[0] * y,)


class CubeWrongCoefficient(Cube):
    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (2 * x * x * grad_outputs[0],)


# ----------------------------------------------------------------------------- transpose
class TransposeNoTranspose(FunctionNode):
    """x.T whose backward returns gy itself (right shape for square x, wrong values)."""

    def forward(self, inputs):
        return (inputs[0].T,)

    def backward(self, target_input_indexes, grad_outputs):
        return (grad_outputs[0],)


class MatMulGWTransposed(MatMul):
    def backward(self, target_input_indexes, grad_outputs):
        a, b = self.get_retained_inputs()
        (gy,) = grad_outputs
        return matmul(gy, transpose(b)), transpose(matmul(transpose(a), gy))


class MatMulGXNoTranspose(MatMul):
    def backward(self, target_input_indexes, grad_outputs):
        a, b = self.get_retained_inputs()
        (gy,) = grad_outputs
        return matmul(gy, b), matmul(transpose(a), gy)


# ----------------------------------------------------------------------------- broadcast
class AddBiasNotSummed(FunctionNode):
    """x + b (b broadcast over rows) whose backward returns gy for b unsummed."""

    def forward(self, inputs):
        x, b = inputs
        return (x + b,)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        return gy, gy


class AddBiasWrongAxis(FunctionNode):
    """x + b for square x, b summed over the wrong axis (right shape, wrong values)."""

    def forward(self, inputs):
        x, b = inputs
        return (x + b,)

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        return gy, gsum(gy, 1)


class MulBroadcastKeepdims(FunctionNode):
    """x * w with w (4,): gradient of w returned as (1, 4)."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, w = inputs
        return (x * w,)

    def backward(self, target_input_indexes, grad_outputs):
        x, w = self.get_retained_inputs()
        (gy,) = grad_outputs
        return gy * w, gsum(gy * x, 0, keepdims=True)


class ScaleScalarNotReduced(FunctionNode):
    """s * x for a 0-d s whose gradient is returned with x's shape."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        s, x = inputs
        return (s * x,)

    def backward(self, target_input_indexes, grad_outputs):
        s, x = self.get_retained_inputs()
        (gy,) = grad_outputs
        return gy * x, gy * s


# ----------------------------------------------------------------------------- multi-input
class MulSwapped(FunctionNode):
    """x * w whose backward swaps the saved inputs."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        return (inputs[0] * inputs[1],)

    def backward(self, target_input_indexes, grad_outputs):
        x, w = self.get_retained_inputs()
        (gy,) = grad_outputs
        return gy * x, gy * w


class MulMissingSecond(FunctionNode):
    """x * w with no gradient for w."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        return (inputs[0] * inputs[1],)

    def backward(self, target_input_indexes, grad_outputs):
        _x, w = self.get_retained_inputs()
        return grad_outputs[0] * w, None


class DivWrongDenominator(FunctionNode):
    """x / w with gw = -gy * x / w (should be / w**2)."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        return (inputs[0] / inputs[1],)

    def backward(self, target_input_indexes, grad_outputs):
        x, w = self.get_retained_inputs()
        (gy,) = grad_outputs
        return gy / w, -gy * x / w


class LinearBiasMean(gradkit.Function):
    """x @ W + b whose bias gradient averages over the batch instead of summing."""

    def forward(self, inputs):
        x, W, b = inputs
        return (x @ W + b,)

    def backward(self, inputs, grad_outputs):
        x, W, _b = inputs
        (gy,) = grad_outputs
        return gy @ W.T, x.T @ gy, gy.mean(axis=0)


# ----------------------------------------------------------------------------- indices
class CumsumDropsLast(Cumsum):
    """Reverse cumsum in backward with an off-by-one: the last element gets nothing."""

    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        g = Cumsum(True).apply((gy,))[0].array.copy()
        g[..., -1] = 0
        return (g,)


class RowScaleSkipsFirstRow(FunctionNode):
    """Row-wise tanh whose backward loop starts at row 1: batch row 0 gets no gradient."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        return (np.tanh(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        yd, gy = y.array, grad_outputs[0].array
        g = np.zeros_like(gy)
        for i in range(1, gy.shape[0]):
            g[i] = gy[i] * (1 - yd[i] * yd[i])
        return (g,)


class MovingAverageNoPadding(MovingAverage):
    """The adjoint computed without the zero padding: wrong at the two edges."""

    def backward(self, target_input_indexes, grad_outputs):
        gy = grad_outputs[0].array
        g = gy.copy()
        g[..., 1:-1] = (gy[..., :-2] + gy[..., 1:-1] + gy[..., 2:]) / 3
        return (g,)


class TanhOneBadElement(Tanh):
    """A 'fused kernel' that writes one element of thousands wrong."""

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        g = (grad_outputs[0] * (1 - y * y)).array.copy()
        g.flat[1234] *= 3
        return (g,)


class SinLoopOffByOne(Sin):
    """An element loop ``range(n - 1)``: the last element of a large input gets no gradient."""

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        gy, xd = grad_outputs[0].array.ravel(), x.array.ravel()
        g = np.zeros_like(gy)
        n = g.size
        g[: n - 1] = gy[: n - 1] * np.cos(xd[: n - 1])
        return (g.reshape(x.shape),)


class SoftplusLastSlightlyOff(Softplus):
    """A 'fused kernel' whose last element is 1% off: directional ratios near 1 look constant."""

    def backward(self, target_input_indexes, grad_outputs):
        g = super().backward(target_input_indexes, grad_outputs)[0].array.copy()
        g.flat[-1] *= 1.01
        return (g,)


# ----------------------------------------------------------------------------- routing
class MaxRoutesToFirst(MaxAxis):
    def route(self, x, y):
        mask = np.zeros_like(x)
        mask[..., 0] = 1
        return mask


class MaxRoutesToAll(MaxAxis):
    def route(self, x, y):
        return np.ones_like(x)


class MaxRoutesToArgmin(MaxAxis):
    def route(self, x, y):
        return (x == np.expand_dims(x.min(axis=self.axis), self.axis)).astype(x.dtype)


class MaximumNoMask(Maximum):
    def backward(self, target_input_indexes, grad_outputs):
        (gy,) = grad_outputs
        return gy, gy


# ----------------------------------------------------------------------------- softmax
class SoftmaxNoSumTerm(Softmax):
    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * y,)


class SoftmaxSumWrongAxis(Softmax):
    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        gyy = grad_outputs[0] * y
        return (gyy - y * broadcast_to(gsum(gyy, 0, keepdims=True), y.shape),)


class LogSoftmaxAssumesUnitSum(LogSoftmax):
    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] - Exp().apply((y,))[0],)


class LogSumExpUnnormalized(LogSumExp):
    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        shape = list(x.shape)
        shape[self.axis] = 1
        gy = broadcast_to(reshape(grad_outputs[0], tuple(shape)), x.shape)
        return (gy * Exp().apply((x,))[0],)


# ----------------------------------------------------------------------------- saved values
class SigmoidUsesInput(FunctionNode):
    """sigmoid whose backward uses the input where the output belongs."""

    def forward(self, inputs):
        (x,) = inputs
        self.retain_inputs((0,))
        return ((np.tanh(x * 0.5) * 0.5 + 0.5).astype(x.dtype),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * x * (1 - x),)


class TanhUsesInput(FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0,))
        return (np.tanh(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * (1 - x * x),)


class LogUsesOutput(Log):
    def forward(self, inputs):
        self.retain_outputs((0,))
        return (np.log(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] / y,)


class SoftplusUsesOutput(Softplus):
    def forward(self, inputs):
        out = super().forward(inputs)
        self.retain_outputs((0,))
        return out

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * Sigmoid().apply((y,))[0],)


# ----------------------------------------------------------------------------- small errors
def scaled_sin(factor: float) -> type[FunctionNode]:
    """sin whose backward is off by a relative ``factor - 1``."""

    class SinScaled(Sin):
        def backward(self, target_input_indexes, grad_outputs):
            (x,) = self.get_retained_inputs()
            return (grad_outputs[0] * cos(x) * factor,)

    SinScaled.__name__ = f"SinScaled{factor}"
    return SinScaled


class ExpTaylor(Exp):
    """exp whose backward uses a 4th-order Taylor polynomial (relative error up to ~3e-4)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (np.exp(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        poly = 1 + x + x * x / 2 + x * x * x / 6 + x * x * x * x / 24
        return (grad_outputs[0] * poly,)


# ----------------------------------------------------------------------------- dtype, shape
class TanhGradFloat64(Tanh):
    """Gradient built with NumPy's default dtype (float64) whatever the input dtype."""

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (np.asarray((grad_outputs[0] * (1 - y * y)).array, dtype=np.float64),)


class TanhGradFloat32(Tanh):
    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return ((grad_outputs[0] * (1 - y * y)).array.astype(np.float32),)


class TanhHalfFastPath(Tanh):
    """A 'fast path' for float16 only, using the input where the output belongs."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return super().forward(inputs)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        if y.dtype == np.float16:
            (x,) = self.get_retained_inputs()
            return (grad_outputs[0] * (1 - x * x),)
        return (grad_outputs[0] * (1 - y * y),)


class TanhGradFlattened(Tanh):
    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return ((grad_outputs[0] * (1 - y * y)).array.reshape(-1),)


class TanhTwoGradients(gradkit.Function):
    """Classic Function returning a gradient too many."""

    def forward(self, inputs):
        self.y = np.tanh(inputs[0])
        return (self.y,)

    def backward(self, inputs, grad_outputs):
        g = grad_outputs[0] * (1 - self.y * self.y)
        return g, g


class MulOneGradient(gradkit.Function):
    """Classic two-input Function returning one gradient."""

    def forward(self, inputs):
        return (inputs[0] * inputs[1],)

    def backward(self, inputs, grad_outputs):
        return (grad_outputs[0] * inputs[1],)


class TanhHostGradient(Tanh):
    """Gradient created with NumPy whatever the device of the input."""

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        g = gradkit.to_numpy((grad_outputs[0] * (1 - y * y)).array)
        return (np.array(g),)


# ----------------------------------------------------------------------------- mutation
class ReluInPlaceForward(FunctionNode):
    """relu computed in place on its input."""

    def forward(self, inputs):
        (x,) = inputs
        np.maximum(x, 0, out=x)
        self.retain_outputs((0,))
        return (x.copy(),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (y.array > 0).astype(y.dtype),)


class SinGradOutputInPlace(gradkit.Function):
    """Classic Function that multiplies grad_output in place."""

    def forward(self, inputs):
        return (np.sin(inputs[0]),)

    def backward(self, inputs, grad_outputs):
        (gy,) = grad_outputs
        gy *= np.cos(inputs[0])
        return (gy,)


class TanhGradOutputInPlace(Tanh):
    """FunctionNode that scales grad_output's array in place."""

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        gy = grad_outputs[0]
        gy.array[...] = gy.array * (1 - y.array * y.array)
        return (gy,)


class SquareInputInPlace(gradkit.Function):
    """Classic Function whose backward doubles the saved input in place."""

    def forward(self, inputs):
        return (inputs[0] * inputs[0],)

    def backward(self, inputs, grad_outputs):
        (x,) = inputs
        x *= 2
        return (grad_outputs[0] * x,)


# ----------------------------------------------------------------------------- nondeterminism
def noisy_tanh(relative: float) -> type[FunctionNode]:
    """tanh whose backward adds unseeded noise of size ``relative``."""

    class TanhNoisy(Tanh):
        def backward(self, target_input_indexes, grad_outputs):
            (y,) = self.get_retained_outputs()
            g = (grad_outputs[0] * (1 - y * y)).array
            noise = np.random.default_rng().standard_normal(g.shape)
            return ((g * (1 + relative * noise)).astype(g.dtype),)

    TanhNoisy.__name__ = f"TanhNoisy{relative:g}"
    return TanhNoisy


class SoftplusNoisyFactor(Softplus):
    """Backward on Variables times an unseeded random factor. Its second-order backward (through
    Sigmoid) is deterministic: only the first-order gradient, evaluated twice, shows it."""

    def backward(self, target_input_indexes, grad_outputs):
        (g,) = super().backward(target_input_indexes, grad_outputs)
        return (g * (1 + 1e-3 * float(np.random.default_rng().standard_normal())),)


class CounterTanh(Tanh):
    """Backward depends on how many times it ran (state kept on the node)."""

    calls = 0

    def backward(self, target_input_indexes, grad_outputs):
        self.calls += 1
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 - y * y) * (1 + 0.5 * (self.calls - 1)),)


# ----------------------------------------------------------------------------- NaN / Inf
class SoftplusNaiveBackward(Softplus):
    """sigmoid as exp(x) / (1 + exp(x)): inf / inf = NaN for large x."""

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        e = np.exp(x.array)
        return (grad_outputs[0] * (e / (1 + e)),)


class SquareNaNAtZero(FunctionNode):
    """x**2 with backward 2 * x * (x / x): NaN at x == 0."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return (inputs[0] * inputs[0],)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        xd = x.array
        return (grad_outputs[0] * (2 * xd * (xd / xd)),)


# ----------------------------------------------------------------------------- second order
class SinRawArrayBackward(Sin):
    """First order right, but cos(x) computed on the raw array: no second order in x."""

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (grad_outputs[0] * np.cos(x.array),)


class SoftplusReturnsArray(Softplus):
    """First order right, but backward returns the raw array of its result: to the second
    derivative the whole gradient is a constant."""

    def backward(self, target_input_indexes, grad_outputs):
        (g,) = super().backward(target_input_indexes, grad_outputs)
        return (g.array,)


class CubeHalfConstant(Cube):
    """3 * x * const(x) * gy: first order right, second order in x halved."""

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (3 * x * Variable(x.array.copy(), requires_grad=False) * grad_outputs[0],)


class SquareGrad(FunctionNode):
    """The backward of Square as its own node, whose own backward has a sign error."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        return (2 * x * gy,)

    def backward(self, target_input_indexes, grad_outputs):
        x, gy = self.get_retained_inputs()
        (g,) = grad_outputs
        return -2 * gy * g, 2 * x * g


class SquareWithGradNode(FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0,))
        return (inputs[0] * inputs[0],)

    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return SquareGrad().apply((x, grad_outputs[0]))


# ----------------------------------------------------------------------------- int input
class TakeIndexGrad(gradkit.Function):
    """Classic gather returning a float zero gradient for the integer indices."""

    def forward(self, inputs):
        x, idx = inputs
        self.shape = x.shape
        return (x[idx],)

    def backward(self, inputs, grad_outputs):
        x, idx = inputs
        gx = np.zeros(self.shape, dtype=x.dtype)
        np.add.at(gx, idx, grad_outputs[0])
        return gx, np.zeros(idx.shape, dtype=x.dtype)


class TakeNodeIndexGrad(Take):
    """FunctionNode gather returning a float gradient for the integer indices."""

    def backward(self, target_input_indexes, grad_outputs):
        (gx, _) = super().backward(target_input_indexes, grad_outputs)
        (idx,) = self.get_retained_inputs()
        return gx, np.ones(idx.shape, dtype=grad_outputs[0].dtype)


# ----------------------------------------------------------------------------- zero grad_output
class SinIgnoresGradOutput(Sin):
    def backward(self, target_input_indexes, grad_outputs):
        (x,) = self.get_retained_inputs()
        return (cos(x),)


class TanhAddsConstant(Tanh):
    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 - y * y) + 0.1,)


# ----------------------------------------------------------------------------- inputs
def zeros_included(rng: np.random.Generator, dtype: str) -> list[Any]:
    """U(-1, 1) with two exact zeros."""
    x = rng.uniform(-1, 1, size=(3, 4))
    x[0, 1] = x[2, 3] = 0.0
    return [x.astype(dtype)]


def with_large(rng: np.random.Generator, dtype: str) -> list[Any]:
    """U(-3, 3) with one large element (where exp overflows)."""
    x = rng.uniform(-3, 3, size=(3, 4))
    x[1, 2] = 1000.0 if dtype != "float16" else 100.0
    return [x.astype(dtype)]


def engine_fn(fn: Callable[..., Any]) -> Callable[[], Callable[..., Any]]:
    """A factory returning ``fn`` itself."""
    return lambda: fn


def first_output(cls: type[FunctionNode]) -> Callable[[], Callable[..., Any]]:
    """``node(cls)``, named after the class."""
    return node(cls)


BIG = uniform(-2, 2, (64, 64))
SQUARE = uniform(-1, 1, (4, 4))

BUGS: list[Bug] = [
    # sign
    Bug("tanh-sign", "sign", node(TanhSign), uniform(-2, 2, (3, 4)), "values", "sign flip"),
    Bug(
        "cos-missing-minus",
        "sign",
        node(CosMissingMinus),
        uniform(0.2, 3, (3, 4)),
        "values",
        "sign flip",
    ),
    Bug(
        "sub-second-sign",
        "sign",
        node(SubBothPlus),
        uniform(-1, 1, (3, 4), (3, 4)),
        "values",
        "sign flip (analytic = -numeric) for input 1",
    ),
    Bug("tanh-sign-large", "sign", node(TanhSign), BIG, "values", "sign flip"),
    # scale
    Bug(
        "square-missing-2",
        "scale",
        node(SquareHalf),
        uniform(-1, 1, (3, 4)),
        "values",
        "constant scale factor 0.5",
    ),
    Bug(
        "mean-not-divided",
        "scale",
        node(MeanNotDivided, 1),
        uniform(-1, 1, (3, 4)),
        "values",
        "constant scale factor 4",
    ),
    Bug(
        "exp-doubled",
        "scale",
        node(ExpDoubled),
        uniform(-2, 2, (3, 4)),
        "values",
        "constant scale factor 2",
    ),
    Bug(
        "cube-coefficient",
        "scale",
        node(CubeWrongCoefficient),
        uniform(-2, 2, (3, 4)),
        "values",
        "constant scale factor 0.666667",
    ),
    Bug("exp-doubled-large", "scale", node(ExpDoubled), BIG, "values", "constant scale factor 2"),
    # transpose
    Bug(
        "transpose-backward",
        "transpose",
        node(TransposeNoTranspose),
        SQUARE,
        "values",
        "transposed",
    ),
    Bug(
        "matmul-gW-transposed",
        "transpose",
        node(MatMulGWTransposed),
        uniform(-1, 1, (3, 4), (4, 4)),
        "values",
        "transposed gradient for input 1",
    ),
    Bug(
        "matmul-gx-no-transpose",
        "transpose",
        node(MatMulGXNoTranspose),
        uniform(-1, 1, (4, 4), (4, 4)),
        "values",
        "only input 0",
    ),
    # broadcast reduction
    Bug(
        "bias-not-summed",
        "broadcast",
        node(AddBiasNotSummed),
        uniform(-1, 1, (3, 4), (4,)),
        "grad_shape",
        "wrong gradient shape",
    ),
    Bug(
        "bias-wrong-axis",
        "broadcast",
        node(AddBiasWrongAxis),
        uniform(-1, 1, (4, 4), (4,)),
        "values",
        "only input 1",
    ),
    Bug(
        "mul-keepdims",
        "broadcast",
        node(MulBroadcastKeepdims),
        uniform(-1, 1, (3, 4), (4,)),
        "grad_shape",
        "wrong gradient shape",
    ),
    Bug(
        "scalar-not-reduced",
        "broadcast",
        node(ScaleScalarNotReduced),
        uniform(-1, 1, (), (3, 4)),
        "grad_shape",
        "wrong gradient shape",
    ),
    # multi-input
    Bug(
        "mul-swapped",
        "multi-input",
        node(MulSwapped),
        uniform(0.5, 1.5, (3, 4), (3, 4)),
        "values",
        "received the gradient of",
    ),
    Bug(
        "mul-missing-second",
        "multi-input",
        node(MulMissingSecond),
        uniform(-1, 1, (3, 4), (3, 4)),
        "values",
        "gradient missing (zero) for input 1",
    ),
    Bug(
        "div-denominator",
        "multi-input",
        node(DivWrongDenominator),
        uniform(0.5, 2, (3, 4), (3, 4)),
        "values",
        "only input 1",
    ),
    Bug(
        "linear-bias-mean",
        "multi-input",
        lambda: LinearBiasMean(),
        linear_inputs,
        "values",
        "constant scale factor 0.25 (analytic = 0.25 x numeric) for input 2",
    ),
    # batch / edge / last element
    Bug(
        "cumsum-last",
        "indices",
        node(CumsumDropsLast),
        uniform(-1, 1, (5,)),
        "values",
        "last element",
    ),
    Bug(
        "batch-row-0",
        "indices",
        node(RowScaleSkipsFirstRow),
        uniform(-1, 1, (4, 3)),
        "values",
        "one batch row: index 0 along axis 0",
    ),
    Bug(
        "moving-average-edges",
        "indices",
        node(MovingAverageNoPadding),
        uniform(-1, 1, (6,)),
        "values",
        "edges along axis 0",
    ),
    Bug(
        "one-of-4096",
        "indices",
        node(TanhOneBadElement),
        BIG,
        "values",
        "one element (index (19, 18))",
    ),
    Bug("last-of-4096", "indices", node(SinLoopOffByOne), BIG, "values", "the last element"),
    Bug(
        "last-of-4096-1e-2",
        "indices",
        node(SoftplusLastSlightlyOff),
        BIG,
        "values",
        "error confined to the last element (index (63, 63))",
    ),
    # routing of max
    Bug("max-to-first", "routing", node(MaxRoutesToFirst, -1), distinct((3, 4)), "values"),
    Bug("max-to-all", "routing", node(MaxRoutesToAll, -1), distinct((3, 4)), "values"),
    Bug("max-to-argmin", "routing", node(MaxRoutesToArgmin, -1), distinct((3, 4)), "values"),
    Bug("maximum-no-mask", "routing", node(MaximumNoMask), maximum_inputs, "values"),
    # softmax family
    Bug(
        "softmax-no-sum-term",
        "softmax",
        node(SoftmaxNoSumTerm, -1),
        uniform(-2, 2, (3, 4)),
        "values",
    ),
    Bug(
        "softmax-sum-axis",
        "softmax",
        node(SoftmaxSumWrongAxis, -1),
        uniform(-2, 2, (3, 4)),
        "values",
    ),
    Bug(
        "log-softmax-unit-sum",
        "softmax",
        node(LogSoftmaxAssumesUnitSum, -1),
        uniform(-2, 2, (3, 4)),
        "zero_grad_output",
        "does not scale with grad_output",
    ),
    Bug(
        "logsumexp-unnormalized",
        "softmax",
        node(LogSumExpUnnormalized, -1),
        uniform(-2, 2, (3, 4)),
        "values",
    ),
    # saved-value mix-ups
    Bug("sigmoid-uses-x", "saved-values", node(SigmoidUsesInput), uniform(-3, 3, (3, 4)), "values"),
    Bug("tanh-uses-x", "saved-values", node(TanhUsesInput), uniform(-2, 2, (3, 4)), "values"),
    Bug("log-uses-y", "saved-values", node(LogUsesOutput), uniform(0.1, 0.9, (3, 4)), "values"),
    Bug(
        "softplus-uses-y",
        "saved-values",
        node(SoftplusUsesOutput),
        uniform(-3, 3, (3, 4)),
        "values",
    ),
    # small relative errors (caught in every dtype: the float64 reference carries them)
    Bug(
        "rel-error-1e-2",
        "small-error",
        node(scaled_sin(1.01)),
        uniform(-1, 1, (3, 4)),
        "values",
        "constant scale factor 1.01",
    ),
    Bug(
        "rel-error-1e-3",
        "small-error",
        node(scaled_sin(1.001)),
        uniform(-1, 1, (3, 4)),
        "values",
        "constant scale factor 1.001",
    ),
    Bug(
        "rel-error-1e-4",
        "small-error",
        node(scaled_sin(1.0001)),
        uniform(-1, 1, (3, 4)),
        "values",
        "constant scale factor 1.0001",
    ),
    Bug(
        "rel-error-1e-4-large",
        "small-error",
        node(scaled_sin(1.0001)),
        BIG,
        "values",
        "constant scale factor 1.0001",
    ),
    Bug("exp-taylor", "small-error", node(ExpTaylor), uniform(-0.5, 0.5, (3, 4)), "values"),
    # dtype, shape, count, device
    Bug(
        "float16-only-path",
        "dtype",
        node(TanhHalfFastPath),
        uniform(-2, 2, (3, 4)),
        "values",
        None,
        dtypes=("float16",),
    ),
    Bug(
        "grad-float64",
        "dtype",
        node(TanhGradFloat64),
        uniform(-1, 1, (3, 4)),
        "grad_dtype",
        "wrong gradient dtype",
        dtypes=("float32", "float16"),
    ),
    Bug(
        "grad-float32",
        "dtype",
        node(TanhGradFloat32),
        uniform(-1, 1, (3, 4)),
        "grad_dtype",
        "wrong gradient dtype",
        dtypes=("float64", "float16"),
    ),
    Bug(
        "grad-flattened",
        "shape",
        node(TanhGradFlattened),
        uniform(-1, 1, (3, 4)),
        "grad_shape",
        "wrong gradient shape",
    ),
    Bug(
        "too-many-grads",
        "count",
        lambda: TanhTwoGradients(),
        uniform(-1, 1, (3, 4)),
        "grad_count",
        "wrong number of gradients",
    ),
    Bug(
        "too-few-grads",
        "count",
        lambda: MulOneGradient(),
        uniform(-1, 1, (3, 4), (3, 4)),
        "grad_count",
        "wrong number of gradients",
    ),
    Bug(
        "host-gradient-on-strict",
        "device",
        node(TanhHostGradient),
        uniform(-1, 1, (3, 4)),
        "grad_device",
        "wrong device",
        dtypes=("float64", "float32"),  # array-api-strict has no float16
        device="strict",
    ),
    # mutation
    Bug(
        "relu-in-place-forward",
        "mutation",
        node(ReluInPlaceForward),
        uniform(-1, 1, (3, 4)),
        "forward_mutates_input",
        "in-place mutation of x0",
    ),
    Bug(
        "classic-gy-in-place",
        "mutation",
        lambda: SinGradOutputInPlace(),
        uniform(-1, 1, (3, 4)),
        "backward_mutates_grad_output",
        "in-place mutation",
    ),
    Bug(
        "node-gy-in-place",
        "mutation",
        node(TanhGradOutputInPlace),
        uniform(-1, 1, (3, 4)),
        "backward_mutates_grad_output",
        "in-place mutation",
    ),
    Bug(
        "node-gy-in-place-second-order",
        "mutation",
        node(TanhGradOutputInPlace),
        uniform(-1, 1, (3, 4)),
        "backward_mutates_grad_output",
        "in-place mutation of gy0 by TanhGradOutputInPlace.backward",
        check="double_backward",
    ),
    Bug(
        "classic-input-in-place",
        "mutation",
        lambda: SquareInputInPlace(),
        uniform(-1, 1, (3, 4)),
        "backward_mutates_input",
        "in-place mutation of x0",
    ),
    # nondeterminism
    Bug(
        "noise-1e-6",
        "nondeterminism",
        node(noisy_tanh(1e-6)),
        uniform(-1, 1, (3, 4)),
        "nondeterministic",
        "nondeterministic backward",
        dtypes=("float64", "float32"),
    ),
    Bug(
        "noise-1e-2",
        "nondeterminism",
        node(noisy_tanh(1e-2)),
        uniform(-1, 1, (3, 4)),
        "nondeterministic",
        "nondeterministic backward",
    ),
    Bug(
        "noise-second-order",
        "nondeterminism",
        node(SoftplusNoisyFactor),
        uniform(-1, 1, (3, 4)),
        "nondeterministic",
        "nondeterministic backward",
        check="double_backward",
    ),
    Bug(
        "stateful-backward",
        "nondeterminism",
        node(CounterTanh),
        uniform(-1, 1, (3, 4)),
        "nondeterministic",
        "nondeterministic backward",
    ),
    # NaN / Inf
    Bug(
        "softplus-overflow-nan", "nan", node(SoftplusNaiveBackward), with_large, "nonfinite", "NaN"
    ),
    Bug("square-nan-at-zero", "nan", node(SquareNaNAtZero), zeros_included, "nonfinite", "NaN"),
    # second order only
    Bug(
        "sin-raw-array",
        "second-order",
        node(SinRawArrayBackward),
        uniform(-2, 2, (3, 4)),
        "values",
        "gradient missing (zero) for input 0",
        check="double_backward",
    ),
    Bug(
        "softplus-returns-array",
        "second-order",
        node(SoftplusReturnsArray),
        uniform(-2, 2, (3, 4)),
        "values",
        "SoftplusReturnsArray.backward returned an array",
        check="double_backward",
    ),
    Bug(
        "cube-half-constant",
        "second-order",
        node(CubeHalfConstant),
        uniform(0.5, 2, (3, 4)),
        "values",
        None,
        check="double_backward",
    ),
    Bug(
        "square-grad-node-sign",
        "second-order",
        node(SquareWithGradNode),
        uniform(-1, 1, (3, 4)),
        "values",
        "sign flip (analytic = -numeric) for input 0",
        check="double_backward",
    ),
    # float gradient for an integer input
    Bug(
        "classic-int-input-grad",
        "int-input",
        lambda: TakeIndexGrad(),
        take_inputs,
        "int_input_grad",
        "integer input",
    ),
    Bug(
        "node-int-input-grad",
        "int-input",
        node(TakeNodeIndexGrad),
        take_inputs,
        "int_input_grad",
        "integer input",
    ),
    # zero grad_output
    Bug(
        "ignores-grad-output",
        "zero-grad-output",
        node(SinIgnoresGradOutput),
        uniform(-1, 1, (3, 4)),
        "zero_grad_output",
        "does not scale with grad_output",
    ),
    Bug(
        "adds-constant",
        "zero-grad-output",
        node(TanhAddsConstant),
        uniform(-1, 1, (3, 4)),
        "zero_grad_output",
        "does not scale with grad_output",
    ),
]
