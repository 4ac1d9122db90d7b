"""Function: the classic API, ``forward(inputs)`` and ``backward(inputs, grad_outputs)`` on arrays.

This is the API of Chainer v1, kept so that code written for it runs unchanged: subclass
:class:`Function`, implement both methods on raw arrays and call the instance on the inputs.
Every array that needs a gradient must be an input; values held as attributes are constants.

>>> import numpy as np, gradkit
>>> class LinearFunction(gradkit.Function):
...     def forward(self, inputs):
...         x, W, b = inputs
...         return x @ W + b,
...     def backward(self, inputs, grad_outputs):
...         x, W, b = inputs
...         gy, = grad_outputs
...         return gy @ W.T, x.T @ gy, gy.sum(axis=0)
>>> x = gradkit.Variable(np.array([[1.0, 2.0, 3.0]]))
>>> W = gradkit.Variable(np.ones((3, 2)))
>>> b = gradkit.Variable(np.zeros(2))
>>> y = LinearFunction()(x, W, b)
>>> y.array
array([[6., 6.]])

The adapter underneath is a :class:`~gradkit.FunctionNode` that retains every input. Its
backward runs on arrays, so a classic Function supports first-order gradients only; asking for
double backprop through one raises :class:`~gradkit.exceptions.DoubleBackpropError`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy

from gradkit.backend import is_array
from gradkit.config import config
from gradkit.exceptions import BackwardResultError, DoubleBackpropError
from gradkit.function_node import FunctionNode
from gradkit.variable import Variable

__all__ = ["Function", "FunctionAdapter"]

_new_variable = Variable._from_array


class Function:
    """Base class of classic functions (see the module docstring).

    Calling an instance runs :meth:`forward` and records the graph; it returns one Variable,
    or a tuple of Variables when forward returns several arrays.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__call__" in cls.__dict__:
            warnings.warn(
                f"{cls.__name__} overrides __call__. Function.__call__ is what records the "
                "graph and wraps outputs in Variables; a __call__ that calls forward directly "
                "returns raw arrays with no graph. Remove it and call the instance, e.g. "
                f"{cls.__name__}()(x, W, b).",
                stacklevel=2,
            )

    def __call__(self, *inputs: Any) -> Any:
        outputs = FunctionAdapter(self).apply(inputs)
        return outputs[0] if len(outputs) == 1 else outputs

    @property
    def label(self) -> str:
        """The name used in error messages (the class name by default)."""
        return type(self).__name__

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        """Compute the outputs from input arrays; return a tuple of arrays."""
        raise NotImplementedError(f"{self.label} must implement forward(inputs)")

    def backward(self, inputs: tuple[Any, ...], grad_outputs: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return one gradient array (or None) per input, given the input arrays and the
        gradient arrays of the outputs."""
        raise NotImplementedError(f"{self.label} has no backward(inputs, grad_outputs)")


class FunctionAdapter(FunctionNode):
    """Runs a classic :class:`Function` as a FunctionNode (retaining every input)."""

    def __init__(self, function: Function) -> None:
        self.function = function

    @property
    def label(self) -> str:
        return self.function.label

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        self.retain_inputs(tuple(range(len(inputs))))
        return self.function.forward(inputs)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable | None, ...]:
        if config.enable_backprop:
            raise DoubleBackpropError(
                f"{self.label} is a classic Function (backward on arrays), so it supports "
                "first-order gradients only. Call backward() without enable_double_backprop, "
                "or rewrite it as a FunctionNode whose backward uses gradkit ops."
            )
        in_data = tuple([node.data for node in self.inputs])
        gys = tuple([g._data for g in grad_outputs])
        gxs = self.function.backward(in_data, gys)
        if type(gxs) is not tuple:
            if isinstance(gxs, list):
                gxs = tuple(gxs)
            else:
                raise BackwardResultError(
                    f"{self.label}.backward returned a {type(gxs).__name__}; it must return a "
                    "tuple with one gradient array (or None) per input, e.g. `return gx, gW, gb`"
                )
        # The engine checks the count (one per input), shapes, dtypes and devices.
        return tuple([_as_gradient(g) for g in gxs])


def _as_gradient(g: Any) -> Any:
    """Wrap a gradient array in a Variable; anything else is left for the engine to judge."""
    if isinstance(g, numpy.generic):
        g = numpy.asarray(g)  # e.g. gy.sum() of a 1-d array is a NumPy scalar
    return _new_variable(g) if is_array(g) else g
