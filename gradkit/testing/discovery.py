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

import ast
import difflib
import importlib
import importlib.util
import inspect
import pkgutil
import sys
import textwrap
import traceback
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy

from gradkit.config import no_backprop_mode
from gradkit.testing.shapes import shape_token
from gradkit.testing.spec import Input, OpSpec, Unchecked, spec_module, specs_of
from gradkit.testing.target import Target, is_op_class, op_path, targets_of
from gradkit.variable import Variable, is_float_dtype

__all__ = [
    "Discovery",
    "DiscoveryError",
    "NeedsSpec",
    "Excluded",
    "discover",
    "resolve",
    "did_you_mean",
    "spec_elsewhere",
    "forward_arity",
    "constructor_arguments",
    "SPEC_LIBRARIES",
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
    is one paragraph saying what is wrong and what to do.

    Attributes:
        target: the TARGET at fault, when there is one.
        missing: the module that ``target`` itself names and that Python cannot find (not
            a dependency that fails to import), e.g. ``myops`` for ``myops.Softplus``;
            ``None`` for other errors. The pytest plugin uses it to say how to put a
            project's modules on ``sys.path``.
    """

    def __init__(self, message: str, *, target: str | None = None, missing: str | None = None):
        super().__init__(message)
        self.target = target
        self.missing = missing


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
#: Libraries that attach the specs of another package's ops, where they re-export them: the
#: engine's own arithmetic (gradkit.arithmetic) is specified in the op library. Only an error
#: message uses this, to name the path that works; the library is reached by name, like a
#: TARGET (gradkit never imports it otherwise).
SPEC_LIBRARIES: dict[str, tuple[str, ...]] = {"gradkit": ("gradkit_ops",)}


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing and (name == missing or name.startswith(missing + ".")):
            raise DiscoveryError(
                _unknown_module_message(name, missing), target=name, missing=missing
            ) from None
        raise DiscoveryError(
            f"module {name!r} could not be imported: it needs the module {missing!r}, which "
            f"is not installed (ModuleNotFoundError: {error}). Install it, or check the "
            "import in that module.",
            target=name,
        ) from error
    except Exception as error:
        what, where = _describe_import_error(error)
        raise DiscoveryError(
            f"module {name!r} could not be imported: {what} (at {where}). Fix the module, then "
            "run again.",
            target=name,
        ) from error


def _describe_import_error(error: Exception) -> tuple[str, str]:
    """The exception as ``Type: message`` and where it happened in the user's code: a syntax
    error's file and line, else the innermost frame outside the import machinery."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{type(error).__name__}: {error.msg}", f"{error.filename}:{error.lineno}"
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if not f.filename.startswith("<frozen ")] or frames
    last = ours[-1]
    return f"{type(error).__name__}: {error}", f"{last.filename}:{last.lineno}"


def _unknown_module_message(name: str, missing: str) -> str:
    return (
        f"no module named {missing!r} (looking for {name!r}).{did_you_mean(missing)} A TARGET "
        "is a module, a package or an op such as mypkg.ops.Tanh or mypkg.ops:Tanh, importable "
        "from the current directory or the installed packages."
    )


def did_you_mean(missing: str) -> str:
    """`` Did you mean 'x' or 'y'?`` for a module name that Python cannot find: the close
    names among the importable modules (the submodules of its package, if it has one), or
    ``""`` when none is close."""
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
    if not close:
        return ""
    prefix = parent + "." if parent else ""
    return " Did you mean " + " or ".join(repr(prefix + c) for c in close) + "?"


def _file_name_message(target: str, module_part: str) -> str | None:
    """The message for a TARGET written as a file name (``myops.py``, ``pkg/ops.py``)."""
    if not (module_part.endswith(".py") or "/" in module_part or "\\" in module_part):
        return None
    dotted = module_part.removesuffix(".py").replace("\\", "/").removeprefix("./")
    dotted = dotted.strip("/").replace("/", ".")
    suggestion = dotted + target[len(module_part) :]
    return (
        f"{target} looks like a file name, but a TARGET is a module name: {suggestion} (without "
        "the .py, dots between packages), importable from the current directory or the "
        "installed packages."
    )


