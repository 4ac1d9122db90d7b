"""Backpropagation: iterative, ordered by generation, with gradient accumulation.

Functions are taken from a heap ordered by rank (the highest first), so every function runs
after all the functions that consume its outputs: each gradient is complete when used, and a
graph of any depth runs without recursion. Gradients of intermediate variables are dropped as
soon as their creator has used them, unless ``retain_grad`` asks to keep them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy

from gradkit.backend import get_array_module, is_array
from gradkit.config import config
from gradkit.device import device_name, get_device_from_array
from gradkit.exceptions import BackwardResultError, GraphError, NumericalInstabilityError
from gradkit.variable import Variable, VariableNode, _dtype_name, is_float_dtype

__all__ = ["backward", "grad"]

_new_variable = Variable._from_array
_ndarray = numpy.ndarray
_SINGLE_TARGET = (0,)
# Sets a flag of the thread-local config without the check of the flag's name (a known one
# here), which costs as much as the rest of a small backward's setup.
_set_flag = threading.local.__setattr__


def backward(
    outputs: Sequence[Variable],
    grad_outputs: Sequence[Any] | None = None,
    *,
    retain_grad: bool = False,
    enable_double_backprop: bool = False,
) -> None:
    """Backpropagate from several outputs at once, accumulating into the leaves' ``grad``.

    Args:
        outputs: the Variables to start from.
        grad_outputs: one initial gradient (array, Variable or ``None``) per output; ``None``
            means the output's own ``grad``, or 1 for a single-element output.
        retain_grad: keep the gradients of intermediate variables too.
        enable_double_backprop: record the backward computation for higher-order gradients.

    >>> import numpy as np, gradkit
    >>> x = gradkit.Variable(np.array([1.0, 2.0]))
    >>> y, z = x * 3, x * x
    >>> gradkit.backward([y, z], [np.ones(2), np.ones(2)])
    >>> x.grad
    array([5., 7.])
    """
    outputs, initial = _initial_grads(outputs, grad_outputs, "backward")
    root_nodes = [out.node for out in outputs]
    for out, node in zip(outputs, root_nodes, strict=True):
        if node.creator is None and getattr(node, "unchained", False):
            raise GraphError(
                f"{out._describe()} was unchained (unchain()/unchain_backward()), so it has no "
                "graph to backpropagate through. Run the forward pass again to build a new graph."
            )
    for out, g in zip(outputs, initial, strict=True):
        if out._grad_var is None and out.size == 1:
            out._grad_var = g  # as Chainer does: a scalar output's grad becomes 1
    grads = _backprop(root_nodes, initial, retain_grad, enable_double_backprop, targets=None)

    # What is left are the gradients of leaves (and of unchained variables): store them.
    roots = set(root_nodes)
    assigned: set[int] = {id(g._data) for g in initial}
    for node, g in grads.items():
        if node in roots or node.creator is not None:
            continue
        var = None if node.variable_ref is None else node.variable_ref()
        if var is None or not node.requires_grad:
            continue
        if not enable_double_backprop:
            if id(g._data) in assigned:  # never let two variables share one gradient array
                g = _new_variable(get_array_module(g._data).asarray(g._data, copy=True))
            assigned.add(id(g._data))
        prev = var._grad_var
        var._grad_var = g if prev is None else _accumulate(prev, g, enable_double_backprop)


def grad(
    outputs: Sequence[Variable],
    inputs: Sequence[Variable],
    grad_outputs: Sequence[Any] | None = None,
    enable_double_backprop: bool = False,
) -> list[Variable | None]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` without storing them.

    Each result is a Variable, or ``None`` when no gradient reaches that input. With
    ``enable_double_backprop=True`` the results have a graph and can be differentiated again.

    >>> import numpy as np, gradkit
    >>> x = gradkit.Variable(np.array(3.0))
    >>> y = x ** 3
    >>> gx, = gradkit.grad([y], [x], enable_double_backprop=True)
    >>> gx.item()
    27.0
    >>> ggx, = gradkit.grad([gx], [x])
    >>> ggx.item()
    18.0
    """
    if isinstance(inputs, Variable):
        inputs = [inputs]
    for i, x in enumerate(inputs):
        if not isinstance(x, Variable):
            raise TypeError(f"grad(): inputs[{i}] is a {type(x).__name__}, not a Variable")
    outputs, initial = _initial_grads(outputs, grad_outputs, "grad")
    root_nodes = [out.node for out in outputs]
    target_nodes = [x._node for x in inputs]
    targets = {n for n in target_nodes if n is not None}
    grads = _backprop(root_nodes, initial, False, enable_double_backprop, targets=targets)
    return [None if n is None else grads.get(n) for n in target_nodes]


