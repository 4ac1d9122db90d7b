r"""where: pick elements from two arrays by a boolean condition, with broadcasting.

.. math::
    y = \begin{cases} x & \text{where } c \\ z & \text{elsewhere} \end{cases},\quad
    \frac{\partial L}{\partial x} = \mathrm{where}(c, g, 0),\;
    \frac{\partial L}{\partial z} = \mathrm{where}(c, 0, g)

(summed over broadcast dimensions). The condition has no gradient. The backward pass is
itself a ``where``, so the second derivative is a ``where`` again: zero with respect to the
inputs, the selection with respect to the output gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, as_array, get_array_module
from gradkit.arithmetic import sum_to
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops.math._operands import binary_operands, dtype_name, is_scalar, scalar_like

__all__ = ["where", "Where"]


class Where(FunctionNode):
    """``where(condition, x, z)``: inputs are the boolean condition, then the two choices."""

    spec = Unchecked("applied and checked through gradkit_ops.where()")

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        condition, x, z = inputs
        self.retain_inputs((0,))
        self.shapes = (condition.shape, x.shape, z.shape)
        return (get_array_module(x).where(condition, x, z),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable | None, ...]:
        (gy,) = grad_outputs
        (condition,) = self.get_retained_inputs()
        zero = scalar_like(0.0, gy)
        result: list[Variable | None] = []
        for i in target_input_indexes:
            if i == 0:
                result.append(None)
            else:
                chosen, other = (gy, zero) if i == 1 else (zero, gy)
                picked = Where().apply((condition, chosen, other))[0]
                result.append(sum_to(picked, self.shapes[i]))
        return tuple(result)


def _condition(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
    return rng.random(shape) < 0.5


@op_spec(
    inputs=[Input(dtype="bool", values=_condition), Input(), Input()],
    shapes=[
        (3, 4),
        (),
        ((3, 4), (4,), (3, 1)),
        ((4,), (3, 4), ()),
        (0, 3),
        "3x4nc",
    ],
    reference=numpy.where,
    examples=[
        (
            [numpy.array([True, False, True]), numpy.array([1.0, 2.0, 3.0]), numpy.array(-1.0)],
            numpy.array([1.0, -1.0, 3.0]),
        )
    ],
)
def where(condition: Any, x: Any, z: Any) -> Variable:
    """``x`` where ``condition`` is true, ``z`` elsewhere; the three broadcast together.

    ``condition`` is a boolean array (or Variable) on the device of ``x`` and ``z``; it has no
    gradient. ``x`` or ``z`` may be a scalar. The gradient of ``x`` is the output gradient
    where the condition holds and 0 elsewhere (and the reverse for ``z``).

    >>> import numpy as np
    >>> where(np.array([True, False]), np.array([1.0, 2.0]), 0.0).array
    array([1., 0.])
    """
    cond = as_array(condition)
    if isinstance(cond, numpy.generic):  # NumPy compares 0-d arrays into scalars
        cond = numpy.asarray(cond)
    dtype = getattr(cond, "dtype", None)
    if dtype is None or dtype_name(dtype) != "bool":
        got = type(condition).__name__ if dtype is None else f"dtype {dtype_name(dtype)}"
        raise TypeError(
            f"where: the condition must be a boolean array or Variable; got {got}. Compare "
            "first, e.g. where(x.array > 0, x, 0.0)"
        )
    if is_scalar(x) and is_scalar(z):
        raise TypeError("where: x and z are both scalars; pass at least one Variable or array")
    x, z = binary_operands("where", x, z)
    return Where().apply((cond, x, z))[0]