def resolve(target: str) -> Any:
    """Import what ``target`` names: a module or package, or an op as ``pkg.mod.Op`` or
    ``pkg.mod:Op``. Raises :class:`DiscoveryError` with a one-paragraph message."""
    module_part = target.partition(":")[0]
    message = _file_name_message(target, module_part)
    if message is not None and not _module_exists(module_part):
        raise DiscoveryError(message, target=target)
    if ":" in target:
        module_name, _, attr = target.partition(":")
        return _get_attr(_import(module_name), attr, target)
    module_name, attrs = target, []
    while not _module_exists(module_name):
        module_name, _, attr = module_name.rpartition(".")
        attrs.insert(0, attr)
        if not module_name:
            top = attrs[0]
            raise DiscoveryError(_unknown_module_message(target, top), target=target, missing=top)
    module = _import(module_name)
    return _get_attr(module, ".".join(attrs), target) if attrs else module


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:  # a parent is missing, is not a package, or fails to import
        return False


def _get_attr(module: ModuleType, attr: str, target: str) -> Any:
    obj: Any = module
    for part in attr.split("."):
        owner = obj
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            names += [m.name for m in pkgutil.iter_modules(getattr(obj, "__path__", []))]
            names = sorted(set(names))
            close = difflib.get_close_matches(part, names, n=3)
            hint = " Did you mean " + " or ".join(map(repr, close)) + "?" if close else ""
            raise DiscoveryError(
                f"{target}: {getattr(obj, '__name__', module.__name__)!r} has no module or "
                f"attribute {part!r}.{hint}",
                target=target,
            )
        obj = getattr(obj, part)
        submodule = f"{getattr(owner, '__name__', '')}.{part}"
        if inspect.ismodule(obj) and inspect.ismodule(owner) and obj.__name__ != submodule:
            raise DiscoveryError(_imported_module_message(target, owner, part, obj), target=target)
    if not (inspect.ismodule(obj) or is_op_class(obj) or specs_of(obj) is not None):
        raise DiscoveryError(_not_an_op_message(target, obj), target=target)
    return obj


def _imported_module_message(target: str, owner: ModuleType, part: str, obj: ModuleType) -> str:
    example = next(
        (
            f"{owner.__name__}.{name}"
            for name, value in sorted(vars(owner).items())
            if not name.startswith("_")
            and _in_package(value, owner.__name__)
            and (is_op_class(value) or specs_of(value) is not None)
        ),
        None,
    )
    such_as = f", such as {example}" if example else ""
    return (
        f"{target}: {part!r} in {owner.__name__} is the module {obj.__name__!r}, which "
        f"{owner.__name__} imports: it is neither one of its ops nor a submodule. Name "
        f"{owner.__name__} to check all its ops, or one of them{such_as}."
    )


def _not_an_op_message(target: str, obj: Any) -> str:
    kind = "class" if inspect.isclass(obj) else type(obj).__name__
    if not callable(obj):
        return (
            f"{target} is a {type(obj).__name__}, not a Function or FunctionNode class nor an "
            "op with a spec; name a module, a package, or an op class such as mypkg.ops.Tanh"
        )
    where = spec_elsewhere(obj)
    if where is not None:
        return (
            f"{target} is a {kind} without a spec here: its spec is attached by "
            f"{where.rpartition('.')[0]}, which re-exports it (importing {obj.__module__} does "
            f"not attach it). Name it {where} instead."
        )
    return (
        f"{target} is a {kind} without a spec: only Function and FunctionNode "
        "classes are checked without one. Attach a spec to it with gradkit.testing.op_spec, or, "
        "if a library attaches its spec where it re-exports it, name it there "
        "(pkg.module.name)."
    )


def spec_elsewhere(obj: Any) -> str | None:
    """The path that names ``obj`` with its spec, when ``obj`` has none here but a library of
    :data:`SPEC_LIBRARIES` attaches one (``gradkit.arithmetic.matmul`` ->
    ``gradkit_ops.math.arithmetic.matmul``); else ``None``. Imports that library."""
    name = getattr(obj, "__name__", None)
    top = (getattr(obj, "__module__", None) or "").partition(".")[0]
    for library in SPEC_LIBRARIES.get(top, ()):
        if not _module_exists(library):
            continue
        try:
            importlib.import_module(library)
        except Exception:
            continue
        home = spec_module(obj)
        if name and home and getattr(sys.modules.get(home), name, None) is obj:
            return f"{home}.{name}"
    return None


