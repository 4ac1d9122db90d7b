"""The function under test, made callable on raw arrays: inputs, parameters, casts.

A check evaluates the user's function many times: once with a graph for the analytic
gradient, many times without one on perturbed inputs, and on float64 copies of the inputs
for the numerical reference. :class:`Target` does that bookkeeping in one place. Its
*slots* are the inputs followed by the parameters; the gradient targets are the floating
slots that are not marked ``no_grads``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy

from gradkit.backend import get_array_module, is_array
from gradkit.device import get_device_from_array
from gradkit.function import Function
from gradkit.function_node import FunctionNode
from gradkit.parameter import Parameter
from gradkit.variable import Variable, is_float_dtype

__all__ = ["Target", "function_label", "as_output_tuple", "cast_array"]


def function_label(func: Any) -> str:
    """A short name for ``func``: a Function's label, a callable's name, or its class."""
    label = getattr(func, "label", None)
    if isinstance(label, str):
        return label
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    if isinstance(name, str):
        return name
    return type(func).__name__


def cast_array(x: Any, dtype_name: str) -> Any:
    """``x`` cast to the dtype named ``dtype_name`` of its own namespace (no copy if equal)."""
    xp = get_array_module(x)
    dtype = numpy.dtype(dtype_name) if xp is numpy else getattr(xp, dtype_name)
    if x.dtype == dtype:
        return x
    return xp.astype(x, dtype)


def as_output_tuple(outputs: Any, label: str) -> tuple[Variable, ...]:
    """Normalize what a function returned (a Variable, or a tuple/list of them)."""
    if isinstance(outputs, Variable):
        return (outputs,)
    if isinstance(outputs, tuple | list) and all(isinstance(y, Variable) for y in outputs):
        return tuple(outputs)
    raise TypeError(
        f"{label} returned {type(outputs).__name__}; a checked function must return a Variable "
        "or a tuple of Variables (e.g. `lambda x: MyNode().apply((x,))`)"
    )


def _check_callable(func: Any) -> None:
    """Raise a TypeError that shows the call to write when ``func`` is not a function of the
    inputs: a FunctionNode (class or instance) or a classic Function class."""
    bound = getattr(func, "__self__", None)  # a bound method, such as Node().apply
    node = func if isinstance(func, FunctionNode) else bound
    if isinstance(node, FunctionNode):
        name = type(node).__name__
        what = f"a {name} instance" if node is func else f"a method of one {name} instance"
        raise TypeError(
            f"func is {what}; a FunctionNode records one call, and a check calls the function "
            f"many times. Pass a function that applies a new node per call, e.g. "
            f"lambda *xs: {name}().apply(xs)"
        )
    if isinstance(func, type) and issubclass(func, FunctionNode):
        name = func.__name__
        raise TypeError(
            f"func is the FunctionNode class {name}; pass a function of the inputs that "
            f"applies a new node per call, e.g. lambda *xs: {name}().apply(xs)"
        )
    if isinstance(func, type) and issubclass(func, Function):
        name = func.__name__
        raise TypeError(
            f"func is the Function class {name}; pass an instance, which is called with the "
            f"inputs: {name}(...) with its constructor's arguments, if any"
        )
    if not callable(func):
        raise TypeError(
            "func must be a function of the inputs returning Variables; got an object of "
            f"type {type(func).__name__}"
        )


def _copy(x: Any) -> Any:
    return get_array_module(x).asarray(x, copy=True)


class Target:
    """``func`` with its inputs and parameters, evaluated on arrays.

    Args:
        func: callable taking one Variable per input, returning Variables.
        inputs: arrays (or Variables, whose arrays are used), on any one device.
        params: :class:`~gradkit.Parameter` objects that ``func`` uses.
        no_grads: per input, whether to leave it out of the gradient check.
        dtype: when given, floating inputs and parameters are cast to it.
        names: names of the inputs in reports (default ``x0``, ``x1``...).
    """

    def __init__(
        self,
        func: Callable[..., Any],
        inputs: Sequence[Any],
        params: Sequence[Parameter] = (),
        no_grads: Sequence[bool] | None = None,
        dtype: Any = None,
        names: Sequence[str] | None = None,
    ) -> None:
        _check_callable(func)
        self.func = func
        self.label = function_label(func)
        if isinstance(inputs, Variable) or is_array(inputs):
            inputs = (inputs,)
        arrays = []
        for i, x in enumerate(inputs):
            data = x.array if isinstance(x, Variable) else x
            if isinstance(data, numpy.generic):
                data = numpy.asarray(data)
            if not is_array(data):
                raise TypeError(
                    f"inputs[{i}] is a {type(x).__name__}; pass arrays (NumPy, CuPy, "
                    "array_api_strict) with an explicit dtype"
                )
            arrays.append(data)
        self.params = list(params)
        for j, p in enumerate(self.params):
            if not isinstance(p, Parameter):
                raise TypeError(f"params[{j}] is a {type(p).__name__}, not a gradkit.Parameter")
            if p.array is None:
                raise ValueError(f"params[{j}] ({p.name!r}) is not initialized")
        self.n_inputs = len(arrays)
        if no_grads is not None and len(no_grads) != self.n_inputs:
            raise ValueError(
                f"no_grads has {len(no_grads)} entries for {self.n_inputs} inputs; give one "
                "bool per input"
            )
        self._saved_params = [(p._data, p._node) for p in self.params]
        slots = arrays + [p.array for p in self.params]
        if dtype is not None:
            from gradkit.check.tolerance import dtype_name

            name = dtype_name(dtype)
            slots = [cast_array(a, name) if is_float_dtype(a.dtype) else a for a in slots]
        self.arrays: list[Any] = slots
        input_names = list(names) if names is not None else [f"x{i}" for i in range(self.n_inputs)]
        self.names = input_names + [p.name or f"param{j}" for j, p in enumerate(self.params)]
        self.is_float = [is_float_dtype(a.dtype) for a in slots]
        ng = list(no_grads) if no_grads is not None else [False] * self.n_inputs
        ng += [False] * len(self.params)
        self.targets = [k for k, f in enumerate(self.is_float) if f and not ng[k]]
        self._requires = [k in self.targets for k in range(len(slots))]
        devices = {get_device_from_array(a).name for a in slots}
        self.device = devices.pop() if len(devices) == 1 else ",".join(sorted(devices))

    # ------------------------------------------------------------------ evaluation
    def call(self, arrays: Sequence[Any]) -> tuple[tuple[Variable, ...], list[Variable]]:
        """Run ``func`` on ``arrays`` (one per slot). Returns (outputs, slot Variables).

        Whether a graph is recorded follows the engine's configuration, as for any call.
        """
        n = self.n_inputs
        req = self._requires
        xs = [Variable._from_array(a, req[k]) for k, a in enumerate(arrays[:n])]
        for p, a in zip(self.params, arrays[n:], strict=True):
            # The parameter's node holds its shape and dtype: a new array needs a new node.
            p._data = a
            p._node = None
        outs = as_output_tuple(self.func(*xs), self.label)
        return outs, xs + self.params

    def call_variables(self) -> list[Variable]:
        """Variables for the inputs (parameters hold the cast arrays), for a direct call."""
        n = self.n_inputs
        for p, a in zip(self.params, self.arrays[n:], strict=True):
            p._data = a
            p._node = None
        return [Variable._from_array(a, self._requires[k]) for k, a in enumerate(self.arrays[:n])]

    def restore(self) -> None:
        """Give the parameters back their original arrays and graph nodes."""
        for p, (data, node) in zip(self.params, self._saved_params, strict=True):
            p._data = data
            p._node = node

    def snapshot(self) -> list[Any]:
        """Copies of every slot array (to detect mutation)."""
        return [_copy(a) for a in self.arrays]
