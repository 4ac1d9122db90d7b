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
from gradkit.testing import Input, Skip, Unchecked, op_spec

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


_CAST_SHAPES = [(3, 4), (), "3x4nc", (0, 3)]
op_spec(
    name="cast",
    kwargs={"dtype": "float64"},
    shapes=_CAST_SHAPES,
    reference=lambda x: x,
    skips=[
        Skip(
            "the forward check wants float outputs in the input dtype, and cast to float64 "
            "changes it by design; cast.roundtrip checks these values",
            dtypes=("float16", "float32"),
            checks="forward",
        )
    ],
)(cast)
op_spec(
    name="cast.roundtrip",
    factory=lambda: lambda x: cast(cast(x, "float32"), x.dtype),
    shapes=_CAST_SHAPES,
    # Exact in float16 and float32. Its gradients are checked by the other specs: the round
    # trip quantizes float64 inputs to float32, so float64 numerical derivatives of it are
    # not meaningful.
    dtypes=("float16", "float32"),
    checks=("forward", "device"),
    reference=lambda x: x.astype(numpy.float32).astype(numpy.float64),
)(cast)
op_spec(
    name="cast.int",
    inputs=[Input(domain=(-3.0, 3.0))],
    kwargs={"dtype": "int32"},
    shapes=_CAST_SHAPES,
    reference=lambda x: x.astype(numpy.int32),
)(cast)
Cast.spec = Unchecked("built and checked by cast(), which has the specs")