def _initial_grads(
    outputs: Any, grad_outputs: Any, caller: str
) -> tuple[list[Variable], list[Variable]]:
    if isinstance(outputs, Variable):
        outputs = [outputs]
    outputs = list(outputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Variable) or is_array(grad_outputs):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"{caller}(): {len(outputs)} outputs but {len(grad_outputs)} grad_outputs; give one "
            "initial gradient (or None) per output"
        )
    initial = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs, strict=True)):
        if not isinstance(out, Variable):
            raise TypeError(f"{caller}(): outputs[{i}] is a {type(out).__name__}, not a Variable")
        if out._data is None:
            raise out._uninitialized_error()
        if g is None:
            g = out._grad_var
        if g is None:
            if out.size != 1:
                raise GraphError(
                    f"{caller}() from {out._describe()} of shape {out.shape} needs an initial "
                    "gradient: only single-element outputs default to 1. Reduce the output to a "
                    "scalar (e.g. y.sum()), set y.grad = xp.ones_like(y.array), or pass "
                    "grad_outputs."
                )
            data = out._data
            xp = get_array_module(data)
            g = xp.ones(data.shape, dtype=data.dtype, device=data.device)
        if not isinstance(g, Variable):
            g = Variable(g, requires_grad=False)
        gd = g._data
        data = out._data
        if type(gd) is _ndarray and type(data) is _ndarray:
            pass  # both on the host: no device to compare
        elif get_device_from_array(gd) != out.device:
            raise ValueError(
                f"{caller}(): the initial gradient of outputs[{i}] is on device "
                f"{get_device_from_array(gd)}, but the output is on {out.device}; send it "
                f"there first, e.g. gradkit.get_device('{out.device}').send(g)"
            )
        if gd.shape != out._data.shape or gd.dtype != out._data.dtype:
            raise ValueError(
                f"{caller}(): the initial gradient of outputs[{i}] has shape {gd.shape} and dtype "
                f"{_dtype_name(gd.dtype)}; the output has shape {out._data.shape} and dtype "
                f"{_dtype_name(out._data.dtype)}"
            )
        initial.append(g)
    return outputs, initial


def _accumulate(prev: Variable, g: Variable, double: bool) -> Variable:
    if double:
        return prev + g
    total = prev._data + g._data
    if isinstance(total, numpy.generic):  # NumPy gives scalars for 0-d sums
        total = numpy.asarray(total)
    return _new_variable(total)


