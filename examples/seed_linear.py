"""The seed's linear layer, corrected, with its gradients checked against finite differences.

Two versions of the same op, ``y = x @ W + b``:

* ``LinearFunction``: the classic API (``gradkit.Function``). ``forward`` and ``backward`` work
  on raw arrays; ``x``, ``W`` and ``b`` are all inputs, so ``backward`` returns one gradient per
  input. First-order gradients only.
* ``LinearNode``: the same op as a ``gradkit.FunctionNode``. Its ``backward`` is written with
  Variable operations, so the backward pass is itself differentiable and second-order
  gradients work.

The script prints the output and the gradients, compares every analytic gradient (first and
second order) with a float64 central-difference estimate it computes itself, and exits with
status 1 if the largest absolute error is above ``TOLERANCE``.

Run it with ``python examples/seed_linear.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np

import gradkit

#: The largest absolute error accepted between an analytic and a numerical gradient.
TOLERANCE = 1e-6
#: The step of the central differences. The functions differentiated here are polynomials of
#: degree at most 2 in each element, so the central difference is exact up to rounding.
EPS = 1e-6


class LinearFunction(gradkit.Function):
    """``y = x @ W + b`` for ``x`` of shape (N, in), ``W`` of shape (in, out), ``b`` of (out,)."""

    def forward(self, inputs):
        x, W, b = inputs
        return (x @ W + b,)

    def backward(self, inputs, grad_outputs):
        x, W, _b = inputs  # b itself does not appear in any gradient
        (gy,) = grad_outputs
        gx = gy @ W.T  # (N, out) @ (out, in) -> (N, in)
        gW = x.T @ gy  # (in, N) @ (N, out) -> (in, out)
        gb = gy.sum(axis=0)  # b was broadcast over the batch: sum over it
        return gx, gW, gb


class LinearNode(gradkit.FunctionNode):
    """The same op with a backward on Variables, so it can be differentiated again."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))  # backward needs x and W, not b
        x, W, b = inputs
        return (x @ W + b,)

    def backward(self, target_input_indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        (gy,) = grad_outputs
        return gy @ W.T, x.T @ gy, gy.sum(axis=0)


def linear(x, W, b):
    """Apply :class:`LinearNode` and return its single output."""
    (y,) = LinearNode().apply((x, W, b))
    return y


def numerical_gradients(
    f: Callable[..., np.ndarray], arrays: list[np.ndarray], gy: np.ndarray
) -> list[np.ndarray]:
    """Central differences of ``sum(f(*arrays) * gy)`` with respect to every array, in float64.

    ``gy`` plays the role of the output's gradient, so the result is what backward must return.
    """
    arrays = [a.astype(np.float64) for a in arrays]
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for index in np.ndindex(a.shape):
            original = a[index]
            a[index] = original + EPS
            plus = np.sum(f(*arrays) * gy)
            a[index] = original - EPS
            minus = np.sum(f(*arrays) * gy)
            a[index] = original
            g[index] = (plus - minus) / (2 * EPS)
        grads.append(g)
    return grads


def max_abs_error(analytic: list[np.ndarray], numerical: list[np.ndarray]) -> float:
    """The largest absolute difference over all pairs of gradients."""
    return max(float(np.max(np.abs(a - n))) for a, n in zip(analytic, numerical, strict=True))


def main() -> int:
    rng = np.random.default_rng(0)
    x_data = rng.standard_normal((2, 3))
    W_data = rng.standard_normal((3, 2))
    b_data = rng.standard_normal(2)
    gy = rng.standard_normal((2, 2))  # the gradient that flows into y

    np.set_printoptions(precision=4, suppress=True)
    errors = {}

    # -- First order, classic Function ----------------------------------------------------
    x = gradkit.Variable(x_data, name="x")
    W = gradkit.Variable(W_data, name="W")
    b = gradkit.Variable(b_data, name="b")
    y = LinearFunction()(x, W, b)
    y.grad = gy
    y.backward()
    print("LinearFunction (classic Function)")
    print("y =", y.array, sep="\n")
    print("gx =", x.grad, "gW =", W.grad, "gb =", b.grad, sep="\n")

    def forward(x, W, b):
        return x @ W + b

    numerical = numerical_gradients(forward, [x_data, W_data, b_data], gy)
    errors["Function, first order"] = max_abs_error([x.grad, W.grad, b.grad], numerical)

    # -- First order, FunctionNode ---------------------------------------------------------
    x, W, b = (gradkit.Variable(a) for a in (x_data, W_data, b_data))
    y = linear(x, W, b)
    gx, gW, gb = gradkit.grad([y], [x, W, b], [gy])
    errors["FunctionNode, first order"] = max_abs_error([gx.array, gW.array, gb.array], numerical)

    # -- Second order, FunctionNode --------------------------------------------------------
    # loss = sum((x @ W + b) ** 2); g(x, W) = d loss / dx = 2 (x @ W + b) @ W.T.
    # Differentiate s = sum(g * v) once more, for a fixed direction v, with respect to x and W.
    v = rng.standard_normal(x_data.shape)
    x, W, b = (gradkit.Variable(a) for a in (x_data, W_data, b_data))
    y = linear(x, W, b)
    loss = (y * y).sum()
    (gx,) = gradkit.grad([loss], [x], enable_double_backprop=True)
    s = (gx * v).sum()
    ggx, ggW = gradkit.grad([s], [x, W])
    print("\nLinearNode (FunctionNode), second order")
    print("d/dx sum(v * d loss/dx) =", ggx.array, sep="\n")
    print("d/dW sum(v * d loss/dx) =", ggW.array, sep="\n")

    def first_order_gx(x, W, b):
        return 2 * (x @ W + b) @ W.T

    numerical = numerical_gradients(first_order_gx, [x_data, W_data, b_data], v)
    errors["FunctionNode, second order"] = max_abs_error([ggx.array, ggW.array], numerical[:2])

    # -- Verdict ----------------------------------------------------------------------------
    print("\nMax abs error against float64 central differences:")
    for what, error in errors.items():
        print(f"  {what}: {error:.3e}")
    worst = max(errors.values())
    print(f"max abs error: {worst:.3e} (tolerance {TOLERANCE:.0e})")
    if worst > TOLERANCE:
        print("FAILED: a gradient does not match its numerical estimate", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
