"""gradkit: an autograd engine, a standard op library and a gradient-verification toolkit.

The engine follows Chainer: :class:`Variable` holds an array and its gradient,
:class:`FunctionNode` is a differentiable function whose backward works on Variables (so
higher-order gradients work), and :class:`Function` is the classic array-level API.
"""

from __future__ import annotations

from gradkit import arithmetic
from gradkit.backend import get_array_module, is_array, to_numpy
from gradkit.backprop import backward, grad
from gradkit.config import config, force_backprop_mode, no_backprop_mode, using_config
from gradkit.device import Device, get_device, get_device_from_array, gpu_available
from gradkit.exceptions import (
    BackwardResultError,
    DeviceMismatchError,
    DoubleBackpropError,
    ForwardResultError,
    GradkitError,
    GraphError,
    NumericalInstabilityError,
)
from gradkit.function import Function
from gradkit.function_node import FunctionNode
from gradkit.parameter import Parameter
from gradkit.variable import Variable, as_array, as_variable

__version__ = "0.1.0"

__all__ = [
    "Variable",
    "Parameter",
    "FunctionNode",
    "Function",
    "backward",
    "grad",
    "config",
    "using_config",
    "no_backprop_mode",
    "force_backprop_mode",
    "Device",
    "get_device",
    "get_device_from_array",
    "gpu_available",
    "get_array_module",
    "is_array",
    "to_numpy",
    "as_variable",
    "as_array",
    "arithmetic",
    "GradkitError",
    "ForwardResultError",
    "BackwardResultError",
    "DeviceMismatchError",
    "GraphError",
    "DoubleBackpropError",
    "NumericalInstabilityError",
    "__version__",
]