# ----------------------------------------------------------------------------- probing
def _needs_spec_message(obj: Any, why: str, path: str | None = None) -> str:
    """Why ``obj`` needs a spec, with a spec to start from: one ``Input`` per input of its
    forward when :func:`forward_arity` can tell, and its constructor's arguments as kwargs."""
    name = getattr(obj, "__name__", repr(obj))
    arity = forward_arity(obj)
    if arity is None:
        inputs = "[Input(domain=(-1.0, 1.0))],  # one Input per input of forward"
    else:
        inputs = "[" + ", ".join(["Input(domain=(-1.0, 1.0))"] * arity) + "]" + ","
    shapes = {
        1: "[(3, 4), (), (0, 3)],  # the shapes to check",
        2: "[(3, 4), ((3, 4), (4,))],  # one shared shape, or one per input",
    }.get(arity or 0, "[(3, 4)],  # one shared shape, or a tuple of one shape per input")
    lines = [
        f"{path or op_path(obj)} needs a spec: {why}. Attach one next to the op, for example:",
        "",
        "    from gradkit.testing import Input, OpSpec",
        "",
        f"    {name}.spec = OpSpec(",
        f"        inputs={inputs}",
        f"        shapes={shapes}",
    ]
    arguments = constructor_arguments(obj)
    if arguments:
        values = ", ".join(f'"{k}": {v}' for k, v in arguments.items())
        note = "the constructor's arguments"
        if "..." in arguments.values():
            note += ": replace each ..."
        lines.append(f"        kwargs={{{values}}},  # {note}")
    lines += ["    )", "", "(see gradkit.testing.OpSpec for every field)."]
    return "\n".join(lines)


def constructor_arguments(obj: Any) -> dict[str, str]:
    """The arguments of an op class's constructor, for a spec's ``kwargs``: each name with
    the source of its default, or ``...`` when it has none (``*args`` and ``**kwargs`` are left
    out; ``{}`` for a function, or a constructor that cannot be inspected).

    >>> import gradkit
    >>> class Scale(gradkit.FunctionNode):
    ...     def __init__(self, k, axis=0):
    ...         self.k, self.axis = k, axis
    >>> constructor_arguments(Scale)
    {'k': '...', 'axis': '0'}
    """
    if not inspect.isclass(obj) or "__init__" not in {n for c in obj.__mro__ for n in vars(c)}:
        return {}
    try:
        parameters = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return {}
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {
        p.name: "..." if p.default is p.empty else repr(p.default)
        for p in parameters
        if p.kind in kinds
    }


def forward_arity(obj: Any) -> int | None:
    """How many inputs an op class's ``forward(self, inputs)`` takes, read from its source
    without running it: the targets of an unpacking ``x, W = inputs``, or one more than the
    largest constant index of ``inputs[i]`` when ``inputs`` is used only so. ``None`` when the
    source is not available or says nothing certain.

    >>> import gradkit
    >>> class Affine(gradkit.FunctionNode):
    ...     def forward(self, inputs):
    ...         x, W = inputs
    ...         return (x @ W,)
    >>> forward_arity(Affine)
    2
    """
    forward = getattr(obj, "forward", None) if inspect.isclass(obj) else None
    if forward is None:
        return None
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(forward)))
    except (OSError, TypeError, SyntaxError, ValueError):
        return None
    function = tree.body[0] if tree.body else None
    if not isinstance(function, ast.FunctionDef) or len(function.args.args) < 2:
        return None
    name = function.args.args[1].arg
    unpacked: set[int] = set()
    indexes: list[int] = []
    other_use = False
    assigned = {
        id(node.value)
        for node in ast.walk(function)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
        and all(_plain_unpacking(t) for t in node.targets)
    }
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and id(node.value) in assigned:
            unpacked.update(len(t.elts) for t in node.targets)  # type: ignore[attr-defined]
        elif isinstance(node, ast.Subscript) and _is_name(node.value, name):
            index = node.slice
            if isinstance(index, ast.Constant) and type(index.value) is int and index.value >= 0:
                indexes.append(index.value)
            else:
                other_use = True
    uses = sum(1 for node in ast.walk(function) if _is_name(node, name))
    if len(unpacked) == 1:
        return unpacked.pop()
    if not unpacked and indexes and uses == len(indexes) and not other_use:
        return max(indexes) + 1
    return None


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)


