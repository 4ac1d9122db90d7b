"""FunctionNode: a differentiable function whose backward works on Variables.

Write ``forward(inputs)`` on arrays (returning a tuple of arrays) and
``backward(target_input_indexes, grad_outputs)`` on Variables with gradkit ops, so that the
backward pass is itself differentiable and higher-order gradients come for free.

>>> import numpy as np, gradkit
>>> class Square(gradkit.FunctionNode):
...     def forward(self, inputs):
...         x, = inputs
...         self.retain_inputs((0,))
...         return x * x,
...     def backward(self, target_input_indexes, grad_outputs):
...         x, = self.get_retained_inputs()
...         gy, = grad_outputs
...         return 2 * x * gy,
>>> x = gradkit.Variable(np.array([3.0]))
>>> y, = Square().apply((x,))
>>> y.backward()
>>> x.grad
array([6.])
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy

from gradkit.backend import get_array_module, is_array
from gradkit.config import config
from gradkit.exceptions import (
    DeviceMismatchError,
    ForwardResultError,
    GraphError,
    NumericalInstabilityError,
)
from gradkit.variable import Variable, VariableNode, _dtype_name, is_float_dtype

__all__ = ["FunctionNode"]

_ndarray = numpy.ndarray
_new_variable = Variable._from_array
_new_object = object.__new__
_weakref = weakref.ref
_CPU = numpy.empty(0).device  # what NumPy arrays report as their device


class FunctionNode:
    """Base class of differentiable functions (see the module docstring for an example).

    After :meth:`apply` records the graph, ``inputs`` holds the input nodes, ``outputs``
    weak references to the output nodes, and ``rank`` the generation used to order backprop.
    """

    inputs: tuple[VariableNode, ...] | None = None
    outputs: tuple[weakref.ref[VariableNode], ...] | None = None
    rank: int = 0
    _input_indexes_to_retain: tuple[int, ...] | None = None
    _output_indexes_to_retain: tuple[int, ...] | None = None
    _output_specs: tuple[Any, ...] | None = None
    _retained_output_data: tuple[Any, ...] = ()

    @property
    def label(self) -> str:
        """The name used in error messages (the class name by default)."""
        return type(self).__name__

    # ------------------------------------------------------------------ to override
    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        """Compute the outputs from input arrays. Return a tuple of arrays (a list is
        accepted too)."""
        raise NotImplementedError(f"{self.label} must implement forward(inputs)")

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable | None, ...]:
        """Return the gradients of the inputs listed in ``target_input_indexes``.

        ``grad_outputs`` holds one Variable per output (zeros for an output that received no
        gradient). Return one gradient (or ``None``) per target index, or one per input.
        """
        raise NotImplementedError(
            f"{self.label} has no backward(target_input_indexes, grad_outputs); "
            "it cannot be differentiated"
        )

    # ------------------------------------------------------------------ retention
    def retain_inputs(self, indexes: tuple[int, ...]) -> None:
        """Keep the input arrays at ``indexes`` for backward. Call it from ``forward``."""
        self._input_indexes_to_retain = tuple(indexes)

    def retain_outputs(self, indexes: tuple[int, ...]) -> None:
        """Keep the output arrays at ``indexes`` for backward. Call it from ``forward``."""
        self._output_indexes_to_retain = tuple(indexes)

    def get_retained_inputs(self) -> tuple[Variable, ...]:
        """The retained inputs, as Variables connected to the graph."""
        indexes = self._input_indexes_to_retain
        if indexes is None or self.inputs is None:
            raise GraphError(
                f"{self.label}.get_retained_inputs(): no input was retained; call "
                "self.retain_inputs((0, ...)) in forward for the inputs backward uses"
            )
        inputs = self.inputs
        return tuple([inputs[i].get_variable() for i in indexes])

    def get_retained_outputs(self) -> tuple[Variable, ...]:
        """The retained outputs, as Variables connected to the graph."""
        indexes = self._output_indexes_to_retain
        if indexes is None or self.outputs is None:
            raise GraphError(
                f"{self.label}.get_retained_outputs(): no output was retained; call "
                "self.retain_outputs((0, ...)) in forward for the outputs backward uses"
            )
        if len(self.outputs) == 1:
            # One output (most ops): its node lives on as the next function's input, while
            # its Variable is usually gone; give that node a Variable without the general loop.
            node = self.outputs[0]()
            if node is not None:
                data = self._retained_output_data[0]
                ref = node.variable_ref
                var = None if ref is None else ref()
                if var is None or var._data is not data:
                    var = _new_variable(data, node.requires_grad)
                    var._node = node
                node.data = data
                return (var,)
        outputs = list(self.outputs)
        result = []
        for i, data in zip(indexes, self._retained_output_data, strict=True):
            node = outputs[i]()
            if node is None:
                # Every reference to this output is gone; give it a new node in the graph.
                node = VariableNode(None, self, self.rank + 1, True, data)
                outputs[i] = weakref.ref(node)
            node.data = data
            result.append(node.get_variable())
        self.outputs = tuple(outputs)
        return tuple(result)

    def unchain(self) -> None:
        """Drop the references to the inputs (and retained arrays) of this node."""
        for ref in self.outputs or ():
            node = ref()
            if node is not None:
                node.creator = None
                node.unchained = True
        self.inputs = None

    # ------------------------------------------------------------------ the hot path
    def apply(self, inputs: Any) -> tuple[Variable, ...]:
        """Run forward on ``inputs``, a tuple of Variables or arrays (``apply((x,))`` for one
        input), and return a tuple of output Variables.

        The graph is recorded when backprop is enabled and some input requires a gradient;
        otherwise no node is built at all.
        """
        if type(inputs) is not tuple:
            inputs = self._input_tuple(inputs)
        # Fast path: one NumPy Variable in, one NumPy array out (most ops, most of the time).
        # Anything unusual falls through to the general path below, which validates fully.
        if len(inputs) == 1:
            x = inputs[0]
            if type(x) is Variable:
                d = x._data
                if type(d) is _ndarray:
                    outputs = self.forward((d,))
                    if type(outputs) is tuple and len(outputs) == 1:
                        y = outputs[0]
                        if type(y) is _ndarray and not config.debug:
                            # Objects are built inline here: this runs once per recorded op.
                            var = _new_object(Variable)
                            var._data = y
                            var._grad_var = None
                            var.name = None
                            if not (x._requires_grad and config.enable_backprop):
                                # An output needs a gradient only if an input does.
                                var._node = None
                                var._requires_grad = x._requires_grad and y.dtype.kind in "fc"
                                return (var,)
                            if self.inputs is not None:
                                raise self._reuse_error()
                            node = x._node
                            if node is None:
                                node = x._node = VariableNode(x, None, 0, True, d)
                            self.inputs = (node,)
                            rank = self.rank = node.generation
                            if self._input_indexes_to_retain is not None:
                                node.data = d
                            differentiable = y.dtype.kind in "fc"  # integer outputs: no grad
                            out = _new_object(VariableNode)
                            out.variable_ref = _weakref(var)
                            out.creator = self
                            out.generation = rank + 1
                            out.requires_grad = differentiable
                            out.data = None
                            out.shape = y.shape
                            out.dtype = y.dtype
                            out.device = _CPU
                            var._node = out
                            var._requires_grad = differentiable
                            self.outputs = (_weakref(out),)
                            if self._output_indexes_to_retain is not None:
                                self._retained_output_data = (y,)
                            return (var,)
                    return self._finish(inputs, [d], outputs, x._requires_grad)

        in_data = []
        requires_grad = False
        first_type = None
        mixed = False
        for x in inputs:
            if type(x) is Variable:  # the usual input, checked without isinstance calls
                d = x._data
                if x._requires_grad:
                    requires_grad = True
                t = type(d)
                if t is _ndarray:
                    if first_type is None:
                        first_type = t
                    elif t is not first_type:
                        mixed = True
                    in_data.append(d)
                    continue
            if isinstance(x, Variable):
                d = x._data
                if d is None:
                    raise x._uninitialized_error()
                if x._requires_grad:
                    requires_grad = True
            else:
                d = x
                if type(d) is not _ndarray and not is_array(d):
                    raise self._bad_input_error(len(in_data), x)
            t = type(d)
            if t is not _ndarray and isinstance(d, numpy.generic):
                d = numpy.asarray(d)  # a NumPy scalar is a 0-d array on the host
                t = _ndarray
            if first_type is None:
                first_type = t
            elif t is not first_type:
                mixed = True
            in_data.append(d)
        if mixed or (first_type is not _ndarray and len(in_data) > 1):
            self._check_devices(in_data)
        return self._finish(inputs, in_data, self.forward(tuple(in_data)), requires_grad)

    def _finish(
        self, inputs: Any, in_data: list[Any], outputs: Any, requires_grad: bool
    ) -> tuple[Variable, ...]:
        """Validate forward's result and record the graph (the general path of apply)."""
        if type(outputs) is not tuple:
            outputs = self._fix_forward_result(outputs)
        for y in outputs:
            if type(y) is not _ndarray:
                outputs = self._check_outputs(outputs)
                break
        if config.debug:
            self._check_finite_outputs(outputs)

        if not (requires_grad and config.enable_backprop):
            # An output needs a gradient only if an input does (and it is floating).
            if len(outputs) == 1:  # most ops: without the list comprehension below
                y = outputs[0]
                return (_new_variable(y, requires_grad and is_float_dtype(y.dtype)),)
            return tuple(
                [_new_variable(y, requires_grad and is_float_dtype(y.dtype)) for y in outputs]
            )

        if self.inputs is not None:
            raise self._reuse_error()
        rank = 0
        in_nodes = []
        for x in inputs:
            if type(x) is Variable or isinstance(x, Variable):
                node = x._node
                if node is None:
                    node = x._node = VariableNode(x, None, 0, x._requires_grad, x._data)
            else:
                node = VariableNode(None, None, 0, False, x)
            generation = node.generation
            if generation > rank:
                rank = generation
            in_nodes.append(node)
        self.inputs = tuple(in_nodes)
        self.rank = rank
        if self._input_indexes_to_retain is not None:
            for i in self._input_indexes_to_retain:
                in_nodes[i].data = in_data[i]

        generation = rank + 1
        if len(outputs) == 1:  # most ops: built inline, as in the fast path of apply
            y = outputs[0]
            if type(y) is _ndarray:
                differentiable = y.dtype.kind in "fc"
                device = _CPU
            else:
                differentiable = is_float_dtype(y.dtype)
                device = y.device
            var = _new_object(Variable)
            var._data = y
            var._grad_var = None
            var.name = None
            var._requires_grad = differentiable
            out = _new_object(VariableNode)
            out.variable_ref = _weakref(var)
            out.creator = self
            out.generation = generation
            out.requires_grad = differentiable
            out.data = None
            out.shape = y.shape
            out.dtype = y.dtype
            out.device = device
            var._node = out
            self.outputs = (_weakref(out),)
            if self._output_indexes_to_retain is not None:
                self._retained_output_data = tuple(
                    [outputs[i] for i in self._output_indexes_to_retain]
                )
            return (var,)
        ret = []
        refs = []
        for y in outputs:
            differentiable = is_float_dtype(y.dtype)
            var = _new_variable(y, differentiable)
            node = VariableNode(var, self, generation, differentiable, y)
            var._node = node
            ret.append(var)
            refs.append(weakref.ref(node))
        self.outputs = tuple(refs)
        if len(outputs) > 1:
            self._output_specs = tuple(
                [(y.shape, y.dtype, y.device, get_array_module(y)) for y in outputs]
            )
        if self._output_indexes_to_retain is not None:
            # Kept here, not on the output nodes: the function holds its outputs weakly, so
            # the graph has no reference cycle and is freed by reference counting alone.
            self._retained_output_data = tuple([outputs[i] for i in self._output_indexes_to_retain])
        return tuple(ret)

    # ------------------------------------------------------------------ error paths
    def _input_tuple(self, inputs: Any) -> tuple[Any, ...]:
        # apply takes a sequence of inputs; a lone Variable or array is the classic slip
        # (``apply(x)``), which len() and indexing would otherwise split along its first axis.
        if isinstance(inputs, list):
            return tuple(inputs)
        if isinstance(inputs, Variable) or is_array(inputs) or isinstance(inputs, numpy.generic):
            what = "a Variable" if isinstance(inputs, Variable) else "an array"
            raise TypeError(
                f"{self.label}.apply takes a tuple of inputs, not {what}: call "
                f"{type(self).__name__}(...).apply((x,)) for one input (note the comma), "
                "or apply((x, y)) for several"
            )
        if isinstance(inputs, tuple):  # a tuple subclass (a namedtuple, say)
            return tuple(inputs)
        raise TypeError(
            f"{self.label}.apply takes a tuple of inputs (Variables or arrays); got a "
            f"{type(inputs).__name__}. Call {type(self).__name__}(...).apply((x,)) for one input"
        )

    def _reuse_error(self) -> GraphError:
        return GraphError(
            f"this {self.label} instance was already applied and holds its place in a graph; "
            f"a FunctionNode instance records one call. Create a new one per call, e.g. "
            f"{type(self).__name__}(...).apply(inputs)"
        )

    def _bad_input_error(self, index: int, x: Any) -> TypeError:
        return TypeError(
            f"{self.label}: input {index} is a {type(x).__name__}, not a Variable or an "
            "array. Pass Variables or arrays (NumPy, CuPy, array_api_strict); wrap scalars "
            "in arrays with an explicit dtype."
        )

    def _check_devices(self, in_data: list[Any]) -> None:
        from gradkit.device import get_device_from_array

        devices = [get_device_from_array(d) for d in in_data]
        types = [type(d) for d in in_data]
        first_dev = devices[0]
        for i, (dev, t) in enumerate(zip(devices, types, strict=True)):
            if dev != first_dev or t is not types[0]:
                listing = ", ".join(f"input {j} on {dv}" for j, dv in enumerate(devices))
                raise DeviceMismatchError(
                    f"{self.label}: inputs are on different devices ({listing}); input {i} "
                    f"is on {dev} but input 0 is on {first_dev}. Move them to one device with "
                    "Variable.to_device(...) or gradkit.get_device(name).send(array)."
                )
        # Same namespace: compare native devices too (two GPUs, or strict vs its host device).
        natives = [getattr(d, "device", None) for d in in_data]
        for i, native in enumerate(natives):
            if native != natives[0]:
                raise DeviceMismatchError(
                    f"{self.label}: input {i} is on device {native} but input 0 is on "
                    f"{natives[0]}. Move them to one device first."
                )

    def _fix_forward_result(self, outputs: Any) -> tuple[Any, ...]:
        if isinstance(outputs, list):
            return tuple(outputs)
        hint = "`return y,` (note the comma)" if is_array(outputs) else "`return (y,)`"
        raise ForwardResultError(
            f"{self.label}.forward returned a value of type {type(outputs).__name__}; it must "
            f"return a tuple of arrays, e.g. {hint}"
        )

    def _check_outputs(self, outputs: tuple[Any, ...]) -> tuple[Any, ...]:
        fixed = []
        for i, y in enumerate(outputs):
            if isinstance(y, numpy.generic):
                y = numpy.asarray(y)  # NumPy reductions return scalars for 0-d results
            elif isinstance(y, Variable):
                raise ForwardResultError(
                    f"{self.label}.forward returned a Variable as output {i}; forward works "
                    "on arrays: return y.array, or compute with the array namespace (xp)"
                )
            elif not is_array(y):
                raise ForwardResultError(
                    f"{self.label}.forward returned a {type(y).__name__} as output {i}; "
                    "every output must be an array of the inputs' namespace and device"
                )
            fixed.append(y)
        return tuple(fixed)

    def _check_finite_outputs(self, outputs: tuple[Any, ...]) -> None:
        for i, y in enumerate(outputs):
            if is_float_dtype(y.dtype):
                xp = get_array_module(y)
                if not bool(xp.all(xp.isfinite(y))):
                    raise NumericalInstabilityError(
                        f"{self.label}.forward produced NaN or Inf in output {i} (shape "
                        f"{y.shape}, dtype {_dtype_name(y.dtype)}); config.debug is on"
                    )


# The engine arithmetic subclasses FunctionNode and installs Variable's operators; see the end
# of gradkit/variable.py.
import gradkit.arithmetic  # noqa: E402, F401
