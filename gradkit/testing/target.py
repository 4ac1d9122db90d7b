"""Target: one op bound to one spec, the unit that cases are generated for.

An op is a :class:`~gradkit.FunctionNode` or :class:`~gradkit.Function` class, or a function
over Variables (a functional wrapper). :meth:`Target.function` turns it into a plain callable
over Variables that builds a fresh node for every call, as the checks need (a FunctionNode
instance records one application only).

>>> import gradkit
>>> from gradkit.testing import OpSpec
>>> from gradkit.testing.target import targets_of
>>> class Double(gradkit.FunctionNode):
...     def forward(self, inputs):
...         return (inputs[0] * 2,)
...     def backward(self, target_input_indexes, grad_outputs):
...         return (grad_outputs[0] * 2,)
>>> Double.spec = OpSpec()
>>> (target,) = targets_of(Double)
>>> target.name
'double'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gradkit.function import Function
from gradkit.function_node import FunctionNode
from gradkit.testing.spec import OpSpec, specs_of

__all__ = ["Target", "targets_of", "op_path", "is_op_class"]


def is_op_class(obj: Any) -> bool:
    """Whether ``obj`` is a concrete Function or FunctionNode subclass (one that defines
    ``forward``), as opposed to a base class or anything else."""
    if not inspect.isclass(obj) or inspect.isabstract(obj):
        return False
    if issubclass(obj, FunctionNode):
        return obj.forward is not FunctionNode.forward
    if issubclass(obj, Function):
        return obj.forward is not Function.forward
    return False


def op_path(obj: Any) -> str:
    """The importable dotted path of ``obj``: its module and qualified name."""
    return f"{obj.__module__}.{obj.__qualname__}"


def _unwrap(outputs: tuple[Any, ...]) -> Any:
    return outputs[0] if len(outputs) == 1 else outputs


@dataclass(frozen=True)
class Target:
    """An op bound to one of its specs.

    Attributes:
        path: the op's importable path (``mypkg.ops.Tanh``), as the CLI's TARGET takes it.
        obj: the op (a class or a function).
        spec: the spec (given, or inferred by probing when ``inferred``).
        name: the op's name in case ids (``tanh``).
        inferred: whether the spec was inferred by probing the op (it has none).
        variant: whether the op has several specs, told apart by ``name``.
    """

    path: str
    obj: Any
    spec: OpSpec
    name: str
    inferred: bool = False
    variant: bool = False

    @property
    def label(self) -> str:
        """The op as reports name it: its qualified name (``Tanh``), with the spec's name
        for one of several specs (``Sum[sum_axis]``)."""
        label = getattr(self.obj, "__qualname__", self.name)
        return f"{label}[{self.name}]" if self.variant else label

    def function(self) -> Callable[..., Any]:
        """A callable over Variables returning one Variable or a tuple of them; it builds a
        fresh op for every call (from the class, the spec's kwargs or its factory). Its
        ``__name__`` is :attr:`label`, so check reports name the op."""
        obj, kwargs, factory = self.obj, self.spec.kwargs, self.spec.factory
        if factory is not None:

            def call(*xs: Any) -> Any:
                op = factory()
                if isinstance(op, FunctionNode):
                    return _unwrap(op.apply(xs))
                return op(*xs)

        elif inspect.isclass(obj) and issubclass(obj, FunctionNode):

            def call(*xs: Any) -> Any:
                return _unwrap(obj(**kwargs).apply(xs))

        elif inspect.isclass(obj) and issubclass(obj, Function):

            def call(*xs: Any) -> Any:
                return obj(**kwargs)(*xs)

        else:

            def call(*xs: Any) -> Any:
                return obj(*xs, **kwargs)

        call.__name__ = call.__qualname__ = self.label
        return call

    @property
    def is_classic(self) -> bool:
        """Whether the op is a classic :class:`~gradkit.Function` (first order only)."""
        return inspect.isclass(self.obj) and issubclass(self.obj, Function)

    @property
    def location(self) -> tuple[str, int] | None:
        """``(file, line)`` of the op's backward (of the op itself for a function), for
        annotations that point at the code to fix; ``None`` when the source is unknown."""
        code = getattr(self.obj, "backward", self.obj)
        try:
            return inspect.getsourcefile(code) or "", inspect.getsourcelines(code)[1]
        except (OSError, TypeError):
            return None


def targets_of(obj: Any, *, path: str | None = None) -> list[Target]:
    """The targets of an op that carries a spec (one per attached spec); ``[]`` when it has
    none.

    Names: the spec's ``name``, else the op's name in lowercase. A spec inherited from a base
    class names the subclass, not the base (a planted-bug subclass must not share ids with its
    base); several inherited variants are named ``<op>_<variant>``.
    """
    specs = specs_of(obj)
    if not isinstance(specs, tuple):
        return []
    path = path or op_path(obj)
    default = obj.__name__.lower()
    own = "spec" in vars(obj)
    variant = len(specs) > 1
    targets = []
    for spec in specs:
        if spec.name is None:
            name = default
        elif own:
            name = spec.name
        else:
            name = f"{default}_{spec.name}" if variant else default
        targets.append(Target(path, obj, spec, name, variant=variant))
    return targets
