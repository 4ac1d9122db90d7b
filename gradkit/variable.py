"""Variable: an array with a place in the computational graph.

The graph itself is made of :class:`VariableNode` objects (one per Variable that took part in
a recorded computation) and :class:`~gradkit.FunctionNode` objects. Nodes keep metadata only
(shape, dtype, device); an array is kept in the graph only when a function retains it for its
backward pass. So dropping a Variable frees its array as soon as no backward needs it.

The arithmetic operators (``+ - * / ** @``, unary ``-``, ``abs``, indexing) are installed by
:mod:`gradkit.arithmetic` when gradkit is imported.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy

from gradkit.backend import get_array_module, is_array, to_numpy
from gradkit.device import Device, get_device, get_device_from_array
from gradkit.exceptions import GraphError

__all__ = ["Variable", "VariableNode", "as_variable", "as_array", "is_float_dtype"]

_ndarray = numpy.ndarray
_new_object = object.__new__

# id(dtype) -> (dtype, answer). Keyed by identity because dtypes of different namespaces
# must not be compared with each other; holding the dtype keeps its id from being reused.
_FLOAT_DTYPE_CACHE: dict[int, tuple[Any, bool]] = {}


def is_float_dtype(dtype: Any) -> bool:
    """Whether ``dtype`` is a real or complex floating dtype (cached, any namespace)."""
    hit = _FLOAT_DTYPE_CACHE.get(id(dtype))
    if hit is not None:
        return hit[1]
    kind = getattr(dtype, "kind", None)
    if kind is None:  # array_api_strict dtypes have no ``kind``; ask NumPy about the name
        kind = numpy.dtype(str(dtype).rpartition(".")[2]).kind
    result = kind in "fc"
    _FLOAT_DTYPE_CACHE[id(dtype)] = (dtype, result)
    return result


class VariableNode:
    """A Variable's place in the graph: its creator, generation and array metadata.

    ``data`` holds the array only while a function retains it for backward.
    """

    __slots__ = (
        "__weakref__",
        "creator",
        "data",
        "device",
        "dtype",
        "generation",
        "requires_grad",
        "shape",
        "unchained",
        "variable_ref",
    )

    def __init__(
        self,
        variable: Variable | None,
        creator: Any,
        generation: int,
        requires_grad: bool,
        data: Any,
    ) -> None:
        self.variable_ref = None if variable is None else weakref.ref(variable)
        self.creator = creator
        self.generation = generation
        self.requires_grad = requires_grad
        self.data = None
        self.shape = data.shape
        self.dtype = data.dtype
        self.device = data.device
        # ``unchained`` is set only by unchain(); read it with getattr(node, "unchained", False).

    def get_variable(self) -> Variable:
        """The Variable of this node: the live one if it still holds the retained array,
        otherwise a new Variable that shares this node (and so this place in the graph)."""
        ref = self.variable_ref
        var = None if ref is None else ref()
        if var is not None and (self.data is None or var._data is self.data):
            return var
        if self.data is None:
            raise GraphError(
                "the array of this graph node was not retained and its Variable is gone; "
                "a FunctionNode must call retain_inputs()/retain_outputs() in forward for "
                "every array its backward uses"
            )
        var = Variable._from_array(self.data, self.requires_grad)
        var._node = self
        return var

    @property
    def label(self) -> str:
        """The name of the node's Variable, or a description of its array."""
        ref = self.variable_ref
        var = None if ref is None else ref()
        if var is not None and var.name:
            return var.name
        return f"array of shape {self.shape} and dtype {_dtype_name(self.dtype)}"


def _dtype_name(dtype: Any) -> str:
    return str(dtype).rpartition(".")[2]