def _backprop(
    root_nodes: list[VariableNode],
    initial: list[Variable],
    retain_grad: bool,
    enable_double_backprop: bool,
    targets: set[VariableNode] | None,
) -> dict[VariableNode, Variable]:
    grads: dict[VariableNode, Variable] = {}
    heap: list[tuple[int, int, Any]] = []
    pushed: set[int] = set()
    counter = 0
    for node, g in zip(root_nodes, initial, strict=True):
        prev = grads.get(node)
        grads[node] = g if prev is None else prev + g
        creator = node.creator
        if creator is not None and id(creator) not in pushed:
            pushed.add(id(creator))
            heappush(heap, (-creator.rank, counter, creator))
            counter += 1

    keep = targets if targets is not None else ()
    debug = config.debug
    old_enable_backprop = config.enable_backprop
    _set_flag(config, "enable_backprop", enable_double_backprop)
    # ``ready`` holds the next function when it is the only one pending (a chain), which
    # spares the heap; as soon as a second one is pending, both go through the heap.
    ready = None
    try:
        while True:
            if ready is not None:
                func = ready
                ready = None
            elif heap:
                func = heappop(heap)[2]
            else:
                break
            in_nodes = func.inputs
            if in_nodes is None:
                raise GraphError(
                    f"backward reached {func.label}, whose graph was released by unchain() or "
                    "unchain_backward(). Run the forward pass again to build a new graph."
                )
            out_refs = func.outputs
            if len(out_refs) == 1:  # the common case, without the general loop
                out_node = out_refs[0]()
                if out_node is None:
                    continue  # nothing can have reached an output that no longer exists
                if keep and out_node in keep:
                    g = grads.get(out_node)
                else:
                    g = grads.pop(out_node, None)
                if g is None:
                    continue  # nothing reached this function's only output
                if retain_grad:
                    _retain(out_node, g, enable_double_backprop)
                gys = (g,)
            else:
                gys = _output_grads(
                    func, out_refs, grads, keep, retain_grad, enable_double_backprop
                )

            if len(in_nodes) == 1:
                node = in_nodes[0]
                if not node.requires_grad:
                    continue
                gxs = func.backward(_SINGLE_TARGET, gys)
                # Flat acceptance of the common case: one well-formed gradient for one input
                # (a chain of unary ops). Anything else goes through the full validation.
                if type(gxs) is tuple and len(gxs) == 1 and not debug:
                    gx = gxs[0]
                    if type(gx) is Variable:
                        gd = gx._data
                        if (
                            gd.dtype is node.dtype
                            and gd.shape == node.shape
                            and (type(gd) is _ndarray or gd.device == node.device)
                        ):
                            prev = grads.get(node)
                            grads[node] = gx if prev is None else prev + gx
                            creator = node.creator
                            if creator is not None:
                                key = id(creator)
                                if key not in pushed:
                                    pushed.add(key)
                                    if ready is None and not heap:
                                        ready = creator
                                    else:
                                        if ready is not None:
                                            heappush(heap, (-ready.rank, counter, ready))
                                            counter += 1
                                            ready = None
                                        heappush(heap, (-creator.rank, counter, creator))
                                        counter += 1
                            continue
                target_indexes = _SINGLE_TARGET
            else:
                target_indexes = tuple([i for i, n in enumerate(in_nodes) if n.requires_grad])
                if not target_indexes:
                    continue
                gxs = func.backward(target_indexes, gys)

            for i, gx in zip(
                target_indexes,
                _check_gradients(func, in_nodes, target_indexes, gxs, debug),
                strict=True,
            ):
                if gx is None:
                    continue
                node = in_nodes[i]
                prev = grads.get(node)
                grads[node] = gx if prev is None else prev + gx
                creator = node.creator
                if creator is not None and id(creator) not in pushed:
                    pushed.add(id(creator))
                    if ready is None and not heap:
                        ready = creator
                        continue
                    if ready is not None:
                        heappush(heap, (-ready.rank, counter, ready))
                        counter += 1
                        ready = None
                    heappush(heap, (-creator.rank, counter, creator))
                    counter += 1
    finally:
        _set_flag(config, "enable_backprop", old_enable_backprop)
    return grads


def _retain(out_node: VariableNode, g: Variable, double: bool) -> None:
    """Store ``g`` on the live Variable of ``out_node`` (retain_grad)."""
    var = out_node.variable_ref()
    if var is not None:
        prev = var._grad_var
        if prev is g:  # a root whose grad already is the initial gradient
            return
        if prev is not None:
            var._grad_var = _accumulate(prev, g, double)
        elif double:
            var._grad_var = g
        else:  # the same array flows on to other variables: keep a copy of its own
            var._grad_var = _new_variable(get_array_module(g._data).asarray(g._data, copy=True))


def _output_grads(
    func: Any,
    out_refs: Any,
    grads: dict[VariableNode, Variable],
    keep: Any,
    retain_grad: bool,
    double: bool,
) -> tuple[Variable, ...]:
    """Collect (and free, unless kept) the gradients of a multi-output function's outputs."""
    gys: list[Variable | None] = []
    missing = False
    for ref in out_refs:
        out_node = ref()
        g = None
        if out_node is not None:
            g = grads.get(out_node) if out_node in keep else grads.pop(out_node, None)
            if retain_grad and g is not None:
                _retain(out_node, g, double)
        if g is None:
            missing = True
        gys.append(g)
    return tuple(_fill_zeros(func, gys) if missing else gys)


def _fill_zeros(func: Any, gys: list[Variable | None]) -> list[Variable]:
    specs = func._output_specs
    filled = []
    for i, g in enumerate(gys):
        if g is None:
            if specs is None:  # single-output function whose output got no gradient
                raise GraphError(f"{func.label}: output {i} received no gradient")
            shape, dtype, device, xp = specs[i]
            g = _new_variable(xp.zeros(shape, dtype=dtype, device=device))
        filled.append(g)
    return filled


