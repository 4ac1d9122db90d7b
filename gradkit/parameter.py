"""Parameter: a Variable that a model learns, updated through its update rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy

from gradkit.backend import is_array
from gradkit.device import Device, get_device
from gradkit.variable import Variable

__all__ = ["Parameter", "UpdateRule"]


class UpdateRule(Protocol):
    """What :meth:`Parameter.update` calls: an optimizer's per-parameter rule."""

    def update(self, param: Parameter) -> None:
        """Update ``param.array`` in place from ``param.grad``."""


Initializer = Callable[..., Any]


class Parameter(Variable):
    """A learnable Variable.

    Args:
        initializer: an array (used as the data), a scalar (fills the array), a callable
            ``initializer(shape, dtype, device) -> array``, or ``None`` (zeros).
        shape: the shape; when omitted with a non-array initializer, the parameter stays
            uninitialized until :meth:`initialize` is called (lazy shape initialization).
        dtype: the dtype of an initialized array (default float32).
        name: the parameter's name.

    >>> import gradkit
    >>> W = gradkit.Parameter(0.5, shape=(2, 3), name="W")
    >>> W.array
    array([[0.5, 0.5, 0.5],
           [0.5, 0.5, 0.5]], dtype=float32)
    >>> b = gradkit.Parameter(0.0, name="b")
    >>> b.array is None
    True
    >>> b.initialize((3,))
    >>> b.shape
    (3,)
    """

    __slots__ = ("_init_device", "_init_dtype", "initializer", "update_rule")

    def __init__(
        self,
        initializer: Any = None,
        shape: Any = None,
        *,
        dtype: Any = numpy.float32,
        name: str | None = None,
    ) -> None:
        self.initializer = initializer
        self.update_rule: UpdateRule | None = None
        self._init_dtype = dtype
        self._init_device: Device = get_device("cpu")
        if is_array(initializer):
            if shape is not None and tuple(initializer.shape) != tuple(_as_shape(shape)):
                raise ValueError(
                    f"Parameter {name!r}: initial array has shape {initializer.shape}, "
                    f"but shape={shape} was given"
                )
            super().__init__(initializer, name=name)
            return
        super().__init__(None, name=name)
        if shape is not None:
            self.initialize(shape)

    def initialize(self, shape: Any) -> None:
        """Create the array with ``shape`` from the initializer, on the parameter's device."""
        shape = _as_shape(shape)
        init = self.initializer
        dev = self._init_device
        xp = dev.xp
        if init is None:
            data = xp.zeros(shape, dtype=_xp_dtype(xp, self._init_dtype), device=dev.native)
        elif callable(init):
            data = dev.send(init(shape, self._init_dtype, dev))
        elif isinstance(init, int | float):
            data = xp.full(shape, init, dtype=_xp_dtype(xp, self._init_dtype), device=dev.native)
        else:
            raise TypeError(
                f"Parameter {self.name!r}: initializer must be an array, a scalar, a callable "
                f"(shape, dtype, device) -> array, or None; got {type(init).__name__}"
            )
        if tuple(data.shape) != shape:
            raise ValueError(
                f"Parameter {self.name!r}: initializer returned shape {tuple(data.shape)}, "
                f"expected {shape}"
            )
        self._data = data
        self._node = None
        self._requires_grad = True

    @property
    def is_initialized(self) -> bool:
        """Whether the parameter has an array."""
        return self._data is not None

    def to_device(self, device: Any) -> Parameter:
        """Move the parameter (or, if uninitialized, its future array) to ``device``."""
        self._init_device = get_device(device)
        super().to_device(device)
        return self

    def update(self) -> None:
        """Apply the update rule (set by an optimizer's ``setup``) to this parameter.

        Does nothing when no rule is attached or the parameter has no gradient.
        """
        if self.update_rule is not None and self._grad_var is not None:
            self.update_rule.update(self)


def _as_shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


def _xp_dtype(xp: Any, dtype: Any) -> Any:
    """Translate a NumPy dtype (or name) into namespace ``xp``'s dtype object."""
    if xp is numpy:
        return numpy.dtype(dtype)
    return getattr(xp, numpy.dtype(dtype).name)
