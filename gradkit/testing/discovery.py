"""Discovery: the checkable ops of a module or package, found deterministically.

:func:`discover` takes what the CLI calls a TARGET: a module or package (walked through its
submodules), an op (``pkg.mod.Op`` or ``pkg.mod:Op``), or the objects themselves. It returns
:class:`Discovery`: the targets (each op bound to each of its specs) sorted by name, the ops
that need a spec, and the ops marked :class:`~gradkit.testing.Unchecked`.

What counts as an op:

* a Function or FunctionNode class defined in the module or package (base classes that do not
  define ``forward``, and names starting with ``_``, are left out);
* any class or function that carries a spec (re-exports included, each op once).

A Function without a spec is still checked: probing calls it on same-shape float inputs
(1 to 3 inputs, a few shapes, values in (-1, 1) or (0.5, 2)) and infers a spec from what runs.
When nothing runs, the op is listed in :attr:`Discovery.needs_spec` with a message saying how
to write one.

Modules named ``__main__``, ``conftest``, ``test*`` and ``tests`` are not walked.

>>> import types, gradkit
>>> from gradkit.testing import discover
>>> mod = types.ModuleType("demo_ops")
>>> class Square(gradkit.FunctionNode):
...     def forward(self, inputs):
...         self.retain_inputs((0,))
...         return (inputs[0] * inputs[0],)
...     def backward(self, target_input_indexes, grad_outputs):
...         (x,) = self.get_retained_inputs()
...         return (2 * x * grad_outputs[0],)
>>> Square.__module__ = mod.__name__
>>> mod.Square = Square
>>> found = discover(mod)
>>> [(t.name, t.inferred, t.spec.shapes[0].token) for t in found.targets]
[('square', True, '3x4')]
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import pkgutil
import traceback
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy

from gradkit.config import no_backprop_mode
from gradkit.testing.shapes import shape_token
from gradkit.testing.spec import Input, OpSpec, Unchecked, specs_of
from gradkit.testing.target import Target, is_op_class, op_path, targets_of
from gradkit.variable import Variable, is_float_dtype

__all__ = [
    "Discovery",
    "DiscoveryError",
    "NeedsSpec",
    "Excluded",
    "discover",
    "resolve",
    "probe",
    "PROBE_SHAPES",
    "PROBE_DOMAINS",
]

#: The shapes probing tries, in order (a square one so that matmul-like ops run).
PROBE_SHAPES: tuple[tuple[int, ...], ...] = ((3, 4), (3, 3), (5,), ())

#: The value domains probing tries: first around zero, then positive (log, sqrt...).
PROBE_DOMAINS: tuple[tuple[float, float], ...] = ((-1.0, 1.0), (0.5, 2.0))

_SKIPPED_MODULES = ("__main__", "conftest", "tests")


class DiscoveryError(ValueError):
    """A TARGET that cannot be resolved or imported, or ops whose names collide; the message
    is one paragraph saying what is wrong and what to do."""


@dataclass(frozen=True)
class NeedsSpec:
    """An op without a spec that probing could not run; ``message`` says how to write one."""

    path: str
    message: str


@dataclass(frozen=True)
class Excluded:
    """An op marked :class:`~gradkit.testing.Unchecked`, with the reason."""

    path: str
    reason: str


@dataclass(frozen=True)
class Discovery:
    """What :func:`discover` found: targets sorted by name, and the ops it cannot check."""

    targets: tuple[Target, ...]
    needs_spec: tuple[NeedsSpec, ...] = ()
    excluded: tuple[Excluded, ...] = ()


# ----------------------------------------------------------------------------- resolution
def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing and (name == missing or name.startswith(missing + ".")):
            raise DiscoveryError(_unknown_module_message(name, missing)) from None
        raise DiscoveryError(
            f"module {name!r} could not be imported: it needs the module {missing!r}, which "
            f"is not installed (ModuleNotFoundError: {error}). Install it, or check the "
            "import in that module."
        ) from error
    except Exception as error:
        last = traceback.extract_tb(error.__traceback__)[-1]
        raise DiscoveryError(
            f"module {name!r} could not be imported: {type(error).__name__}: {error} (at "
            f"{last.filename}:{last.lineno}). Fix the module, then run again."
        ) from error


def _unknown_module_message(name: str, missing: str) -> str:
    parent, _, leaf = missing.rpartition(".")
    if parent:
        try:
            pkg = importlib.import_module(parent)
            names = [m.name for m in pkgutil.iter_modules(getattr(pkg, "__path__", []))]
        except Exception:
            names = []
    else:
        names = [m.name for m in pkgutil.iter_modules()]
    close = difflib.get_close_matches(leaf, names, n=3)
    hint = ""
    if close:
        prefix = parent + "." if parent else ""
        hint = " Did you mean " + " or ".join(repr(prefix + c) for c in close) + "?"
    return (
        f"no module named {missing!r} (looking for {name!r}).{hint} A TARGET is a module, a "
        "package or an op such as mypkg.ops.Tanh or mypkg.ops:Tanh, importable from the "
        "current directory or the installed packages."
    )


def resolve(target: str) -> Any:
    """Import what ``target`` names: a module or package, or an op as ``pkg.mod.Op`` or
    ``pkg.mod:Op``. Raises :class:`DiscoveryError` with a one-paragraph message."""
    if ":" in target:
        module_name, _, attr = target.partition(":")
        return _get_attr(_import(module_name), attr, target)
    module_name, attrs = target, []
    while True:
        try:
            found = importlib.util.find_spec(module_name) is not None
        except Exception:  # a parent package is missing or fails to import
            found = False
        if found:
            break
        module_name, _, attr = module_name.rpartition(".")
        attrs.insert(0, attr)
        if not module_name:
            raise DiscoveryError(_unknown_module_message(target, target))
    module = _import(module_name)
    return _get_attr(module, ".".join(attrs), target) if attrs else module


def _get_attr(module: ModuleType, attr: str, target: str) -> Any:
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            names += [m.name for m in pkgutil.iter_modules(getattr(obj, "__path__", []))]
            names = sorted(set(names))
            close = difflib.get_close_matches(part, names, n=3)
            hint = " Did you mean " + " or ".join(map(repr, close)) + "?" if close else ""
            raise DiscoveryError(
                f"{target}: {getattr(obj, '__name__', module.__name__)!r} has no module or "
                f"attribute {part!r}.{hint}"
            )
        obj = getattr(obj, part)
    if not (inspect.ismodule(obj) or is_op_class(obj) or specs_of(obj) is not None):
        raise DiscoveryError(
            f"{target} is a {type(obj).__name__}, not a Function or FunctionNode class nor an "
            "op with a spec; name a module, a package, or an op class such as mypkg.ops.Tanh"
        )
    return obj


# ----------------------------------------------------------------------------- probing
def _needs_spec_message(obj: Any, why: str) -> str:
    name = obj.__name__
    return (
        f"{op_path(obj)} needs a spec: {why}. Attach one next to the op, for example:\n\n"
        "    from gradkit.testing import Input, OpSpec\n\n"
        f"    {name}.spec = OpSpec(\n"
        "        inputs=[Input(domain=(-1.0, 1.0)), Input(domain=(0.5, 2.0))],\n"
        "        shapes=[(3, 4), ((3, 4), (4,))],  # one shared shape, or one per input\n"
        "        kwargs={},  # the constructor's arguments\n"
        "    )\n\n"
        "(see gradkit.testing.OpSpec for every field)."
    )


def _runs(op: Any, n: int, shape: tuple[int, ...], domain: tuple[float, float]) -> str | None:
    """None if the op runs on these inputs with finite float outputs, else why not."""
    rng = numpy.random.default_rng(0)
    xs = [Variable(rng.uniform(*domain, size=shape)) for _ in range(n)]
    try:
        with no_backprop_mode(), numpy.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ys = op(*xs)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    ys = ys if isinstance(ys, tuple) else (ys,)
    if not all(isinstance(y, Variable) for y in ys):
        return "it did not return Variables"
    floats = [y for y in ys if is_float_dtype(y.dtype)]
    if not floats:
        return "it has no float output to differentiate"
    if not all(numpy.isfinite(numpy.asarray(y.array)).all() for y in floats):
        return "its outputs were not finite"
    return None


def probe(obj: Any) -> OpSpec | NeedsSpec:
    """Infer a spec for a Function or FunctionNode class without one, by running it on
    same-shape float64 inputs: 1 to 3 inputs, :data:`PROBE_SHAPES`, :data:`PROBE_DOMAINS`.

    The spec keeps the first arity that runs, the domain where most shapes run, and every
    probed shape that runs with them. Returns :class:`NeedsSpec` when the constructor needs
    arguments or nothing runs.
    """
    required = [
        p.name
        for p in inspect.signature(obj).parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if required:
        why = f"its constructor needs arguments ({', '.join(required)})"
        return NeedsSpec(op_path(obj), _needs_spec_message(obj, why))
    target = Target(op_path(obj), obj, OpSpec(), obj.__name__.lower())
    op = target.function()
    last = ""
    for n in (1, 2, 3):
        best: tuple[tuple[float, float], list[tuple[int, ...]]] | None = None
        for domain in PROBE_DOMAINS:
            shapes = []
            for shape in PROBE_SHAPES:
                failure = _runs(op, n, shape, domain)
                if failure is None:
                    shapes.append(shape)
                else:
                    last = failure
            # The domain where most shapes run: a scalar may land in log's domain by luck.
            if shapes and (best is None or len(shapes) > len(best[1])):
                best = (domain, shapes)
        if best is not None:
            domain, shapes = best
            return OpSpec(inputs=[Input(domain=domain) for _ in range(n)], shapes=shapes)
    tried = ", ".join(shape_token(s) for s in PROBE_SHAPES)
    why = (
        f"its forward failed on every probed input (1 to 3 float inputs of shapes {tried}, "
        f"values in {PROBE_DOMAINS[0]} or {PROBE_DOMAINS[1]}); the last failure: {last}"
    )
    return NeedsSpec(op_path(obj), _needs_spec_message(obj, why))


# ----------------------------------------------------------------------------- walking
def _walk(module: ModuleType) -> list[ModuleType]:
    modules = [module]
    path = getattr(module, "__path__", None)
    if path is None:
        return modules
    for info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if info.name in _SKIPPED_MODULES or info.name.startswith("test"):
            continue
        modules.extend(_walk(_import(f"{module.__name__}.{info.name}")))
    return modules


def _in_package(obj: Any, package: str) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == package or module.startswith(package + ".")


def _candidates(module: ModuleType, package: str) -> Iterable[Any]:
    # An op imported from elsewhere counts only when the module exports it (``__all__``): a
    # helper such as ``mean`` used inside a normalization module is not one of its ops.
    exported = set(getattr(module, "__all__", ()))
    for name, obj in sorted(vars(module).items()):
        if name.startswith("_") or inspect.ismodule(obj):
            continue
        ours = _in_package(obj, package) or name in exported
        if ours and (specs_of(obj) is not None or is_op_class(obj)):
            yield obj


def discover(*targets: Any, probe_missing: bool = True) -> Discovery:
    """Find the checkable ops of each target: a module or package object or name, an op name
    (``pkg.mod.Op``, ``pkg.mod:Op``) or an op object.

    Args:
        targets: what to search, as above.
        probe_missing: infer a spec by probing for ops without one (else they need a spec).

    Raises :class:`DiscoveryError` when a target cannot be imported, or when two different
    ops would get the same name in case ids.
    """
    ops: dict[int, Any] = {}
    for target in targets:
        found = resolve(target) if isinstance(target, str) else target
        if inspect.ismodule(found):
            package = found.__name__
            for module in _walk(found):
                for obj in _candidates(module, package):
                    ops.setdefault(id(obj), obj)
        else:
            ops.setdefault(id(found), found)

    bound: list[Target] = []
    needs_spec: list[NeedsSpec] = []
    excluded: list[Excluded] = []
    for obj in ops.values():
        specs = specs_of(obj)
        if isinstance(specs, Unchecked):
            excluded.append(Excluded(op_path(obj), specs.reason))
        elif specs is not None:
            bound.extend(targets_of(obj))
        elif not probe_missing:
            needs_spec.append(NeedsSpec(op_path(obj), _needs_spec_message(obj, "it has none")))
        else:
            result = probe(obj)
            if isinstance(result, NeedsSpec):
                needs_spec.append(result)
            else:
                bound.append(Target(op_path(obj), obj, result, obj.__name__.lower(), True))

    by_name: dict[str, Target] = {}
    for target in bound:
        other = by_name.setdefault(target.name, target)
        if other is not target:
            raise DiscoveryError(
                f"two ops would both be named {target.name!r} in case ids: {other.path} and "
                f"{target.path}. Give one of them a distinct name, e.g. "
                f"OpSpec(name='{target.name}2', ...)."
            )
    return Discovery(
        targets=tuple(sorted(bound, key=lambda t: (t.name, t.path))),
        needs_spec=tuple(sorted(needs_spec, key=lambda n: n.path)),
        excluded=tuple(sorted(excluded, key=lambda e: e.path)),
    )
