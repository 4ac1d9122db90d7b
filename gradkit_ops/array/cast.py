r"""cast: convert an array to another dtype.

.. math:: y = \mathrm{cast}_{T}(x)

Between floating dtypes the gradient is cast back: :math:`\partial L / \partial x =
\mathrm{cast}_{T_x}(\partial L / \partial y)`. A cast to an integer or boolean dtype has no
gradient (its output is not differentiable), and neither has an integer input.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, as_variable, get_array_module

__all__ = ["Cast", "cast", "resolve_dtype"]


def resolve_dtype(xp: Any, dtype: Any) -> Any:
    """The dtype of namespace ``xp`` named by ``dtype``: a name (``"float32"``), a NumPy dtype
    or scalar type, or a dtype of ``xp`` itself."""
    if isinstance(dtype, str):
        name = dtype
    else:
        try:
            name = numpy.dtype(dtype).name
        except TypeError:
            return dtype  # a dtype object of a non-NumPy namespace: use it as given
    try:
        return getattr(xp, name)
    except AttributeError:
        raise TypeError(f"the array namespace {xp.__name__} has no dtype {name!r}") from None


class Cast(FunctionNode):
    """Convert to ``dtype`` (a dtype of the input's namespace)."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        self.in_dtype = x.dtype
        return (get_array_module(x).astype(x, self.dtype),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return Cast(self.in_dtype).apply(grad_outputs)


def cast(x: Any, dtype: Any) -> Variable:
    """Convert ``x`` to ``dtype`` (a name such as ``"float32"``, a NumPy dtype, or a dtype of
    ``x``'s namespace). Returns ``x`` itself when it already has that dtype.

    >>> import numpy as np
    >>> from gradkit_ops.array import cast
    >>> cast(np.array([1.5, 2.5]), "float32").array
    array([1.5, 2.5], dtype=float32)
    """
    target = resolve_dtype(get_array_module(x), dtype)
    if x.dtype == target:
        return as_variable(x)
    return Cast(target).apply((x,))[0]
