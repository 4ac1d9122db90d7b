r"""max and min over axes.

.. math:: y = \max_{i \in \text{axes}} x_i \;\Rightarrow\;
          \frac{\partial L}{\partial x_i} = \frac{\partial L}{\partial y}\,
          \frac{[x_i = y]}{\#\{j : x_j = y\}}

The gradient goes to the element that attains the extremum. Where several tie, it is shared
equally between them (the mean of the one-sided derivatives, as PyTorch's ``amax``): ties are
kinks, where the function is not differentiable. The selection is a constant mask, so the
gradient is linear in the output gradient and the second derivative is zero.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import mul
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.array._values import distinct
from gradkit_ops.reduction._axes import expand_to_input, keepdims_shape, reduced_axes

__all__ = ["Max", "Min", "max", "min"]


class _Extremum(FunctionNode):
    _name = ""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        xp = get_array_module(x)
        return (getattr(xp, self._name)(x, axis=self.axes, keepdims=self.keepdims),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (x,) = self.get_retained_inputs()
        (y,) = self.get_retained_outputs()
        xd, yd = x.array, y.array
        xp = get_array_module(xd)
        shape = tuple(xd.shape)
        yd = xp.reshape(yd, keepdims_shape(shape, self.axes))
        hit = xp.astype(xd == yd, xd.dtype)
        share = hit / xp.sum(hit, axis=self.axes, keepdims=True)
        gy = expand_to_input(grad_outputs[0], shape, self.axes, self.keepdims)
        return (mul(gy, share),)


class Max(_Extremum):
    """The maximum over ``axes`` (a sorted tuple of non-negative axes)."""

    _name = "max"


class Min(_Extremum):
    """The minimum over ``axes`` (a sorted tuple of non-negative axes)."""

    _name = "min"


def _check(x: Any, axes: tuple[int, ...], op: str) -> None:
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{op}: cannot reduce an empty axis of an array of shape {x.shape}")


def max(x: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Variable:
    """The largest element of ``x`` over ``axis`` (None: all axes; an int or a tuple).

    >>> import numpy as np
    >>> from gradkit_ops.reduction import max
    >>> max(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=1).array
    array([5., 3.])
    """
    axes = reduced_axes(axis, x.ndim)
    _check(x, axes, "max")
    return Max(axes, bool(keepdims)).apply((x,))[0]


def min(x: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Variable:
    """The smallest element of ``x`` over ``axis`` (None: all axes; an int or a tuple).

    >>> import numpy as np
    >>> from gradkit_ops.reduction import min
    >>> min(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=1).array
    array([1., 2.])
    """
    axes = reduced_axes(axis, x.ndim)
    _check(x, axes, "min")
    return Min(axes, bool(keepdims)).apply((x,))[0]


# Ties are kinks (the gradient jumps from one element to another there): the inputs are
# tie-free. How ties share the gradient is tested by hand in the tests.
_TIE_FREE = [Input(values=distinct)]
for _op, _ref in ((max, numpy.max), (min, numpy.min)):
    op_spec(
        name=_op.__name__,
        inputs=_TIE_FREE,
        shapes=[(3, 4), (), "3x4nc"],
        reference=_ref,
    )(_op)
    op_spec(
        name=f"{_op.__name__}.axes",
        inputs=_TIE_FREE,
        kwargs={"axis": (0, 2), "keepdims": True},
        shapes=[(2, 3, 4), "2x3x4nc", (2, 0, 4)],
        reference=lambda x, _ref=_ref: _ref(x, axis=(0, 2), keepdims=True),
    )(_op)
    op_spec(
        name=f"{_op.__name__}.axis",
        inputs=_TIE_FREE,
        kwargs={"axis": -1},
        shapes=[(3, 4), "3x4nc", (0, 4)],
        reference=lambda x, _ref=_ref: _ref(x, axis=-1),
    )(_op)
Max.spec = Unchecked("built and checked by max() (and norm), which have the specs")
Min.spec = Unchecked("built and checked by min(), which has the specs")
