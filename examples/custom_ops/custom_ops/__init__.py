"""custom_ops: a small op library written against gradkit's public API, as a third party would.

Each op sits in one file with its forward, its backward and the ``OpSpec`` that says how to
check it; ``gradkit check custom_ops`` verifies them all.
"""

from custom_ops.activations import LogCosh, Tanh, log_cosh, tanh
from custom_ops.linear import LinearFunction, linear

__all__ = ["LinearFunction", "linear", "Tanh", "tanh", "LogCosh", "log_cosh"]
