r"""tril and triu: keep the lower or upper triangle of the last two axes, zero the rest.

.. math:: \mathrm{tril}(x, k)_{ij} = x_{ij}\,[j - i \le k], \qquad
          \mathrm{triu}(x, k)_{ij} = x_{ij}\,[j - i \ge k]

Both multiply by a fixed 0/1 mask, so each is its own adjoint: the gradient is the same
triangle of the output gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.testing import Unchecked, op_spec

__all__ = ["Tril", "Triu", "tril", "triu"]


def _check(x: Any, op: str) -> None:
    if x.ndim < 2:
        raise ValueError(f"{op}: needs an array of at least 2 dimensions; got shape {x.shape}")


class Tril(FunctionNode):
    """The lower triangle (on and below diagonal ``k``) of the last two axes."""

    def __init__(self, k: int = 0) -> None:
        self.k = k

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        return (get_array_module(x).tril(x, k=self.k),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return Tril(self.k).apply(grad_outputs)


class Triu(FunctionNode):
    """The upper triangle (on and above diagonal ``k``) of the last two axes."""

    def __init__(self, k: int = 0) -> None:
        self.k = k

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (x,) = inputs
        return (get_array_module(x).triu(x, k=self.k),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return Triu(self.k).apply(grad_outputs)


def tril(x: Any, k: int = 0) -> Variable:
    """Zero the elements of ``x`` above diagonal ``k`` of its last two axes.

    >>> import numpy as np
    >>> from gradkit_ops.array import tril
    >>> tril(np.ones((2, 2))).array
    array([[1., 0.],
           [1., 1.]])
    """
    _check(x, "tril")
    return Tril(int(k)).apply((x,))[0]


def triu(x: Any, k: int = 0) -> Variable:
    """Zero the elements of ``x`` below diagonal ``k`` of its last two axes.

    >>> import numpy as np
    >>> from gradkit_ops.array import triu
    >>> triu(np.ones((2, 2))).array
    array([[1., 1.],
           [0., 1.]])
    """
    _check(x, "triu")
    return Triu(int(k)).apply((x,))[0]


_TRIANGLE_SHAPES = [(3, 4), "3x4nc", (2, 3, 3), (0, 3)]
op_spec(
    name="tril", kwargs={"k": -1}, shapes=_TRIANGLE_SHAPES, reference=lambda x: numpy.tril(x, -1)
)(tril)
op_spec(
    name="triu", kwargs={"k": 1}, shapes=_TRIANGLE_SHAPES, reference=lambda x: numpy.triu(x, 1)
)(triu)
Tril.spec = Unchecked("built and checked by tril(), which has the spec")
Triu.spec = Unchecked("built and checked by triu(), which has the spec")