class Variable:
    """An array with gradient bookkeeping.

    Args:
        data: a NumPy, CuPy or array_api_strict array (``None`` only for an uninitialized
            :class:`~gradkit.Parameter`).
        name: a name used in error messages and reprs.
        requires_grad: whether gradients flow to this variable. Defaults to ``True`` for
            floating arrays; integer and boolean arrays never require a gradient.

    >>> import numpy as np, gradkit
    >>> x = gradkit.Variable(np.array([1.0, 2.0], dtype=np.float32), name="x")
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([2., 4.], dtype=float32)
    """

    __slots__ = ("__weakref__", "_data", "_grad_var", "_node", "_requires_grad", "name")

    # NumPy defers to Variable's reflected operators (``ndarray * Variable``).
    __array_ufunc__ = None
    __array_priority__ = 200

    def __init__(
        self, data: Any = None, *, name: str | None = None, requires_grad: bool | None = None
    ) -> None:
        if data is not None and not is_array(data):
            if isinstance(data, numpy.generic):
                data = numpy.asarray(data)
            elif isinstance(data, Variable):
                raise TypeError(
                    "Variable(data) takes an array, not a Variable; use the Variable itself, "
                    "or Variable(v.array) for a new leaf sharing its array"
                )
            else:
                raise TypeError(
                    f"Variable(data) takes an array (NumPy, CuPy or array_api_strict); got "
                    f"{type(data).__name__}. Wrap it, e.g. "
                    "Variable(np.asarray(data, dtype=np.float32))"
                )
        self._data = data
        self._node: VariableNode | None = None
        self._grad_var: Variable | None = None
        self.name = name
        if data is not None and not is_float_dtype(data.dtype):
            if requires_grad:
                raise TypeError(
                    f"a Variable of dtype {_dtype_name(data.dtype)} cannot require a gradient; "
                    "only floating arrays have gradients"
                )
            requires_grad = False
        self._requires_grad = True if requires_grad is None else bool(requires_grad)

    @staticmethod
    def _from_array(data: Any, requires_grad: bool = True) -> Variable:
        """Fast constructor for arrays the engine produced itself (no validation beyond
        turning a NumPy scalar into a 0-d array). A plain function, not a classmethod: it is
        on every hot path of the engine."""
        if type(data) is not _ndarray and isinstance(data, numpy.generic):
            data = numpy.asarray(data)
        var = _new_object(Variable)
        var._data = data
        var._node = None
        var._grad_var = None
        var._requires_grad = requires_grad
        var.name = None
        return var

    # ------------------------------------------------------------------ data and gradient
    @property
    def array(self) -> Any:
        """The underlying array."""
        return self._data

    @array.setter
    def array(self, value: Any) -> None:
        if value is not None and not is_array(value):
            raise TypeError(f"Variable.array must be an array; got {type(value).__name__}")
        node = self._node
        if node is not None and (
            value is None
            or value.shape != node.shape
            or type(value) is not type(self._data)
            or value.dtype != node.dtype
            or value.device != node.device
        ):
            # A different kind of array: graphs built on the old one no longer feed this
            # variable, and the next graph gets a node with the new metadata.
            node.variable_ref = None
            self._node = None
        self._data = value

    data = array

    @property
    def grad_var(self) -> Variable | None:
        """The gradient as a Variable (it has a graph after double backprop), or ``None``."""
        return self._grad_var

    @grad_var.setter
    def grad_var(self, value: Variable | Any | None) -> None:
        if value is not None and not isinstance(value, Variable):
            if not is_array(value):
                raise TypeError(
                    f"grad_var must be a Variable, an array or None; got {type(value).__name__}"
                )
            value = Variable._from_array(value)
        if value is not None:
            self._check_grad(value._data)
        self._grad_var = value

    @property
    def grad(self) -> Any:
        """The gradient as an array, or ``None``."""
        gv = self._grad_var
        return None if gv is None else gv._data

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._grad_var = None
            return
        self._check_grad(value)
        self._grad_var = Variable._from_array(value)

    def _check_grad(self, g: Any) -> None:
        if not is_array(g):
            raise TypeError(f"a gradient must be an array; got {type(g).__name__}")
        if self._data is not None and get_device_from_array(g) != self.device:
            raise ValueError(
                f"gradient on device {get_device_from_array(g)} does not fit "
                f"{self._describe()} on device {self.device}; send it there first, e.g. "
                f"gradkit.get_device('{self.device}').send(g)"
            )
        if self._data is not None and (g.shape != self._data.shape or g.dtype != self._data.dtype):
            raise ValueError(
                f"gradient of shape {g.shape} and dtype {_dtype_name(g.dtype)} does not fit "
                f"{self._describe()} (shape {self._data.shape}, dtype "
                f"{_dtype_name(self._data.dtype)})"
            )

    def cleargrad(self) -> None:
        """Forget the accumulated gradient."""
        self._grad_var = None

    # ------------------------------------------------------------------ metadata
    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this variable."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self._data is not None and not is_float_dtype(self._data.dtype):
            raise TypeError(
                f"a Variable of dtype {_dtype_name(self._data.dtype)} cannot require a gradient"
            )
        self._requires_grad = bool(value)
        if self._node is not None:
            self._node.requires_grad = bool(value)

    @property
    def node(self) -> VariableNode:
        """This variable's node in the graph (created on first use)."""
        node = self._node
        if node is None:
            if self._data is None:
                raise self._uninitialized_error()
            node = self._node = VariableNode(self, None, 0, self._requires_grad, self._data)
        return node

    @property
    def creator(self) -> Any:
        """The FunctionNode that computed this variable, or ``None`` for a leaf."""
        node = self._node
        return None if node is None else node.creator

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the array."""
        try:
            return self._data.shape
        except AttributeError:
            raise self._uninitialized_error() from None

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        try:
            return self._data.ndim
        except AttributeError:
            raise self._uninitialized_error() from None

    @property
    def size(self) -> int:
        """Number of elements."""
        try:
            return int(self._data.size)
        except AttributeError:
            raise self._uninitialized_error() from None

    @property
    def dtype(self) -> Any:
        """Dtype of the array."""
        try:
            return self._data.dtype
        except AttributeError:
            raise self._uninitialized_error() from None

    @property
    def device(self) -> Device:
        """The :class:`~gradkit.Device` the array lives on."""
        if self._data is None:
            raise self._uninitialized_error()
        return get_device_from_array(self._data)

    @property
    def xp(self) -> Any:
        """The array namespace of the array."""
        if self._data is None:
            raise self._uninitialized_error()
        return get_array_module(self._data)

    def _describe(self) -> str:
        return f"Variable {self.name!r}" if self.name else "the Variable"

    def _uninitialized_error(self) -> ValueError:
        return ValueError(
            f"{self._describe()} has no array yet (an uninitialized Parameter); call "
            "initialize(shape) first, or give it an initial array"
        )

    # ------------------------------------------------------------------ graph
    def backward(self, retain_grad: bool = False, enable_double_backprop: bool = False) -> None:
        """Backpropagate from this variable, accumulating gradients into the leaves' ``grad``.

        The initial gradient is ``self.grad`` when set, otherwise 1 for a single-element
        variable; a variable with more elements needs ``self.grad`` set first.

        Args:
            retain_grad: keep the gradients of intermediate variables too.
            enable_double_backprop: record the backward computation, so the gradients
                themselves can be differentiated.
        """
        from gradkit.backprop import backward

        backward(
            [self], None, retain_grad=retain_grad, enable_double_backprop=enable_double_backprop
        )

    def unchain(self) -> None:
        """Cut the link to this variable's creator: backprop stops here."""
        node = self._node
        if node is not None and node.creator is not None:
            node.creator = None
            node.unchained = True

    def unchain_backward(self) -> None:
        """Cut every link upstream of this variable, freeing the graph behind it."""
        node = self._node
        if node is None:
            return
        stack = [node.creator] if node.creator is not None else []
        seen = set()
        while stack:
            func = stack.pop()
            if id(func) in seen:
                continue
            seen.add(id(func))
            for in_node in func.inputs or ():
                if in_node.creator is not None:
                    stack.append(in_node.creator)
                    in_node.creator = None
                    in_node.unchained = True
            func.unchain()
        node.creator = None
        node.unchained = True

    def to_device(self, device: Any) -> Variable:
        """Move this leaf variable's array (and gradient) to ``device``, in place.

        Returns the variable itself, so ``x = Variable(a).to_device("strict")`` reads well.
        """
        dev = get_device(device)
        if self.creator is not None:
            raise GraphError(
                f"to_device moves a Variable in place, but {self._describe()} was computed by "
                f"{self.creator.label}, so its graph would mix devices. Move the leaf variables "
                "(inputs and parameters) before running the forward pass."
            )
        if self._data is not None:
            self._data = dev.send(self._data)
        if self._grad_var is not None:
            self._grad_var = Variable._from_array(dev.send(self._grad_var._data))
        if self._node is not None:
            # Graphs built before the move keep their node but no longer feed this variable.
            self._node.variable_ref = None
            self._node = None
        return self

    # ------------------------------------------------------------------ Python protocols
    def item(self) -> Any:
        """The value of a single-element variable as a Python scalar."""
        if self.size != 1:
            raise ValueError(
                f"item() needs a single-element Variable; this one has shape {self.shape}"
            )
        return to_numpy(self._data).item()

    def __len__(self) -> int:
        if self._data is None:
            raise self._uninitialized_error()
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d Variable")
        return self._data.shape[0]

    def __bool__(self) -> bool:
        if self._data is None or self.size != 1:
            shape = None if self._data is None else self.shape
            raise ValueError(
                f"the truth value of a Variable of shape {shape} is ambiguous: only "
                "single-element variables convert to bool. Compare arrays instead, e.g. "
                "bool((x.array > 0).all())"
            )
        return bool(to_numpy(self._data).item())

    __hash__ = object.__hash__

    # Comparisons give plain boolean arrays: they have no gradient.
    def __lt__(self, other: Any) -> Any:
        return self._data < as_array(other)

    def __le__(self, other: Any) -> Any:
        return self._data <= as_array(other)

    def __gt__(self, other: Any) -> Any:
        return self._data > as_array(other)

    def __ge__(self, other: Any) -> Any:
        return self._data >= as_array(other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._data == as_array(other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._data != as_array(other)

    def __repr__(self) -> str:
        if self._data is None:
            return f"variable(None, name={self.name!r})" if self.name else "variable(None)"
        host = to_numpy(self._data)
        body = numpy.array2string(host, separator=", ", prefix="variable(")
        extra = f", name={self.name!r}" if self.name else ""
        return (
            f"variable({body}, dtype={_dtype_name(self._data.dtype)}, device={self.device}{extra})"
        )

    __str__ = __repr__


def as_variable(x: Any) -> Variable:
    """Return ``x`` if it is a Variable, else a new leaf Variable around the array ``x``
    that does not require a gradient."""
    if isinstance(x, Variable):
        return x
    return Variable(x, requires_grad=False)


def as_array(x: Any) -> Any:
    """Return the array of a Variable, or ``x`` itself."""
    return x._data if isinstance(x, Variable) else x


# Variable's operators are installed by the engine arithmetic, which needs FunctionNode; the
# function_node module imports it at its end. Importing that module here (after Variable
# exists) installs the operators whichever engine module is imported first.
import gradkit.function_node  # noqa: E402, F401