def _plain_unpacking(target: ast.AST) -> bool:
    return isinstance(target, (ast.Tuple, ast.List)) and not any(
        isinstance(e, ast.Starred) for e in target.elts
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


def probe(obj: Any, *, path: str | None = None) -> OpSpec | NeedsSpec:
    """Infer a spec for a Function or FunctionNode class without one, by running it on
    same-shape float64 inputs: 1 to 3 inputs, :data:`PROBE_SHAPES`, :data:`PROBE_DOMAINS`.

    The spec keeps the first arity that runs, the domain where most shapes run, and every
    probed shape that runs with them. Returns :class:`NeedsSpec` when the constructor needs
    arguments or nothing runs. ``path`` names the op in the message (default: its own module
    and name).
    """
    path = path or op_path(obj)
    required = [
        p.name
        for p in inspect.signature(obj).parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if required:
        why = f"its constructor needs arguments ({', '.join(required)})"
        return NeedsSpec(path, _needs_spec_message(obj, why, path))
    target = Target(path, obj, OpSpec(), obj.__name__.lower())
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
    return NeedsSpec(path, _needs_spec_message(obj, why, path))


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


def _candidates(module: ModuleType, package: str) -> Iterable[tuple[str, Any]]:
    # An op imported from elsewhere counts only when the module exports it (``__all__``): a
    # helper such as ``mean`` used inside a normalization module is not one of its ops.
    exported = set(getattr(module, "__all__", ()))
    for name, obj in sorted(vars(module).items()):
        if name.startswith("_") or inspect.ismodule(obj):
            continue
        ours = _in_package(obj, package) or name in exported
        if ours and (specs_of(obj) is not None or is_op_class(obj)):
            yield name, obj


def _importable_path(obj: Any, exporters: list[tuple[str, str, str]], typed: str | None) -> str:
    """The path that names ``obj`` in listings and reproduce commands: one that a fresh
    ``gradkit check PATH`` resolves to the op *with its spec*.

    The op's own module is not always that: the engine's ``gradkit.arithmetic.matmul`` gets its
    spec in :mod:`gradkit_ops.math.arithmetic`, which importing :mod:`gradkit.arithmetic` never
    runs. So, in order: the module that attached the spec with ``op_spec`` (when it exports the
    op); the op's own path when it is defined in the package it was found in; the name typed
    for it; the deepest module of the walk that exports it.
    """
    name = getattr(obj, "__name__", None)
    home = spec_module(obj)
    if home and name and getattr(sys.modules.get(home), name, None) is obj:
        return f"{home}.{name}"
    own = op_path(obj)
    if typed is not None:
        top = typed.partition(":")[0].partition(".")[0]
        return own if _in_package(obj, top) else typed
    if not exporters or any(_in_package(obj, package) for _, _, package in exporters):
        return own
    module, attr, _ = max(exporters, key=lambda e: e[0].count("."))  # the first of the deepest
    return f"{module}.{attr}"


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
    exporters: dict[int, list[tuple[str, str, str]]] = {}  # (module, name, walked package)
    typed: dict[int, str] = {}
    for target in targets:
        found = resolve(target) if isinstance(target, str) else target
        if inspect.ismodule(found):
            package = found.__name__
            for module in _walk(found):
                for name, obj in _candidates(module, package):
                    ops.setdefault(id(obj), obj)
                    exporters.setdefault(id(obj), []).append((module.__name__, name, package))
        else:
            ops.setdefault(id(found), found)
            if isinstance(target, str):
                typed.setdefault(id(found), target)

    bound: list[Target] = []
    needs_spec: list[NeedsSpec] = []
    excluded: list[Excluded] = []
    for key, obj in ops.items():
        path = _importable_path(obj, exporters.get(key, []), typed.get(key))
        specs = specs_of(obj)
        if isinstance(specs, Unchecked):
            excluded.append(Excluded(path, specs.reason))
        elif specs is not None:
            bound.extend(targets_of(obj, path=path))
        elif not probe_missing:
            needs_spec.append(NeedsSpec(path, _needs_spec_message(obj, "it has none", path)))
        else:
            result = probe(obj, path=path)
            if isinstance(result, NeedsSpec):
                needs_spec.append(result)
            else:
                bound.append(Target(path, obj, result, obj.__name__.lower(), True))

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