def _check_gradients(
    func: Any,
    in_nodes: tuple[VariableNode, ...],
    target_indexes: tuple[int, ...],
    gxs: Any,
    debug: bool,
) -> list[Variable | None]:
    """Validate what ``func.backward`` returned and return one gradient per target."""
    if type(gxs) is not tuple:
        if isinstance(gxs, list):
            gxs = tuple(gxs)
        else:
            hint = " (return a tuple, e.g. `return gx,`)" if gxs is not None else ""
            raise BackwardResultError(
                f"{func.label}.backward returned a {type(gxs).__name__}; it must return a tuple "
                f"with one gradient (or None) per input{hint}"
            )
    n_inputs = len(in_nodes)
    if len(gxs) == len(target_indexes):
        picked = gxs
    elif len(gxs) == n_inputs:
        for j, (gx, node) in enumerate(zip(gxs, in_nodes, strict=True)):
            if gx is not None and not node.requires_grad and not is_float_dtype(node.dtype):
                actual = _dtype_name(getattr(gx, "dtype", type(gx).__name__))
                raise BackwardResultError(
                    f"{func.label}.backward returned a {actual} gradient for input {j}, which "
                    f"is an integer input (dtype {_dtype_name(node.dtype)}) and has no "
                    "gradient; return None for it",
                    subcheck="int_input_grad",
                    input_index=j,
                )
        picked = tuple([gxs[i] for i in target_indexes])
    else:
        plural = "input" if n_inputs == 1 else "inputs"
        hint = ""
        if len(gxs) > n_inputs:
            hint = (
                " Values held as attributes (such as weights set in __init__) are not inputs: "
                "pass every array that needs a gradient as an input, e.g. f(x, W, b), or return "
                "fewer gradients."
            )
        raise BackwardResultError(
            f"{func.label}.backward returned {len(gxs)} gradients, but {func.label} has "
            f"{n_inputs} {plural} (of which {len(target_indexes)} need a gradient, indexes "
            f"{list(target_indexes)}). Return one gradient (or None) per input, in order.{hint}"
        )

    result: list[Variable | None] = []
    for i, gx in zip(target_indexes, picked, strict=True):
        if gx is None:
            result.append(None)
            continue
        if type(gx) is not Variable:
            if isinstance(gx, Variable):
                pass
            elif is_array(gx):
                gx = _new_variable(gx)
            else:
                raise BackwardResultError(
                    f"{func.label}.backward returned a {type(gx).__name__} as the gradient of "
                    f"input {i}; return a Variable or an array",
                    subcheck="grad_type",
                    input_index=i,
                )
        node = in_nodes[i]
        gd = gx._data
        if gd.shape != node.shape:
            raise BackwardResultError(
                f"{func.label}.backward returned a gradient of shape {gd.shape} for input {i}, "
                f"whose shape is {node.shape}; a gradient has its input's shape (sum over "
                "broadcast dimensions, e.g. with gradkit.arithmetic.sum_to)",
                subcheck="grad_shape",
                input_index=i,
            )
        if gd.device != node.device:
            raise BackwardResultError(
                f"{func.label}.backward returned a gradient on device "
                f"{get_device_from_array(gd)} for input {i}, which is on "
                f"{device_name(node.device)}; create arrays with device=x.device",
                subcheck="grad_device",
                input_index=i,
            )
        if gd.dtype != node.dtype:
            raise BackwardResultError(
                f"{func.label}.backward returned a gradient of dtype {_dtype_name(gd.dtype)} "
                f"for input {i}, whose dtype is {_dtype_name(node.dtype)}; a gradient has its "
                "input's dtype (cast with astype, and create arrays with dtype=x.dtype)",
                subcheck="grad_dtype",
                input_index=i,
            )
        if debug:
            xp = get_array_module(gd)
            if not bool(xp.all(xp.isfinite(gd))):
                raise NumericalInstabilityError(
                    f"{func.label}.backward produced NaN or Inf in the gradient of input {i} "
                    f"(shape {gd.shape}); config.debug is on"
                )
        result.append(gx)
    return result
