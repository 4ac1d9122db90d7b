"""The errors the engine raises for mistakes a user can make.

Every message names the Function at fault, the input or output index where one applies, and
expected versus actual values, and says how to fix the problem.
"""

from __future__ import annotations

__all__ = [
    "GradkitError",
    "ForwardResultError",
    "BackwardResultError",
    "DeviceMismatchError",
    "GraphError",
    "DoubleBackpropError",
    "NumericalInstabilityError",
]


class GradkitError(Exception):
    """Base class of every error raised by gradkit."""


class ForwardResultError(GradkitError, TypeError):
    """A Function's ``forward`` returned something other than a tuple of arrays."""


class BackwardResultError(GradkitError, ValueError):
    """A Function's ``backward`` returned gradients that do not fit its inputs.

    Wrong number of gradients, or a gradient of the wrong shape, dtype or device, or a
    gradient for an integer input. ``subcheck`` names which, for tools that classify it:
    ``"grad_count"``, ``"grad_type"``, ``"grad_shape"``, ``"grad_dtype"``, ``"grad_device"`` or
    ``"int_input_grad"``; ``input_index`` is the input at fault (None for a count error).
    """

    def __init__(
        self, message: str, *, subcheck: str = "grad_count", input_index: int | None = None
    ) -> None:
        super().__init__(message)
        self.subcheck = subcheck
        self.input_index = input_index


class DeviceMismatchError(GradkitError, ValueError):
    """Arrays on different devices were combined."""


class GraphError(GradkitError, RuntimeError):
    """The computational graph cannot be used as asked (unchained, non-scalar output...)."""


class DoubleBackpropError(GraphError):
    """Double backprop was asked for through a Function that supports first order only."""


class NumericalInstabilityError(GradkitError, FloatingPointError):
    """``config.debug`` found NaN or Inf in a forward output or a gradient."""
