r"""var and std over axes, with ``ddof`` (delta degrees of freedom).

.. math:: \bar x = \frac{1}{n} \sum_i x_i, \qquad
          v = \frac{1}{n - \mathrm{ddof}} \sum_i (x_i - \bar x)^2, \qquad s = \sqrt{v}

.. math:: \frac{\partial v}{\partial x_i} = \frac{2 (x_i - \bar x)}{n - \mathrm{ddof}}, \qquad
          \frac{\partial s}{\partial x_i} = \frac{x_i - \bar x}{(n - \mathrm{ddof})\, s}

(the :math:`\sum_i (x_i - \bar x) = 0` term of the mean drops out). The gradients are written
with differentiable ops on the retained input (and, for ``std``, output), so higher orders
follow. ``std`` is not differentiable where all the reduced elements are equal (``s = 0``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import div, mul, sub
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.array._values import distinct
from gradkit_ops.reduction._axes import expand_to_input, reduced_axes, reduced_size
from gradkit_ops.reduction.mean import mean

__all__ = ["Var", "Std", "var", "std"]


class _Moment(FunctionNode):
    _name = ""

    def __init__(self, axes: tuple[int, ...], keepdims: bool, ddof: float) -> None:
        self.axes = axes
        self.keepdims = keepdims
        self.ddof = ddof

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        if self._name == "std":
            self.retain_outputs((0,))
        xp = get_array_module(x)
        fn = getattr(xp, self._name)
        return (fn(x, axis=self.axes, correction=self.ddof, keepdims=self.keepdims),)

    def _centered(self) -> tuple[Variable, tuple[int, ...], float]:
        (x,) = self.get_retained_inputs()
        shape = tuple(x.shape)
        dof = reduced_size(shape, self.axes) - self.ddof
        return sub(x, mean(x, self.axes, keepdims=True)), shape, dof


class Var(_Moment):
    """The variance over ``axes`` (a sorted tuple of non-negative axes)."""

    _name = "var"

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        centered, shape, dof = self._centered()
        gy = expand_to_input(grad_outputs[0], shape, self.axes, self.keepdims)
        # n == ddof: the forward divides by 0 (inf, or nan for 0/0); so does the gradient.
        scale = 2.0 / dof if dof != 0 else math.inf
        return (mul(gy, mul(centered, scale)),)


class Std(_Moment):
    """The standard deviation over ``axes`` (a sorted tuple of non-negative axes)."""

    _name = "std"

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        centered, shape, dof = self._centered()
        (s,) = self.get_retained_outputs()
        gy = expand_to_input(grad_outputs[0], shape, self.axes, self.keepdims)
        s = expand_to_input(s, shape, self.axes, self.keepdims)
        return (div(mul(gy, centered), mul(s, float(dof))),)


def var(
    x: Any,
    axis: int | tuple[int, ...] | None = None,
    ddof: float = 0,
    keepdims: bool = False,
) -> Variable:
    """The variance of ``x`` over ``axis`` (None: all axes), dividing by ``n - ddof``.

    >>> import numpy as np
    >>> from gradkit_ops.reduction import var
    >>> var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1).array
    array(1.66666667)
    """
    return Var(reduced_axes(axis, x.ndim), bool(keepdims), ddof).apply((x,))[0]


def std(
    x: Any,
    axis: int | tuple[int, ...] | None = None,
    ddof: float = 0,
    keepdims: bool = False,
) -> Variable:
    """The standard deviation of ``x`` over ``axis`` (None: all axes), dividing by
    ``n - ddof`` under the square root.

    >>> import numpy as np
    >>> from gradkit_ops.reduction import std
    >>> std(np.array([1.0, 3.0])).array
    array(1.)
    """
    return Std(reduced_axes(axis, x.ndim), bool(keepdims), ddof).apply((x,))[0]


for _op, _ref in ((var, numpy.var), (std, numpy.std)):
    # std is not differentiable where the reduced elements are all equal, e.g. one element
    # with ddof=0: no scalar case for it, and distinct values (drawn by a values callable,
    # so hypothesis mode draws its seed, not rows of equal values).
    _inputs = [Input(values=distinct)] if _op is std else 1
    op_spec(
        name=_op.__name__,
        inputs=_inputs,
        shapes=[(3, 4), "3x4nc"] + ([()] if _op is var else []),
        reference=_ref,
    )(_op)
    op_spec(
        name=f"{_op.__name__}.ddof",
        inputs=_inputs,
        kwargs={"axis": 1, "ddof": 1, "keepdims": True},
        shapes=[(3, 4), "3x4nc", (0, 4)],
        reference=lambda x, _ref=_ref: _ref(x, axis=1, ddof=1, keepdims=True),
    )(_op)
    op_spec(
        name=f"{_op.__name__}.axes",
        inputs=_inputs,
        kwargs={"axis": (0, 2), "ddof": 2},
        shapes=[(2, 3, 4), "2x3x4nc", (2, 0, 4)],
        reference=lambda x, _ref=_ref: _ref(x, axis=(0, 2), ddof=2),
    )(_op)
Var.spec = Unchecked("built and checked by var(), which has the specs")
Std.spec = Unchecked("built and checked by std(), which has the specs")
