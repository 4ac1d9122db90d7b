"""gradkit: an autograd engine, a standard op library and a gradient-verification toolkit.

The engine follows Chainer: :class:`Variable` holds an array and its gradient,
:class:`FunctionNode` is a differentiable function whose backward works on Variables (so
higher-order gradients work), and :class:`Function` is the classic array-level API.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Light modules, imported eagerly. ``config`` must be: the submodule gradkit.config would
# otherwise shadow the config object as an attribute of the package.
from gradkit.config import config, force_backprop_mode, no_backprop_mode, using_config
from gradkit.exceptions import (
    BackwardResultError,
    DeviceMismatchError,
    DoubleBackpropError,
    ForwardResultError,
    GradkitError,
    GraphError,
    NumericalInstabilityError,
)

if TYPE_CHECKING:  # the names below are loaded lazily, on first use (see __getattr__)
    from gradkit import arithmetic, initializers, optimizers, serializers
    from gradkit.backend import get_array_module, is_array, to_numpy
    from gradkit.backprop import backward, grad
    from gradkit.device import Device, get_device, get_device_from_array, gpu_available
    from gradkit.function import Function
    from gradkit.function_node import FunctionNode
    from gradkit.link import Chain, ChainList, Link
    from gradkit.parameter import Parameter
    from gradkit.variable import Variable, as_array, as_variable

# Public name -> module that defines it. ``import gradkit`` itself imports nothing heavy, so
# the pytest plugin (gradkit.pytest_plugin) and the CLI start fast; the first use of a name
# imports the engine (and NumPy).
_HOMES = {
    "arithmetic": "gradkit.arithmetic",
    "get_array_module": "gradkit.backend",
    "is_array": "gradkit.backend",
    "to_numpy": "gradkit.backend",
    "backward": "gradkit.backprop",
    "grad": "gradkit.backprop",
    "Device": "gradkit.device",
    "get_device": "gradkit.device",
    "get_device_from_array": "gradkit.device",
    "gpu_available": "gradkit.device",
    "Function": "gradkit.function",
    "FunctionNode": "gradkit.function_node",
    "Link": "gradkit.link",
    "Chain": "gradkit.link",
    "ChainList": "gradkit.link",
    "initializers": "gradkit.initializers",
    "optimizers": "gradkit.optimizers",
    "serializers": "gradkit.serializers",
    "Parameter": "gradkit.parameter",
    "Variable": "gradkit.variable",
    "as_array": "gradkit.variable",
    "as_variable": "gradkit.variable",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'gradkit' has no attribute {name!r}")
    module = importlib.import_module(home)
    value = module if home == f"gradkit.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


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
    "Link",
    "Chain",
    "ChainList",
    "initializers",
    "optimizers",
    "serializers",
    "GradkitError",
    "ForwardResultError",
    "BackwardResultError",
    "DeviceMismatchError",
    "GraphError",
    "DoubleBackpropError",
    "NumericalInstabilityError",
    "__version__",
]
