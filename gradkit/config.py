"""Thread-local configuration of the engine.

``gradkit.config`` holds one set of flags per thread. Read a flag as an attribute
(``gradkit.config.train``) and change it for a block with :func:`using_config`, which restores
the previous value on exit, even when the block raises.

Flags:

``enable_backprop`` (default ``True``)
    Whether functions record the computational graph. Off inside :func:`no_backprop_mode`
    and, unless double backprop is asked for, while backward passes run.
``train`` (default ``True``)
    Whether the code runs in training mode (dropout, batch statistics).
``debug`` (default ``False``)
    Adds NaN/Inf checks on every forward output and every gradient, and shape checks on
    gradients, naming the Function at fault. Slower; meant for hunting a bug.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

__all__ = [
    "config",
    "using_config",
    "no_backprop_mode",
    "force_backprop_mode",
    "CONFIG_DEFAULTS",
]

#: The default value of every flag; each new thread starts from these.
CONFIG_DEFAULTS: dict[str, Any] = {
    "enable_backprop": True,
    "train": True,
    "debug": False,
}


class _ThreadLocalConfig(threading.local):
    """Per-thread flags; plain attributes, so reading one costs an attribute lookup."""

    def __init__(self) -> None:
        self.__dict__.update(CONFIG_DEFAULTS)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in CONFIG_DEFAULTS:
            known = ", ".join(sorted(CONFIG_DEFAULTS))
            raise AttributeError(f"unknown config flag {name!r}; the flags are: {known}")
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        flags = ", ".join(f"{name}={getattr(self, name)!r}" for name in CONFIG_DEFAULTS)
        return f"gradkit.config({flags})"


#: The thread-local configuration object.
config = _ThreadLocalConfig()


@contextlib.contextmanager
def using_config(name: str, value: Any) -> Iterator[None]:
    """Set config flag ``name`` to ``value`` inside a ``with`` block, then restore it.

    >>> import gradkit
    >>> with gradkit.using_config("train", False):
    ...     gradkit.config.train
    False
    >>> gradkit.config.train
    True
    """
    if name not in CONFIG_DEFAULTS:
        known = ", ".join(sorted(CONFIG_DEFAULTS))
        raise ValueError(f"unknown config flag {name!r}; the flags are: {known}")
    old = getattr(config, name)
    setattr(config, name, value)
    try:
        yield
    finally:
        setattr(config, name, old)


def no_backprop_mode() -> contextlib.AbstractContextManager[None]:
    """Context in which functions do not record the graph (inference, checks, updates).

    >>> import gradkit, numpy as np
    >>> x = gradkit.Variable(np.ones(3, dtype=np.float32))
    >>> with gradkit.no_backprop_mode():
    ...     y = x * 2
    >>> y.creator is None
    True
    """
    return using_config("enable_backprop", False)


def force_backprop_mode() -> contextlib.AbstractContextManager[None]:
    """Context in which functions record the graph, even inside :func:`no_backprop_mode`."""
    return using_config("enable_backprop", True)
