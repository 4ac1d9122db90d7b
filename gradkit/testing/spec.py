"""OpSpec: how to exercise one op, kept next to the op and validated on construction.

A spec says how to build the op, how to generate its inputs, and in which dtypes, shapes and
devices, with which checks, tolerances, skips and reference it is verified. Every field has a
default, so the smallest spec is ``OpSpec()``: one float input in (-1, 1), shape 3x4, float16,
float32 and float64, on cpu, strict and gpu (a visible skip where there is no GPU), checked
by first and second order gradients and device agreement.

>>> import numpy as np, gradkit
>>> from gradkit.testing import Input, OpSpec, Skip, op_spec
>>> @op_spec(
...     inputs=[Input(domain=(-3.0, 3.0))],
...     shapes=[(3, 4), (), (0, 3), "3x4nc"],
...     reference=np.tanh,
...     skips=[Skip("tanh saturates in float16 past 3", dtypes="float16", checks="forward")],
... )
... class Tanh(gradkit.FunctionNode):
...     def forward(self, inputs):
...         (x,) = inputs
...         xp = gradkit.get_array_module(x)
...         self.retain_outputs((0,))
...         return (xp.tanh(x),)
...     def backward(self, target_input_indexes, grad_outputs):
...         (y,) = self.get_retained_outputs()
...         return (grad_outputs[0] * (1 - y * y),)
>>> Tanh.spec.checks
('forward', 'backward', 'double_backward', 'device')

Contradictions are rejected with a message naming the op and the field:

>>> OpSpec(name="tanh", checks=["forward"])
Traceback (most recent call last):
...
ValueError: OpSpec 'tanh', field 'checks': 'forward' compares with a reference, but ...
"""

from __future__ import annotations

import contextlib
import inspect
import math
import re
import sys
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy

from gradkit.check.tolerance import TolerancePolicy
from gradkit.testing.options import (
    CHECKS,
    DTYPES,
    parse_checks,
    parse_devices,
    parse_dtypes,
    parse_shape_tokens,
)
from gradkit.testing.shapes import Shape, ShapeCase

__all__ = [
    "Input",
    "Skip",
    "XFail",
    "OpSpec",
    "Unchecked",
    "op_spec",
    "specs_of",
    "spec_module",
]

_T = TypeVar("_T")
_NAME_RE = re.compile(r"[A-Za-z0-9_.]+")

#: A values callable: ``values(rng, shape, dtype_name) -> array-like`` of that shape.
ValuesFn = Callable[[numpy.random.Generator, Shape, str], Any]

#: A shape rule: a fixed shape, or a function of the case's shared shape.
ShapeRule = Shape | Callable[[Shape], Shape]


def _dtype_kind(name: str) -> str:
    try:
        return numpy.dtype(name).kind
    except TypeError:
        raise ValueError(f"unknown dtype {name!r}") from None


@dataclass(frozen=True)
class Input:
    """How to generate one input of an op.

    Attributes:
        domain: ``(low, high)``. Float inputs are drawn uniformly in it (default ``(-1, 1)``);
            integer inputs uniformly among the integers ``low <= n < high`` (required for
            them). Not for bool inputs, nor together with ``values``.
        values: ``values(rng, shape, dtype_name)`` returning an array-like of that shape, for
            inputs a domain cannot describe (a positive-definite matrix, sorted values...).
            ``rng`` is a seeded :class:`numpy.random.Generator`.
        kinks: points where the op is not differentiable (``0.0`` for relu or abs); samples
            stay at least ``kink_margin`` away from them. Float inputs drawn from a domain only.
        kink_margin: the distance kept from each kink (default 0.05, wider than the
            numerical-derivative stencil in every dtype).
        dtype: a fixed dtype name (``"int64"`` for indices, ``"bool"`` for masks). ``None``
            (default): the dtype of the case.
        shape: a fixed shape, or a function from the case's shared shape to this input's
            shape (``lambda s: (s[1], 3)`` for a weight). ``None`` (default): the case's shape.
        differentiable: whether the input is differentiated. Default: float inputs are,
            integer and bool inputs are not (and cannot be).
    """

    domain: tuple[float, float] | None = None
    values: ValuesFn | None = None
    kinks: tuple[float, ...] = ()
    kink_margin: float = 0.05
    dtype: str | None = None
    shape: ShapeRule | None = None
    differentiable: bool | None = None

    def __post_init__(self) -> None:
        kinks = tuple(float(k) for k in self.kinks)
        object.__setattr__(self, "kinks", kinks)
        kind = "f" if self.dtype is None else _dtype_kind(self.dtype)
        if kind not in "fiub":
            raise ValueError(f"field 'dtype': {self.dtype!r} is not a float, integer or bool dtype")
        if self.domain is not None:
            if self.values is not None:
                raise ValueError(
                    "fields 'domain' and 'values' both given; values() chooses the values "
                    "itself, so give one of them"
                )
            if kind == "b":
                raise ValueError("field 'domain': a bool input takes no domain")
            low, high = self.domain
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ValueError(
                    f"field 'domain': {self.domain!r} is not an interval (low, high) with "
                    "finite low < high"
                )
            if kind in "iu" and not (float(low).is_integer() and float(high).is_integer()):
                raise ValueError(
                    f"field 'domain': an integer input takes integer bounds; got {self.domain!r}"
                )
            object.__setattr__(self, "domain", (low, high))
        elif kind in "iu" and self.values is None:
            raise ValueError(
                f"field 'domain': an input of dtype {self.dtype} needs domain=(low, high) "
                "(integers low <= n < high) or values="
            )
        if self.values is not None and not callable(self.values):
            raise ValueError("field 'values': expected a callable values(rng, shape, dtype)")
        if kinks:
            if kind != "f" or self.values is not None:
                raise ValueError(
                    "field 'kinks': kinks keep samples drawn from a float domain away from "
                    "them; this input is not drawn from a float domain"
                )
            if not self.kink_margin > 0:
                raise ValueError(f"field 'kink_margin': must be > 0; got {self.kink_margin}")
            if not _free_intervals(self.float_domain, kinks, self.kink_margin):
                raise ValueError(
                    f"fields 'domain' and 'kinks': every point of {self.float_domain} is "
                    f"within kink_margin={self.kink_margin} of a kink {kinks}; widen the "
                    "domain or narrow the margin"
                )
        if self.differentiable and kind != "f":
            raise ValueError(
                f"field 'differentiable': an input of dtype {self.dtype} has no gradient"
            )
        if (
            self.shape is not None
            and not callable(self.shape)
            and not (
                isinstance(self.shape, tuple)
                and all(isinstance(d, int) and d >= 0 for d in self.shape)
            )
        ):
            raise ValueError(
                f"field 'shape': expected a shape tuple or a function of the case's shape; "
                f"got {self.shape!r}"
            )

    @property
    def float_domain(self) -> tuple[float, float]:
        """The domain of a float input, ``(-1.0, 1.0)`` when none is given."""
        return (-1.0, 1.0) if self.domain is None else self.domain

    @property
    def sampling_intervals(self) -> list[tuple[float, float]]:
        """The parts of a float input's domain that samples are drawn from: the domain less
        ``kink_margin`` around each kink."""
        return _free_intervals(self.float_domain, self.kinks, self.kink_margin)

    @property
    def is_float(self) -> bool:
        """Whether the input is floating (its dtype follows the case, or is a float)."""
        return self.dtype is None or _dtype_kind(self.dtype) == "f"

    @property
    def is_differentiable(self) -> bool:
        """Whether the checks differentiate with respect to this input."""
        return self.is_float if self.differentiable is None else self.differentiable

    def resolve_shape(self, shared: Shape) -> Shape:
        """This input's shape in a case whose shared shape is ``shared``."""
        if self.shape is None:
            return shared
        if callable(self.shape):
            return tuple(int(d) for d in self.shape(shared))
        return self.shape


def _free_intervals(
    domain: tuple[float, float], kinks: tuple[float, ...], margin: float
) -> list[tuple[float, float]]:
    # The parts of ``domain`` farther than ``margin`` from every kink.
    pieces = [domain]
    for k in sorted(kinks):
        nxt = []
        for lo, hi in pieces:
            if hi <= k - margin or lo >= k + margin:
                nxt.append((lo, hi))
                continue
            if lo < k - margin:
                nxt.append((lo, k - margin))
            if hi > k + margin:
                nxt.append((k + margin, hi))
        pieces = nxt
    return pieces


def _as_tuple(value: Any) -> tuple[Any, ...]:
    # A string is a comma-separated list of names, as on the command line.
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


@dataclass(frozen=True)
class Skip:
    """A case not to run, with the reason: data next to the op, reported as a visible skip.

    Each filter is a name or a sequence of names; an empty filter matches everything. A case
    is skipped when every filter matches it.

    Attributes:
        reason: why (shown in every report of the skipped cases).
        dtypes: dtype names (``"float16"``).
        devices: device names (``"strict"``, ``"gpu"``).
        checks: check names (``"double_backward"``).
        shapes: shape cases, as tuples or tokens (``"scalar"``, ``(0, 3)``, ``"3x4nc"``).
    """

    reason: str
    dtypes: tuple[str, ...] | str = ()
    devices: tuple[str, ...] | str = ()
    checks: tuple[str, ...] | str = ()
    shapes: Any = ()

    def __post_init__(self) -> None:
        kind = type(self).__name__
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ValueError(f"{kind}: field 'reason': say why, e.g. {kind}('float16 overflows')")
        norm = {
            "dtypes": parse_dtypes(_as_tuple(self.dtypes)) if self.dtypes else (),
            "devices": parse_devices(_as_tuple(self.devices)) if self.devices else (),
            "checks": parse_checks(_as_tuple(self.checks)) if self.checks else (),
        }
        if isinstance(self.shapes, str):
            shapes = parse_shape_tokens(self.shapes)
        else:
            shapes = tuple(
                s if isinstance(s, str) else ShapeCase.parse(s).token for s in self.shapes
            )
            if shapes:
                parse_shape_tokens(shapes)
        norm["shapes"] = shapes
        for name, value in norm.items():
            object.__setattr__(self, name, value)

    @property
    def xfail(self) -> bool:
        """Whether the case runs and is expected to fail (an :class:`XFail`)."""
        return False

    def matches(self, dtype: str, device: str, check: str, shape: str) -> bool:
        """Whether this entry applies to the case with these names (``shape`` is a token)."""
        return (
            (not self.dtypes or dtype in self.dtypes)
            and (not self.devices or device in self.devices)
            and (not self.checks or check in self.checks)
            and (not self.shapes or shape in self.shapes)
        )


@dataclass(frozen=True)
class XFail(Skip):
    """A case that runs and is expected to fail (a known bug, with the reason). If it passes,
    the runner reports it as ``xpassed``, which counts as a failure: remove the entry."""

    @property
    def xfail(self) -> bool:
        return True


@dataclass(frozen=True)
class Unchecked:
    """Marks an op that is not checked on its own, with the reason. Discovery lists it as
    excluded instead of probing it, e.g. a ``*Grad`` node that is checked through its parent's
    double backward: ``GetItemGrad.spec = Unchecked("checked by GetItem's double backward")``.
    """

    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ValueError("Unchecked: field 'reason': say why the op is not checked")


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one spec per declaration
class OpSpec:
    """How to exercise one op (see the module docstring for an example).

    Attributes:
        inputs: one :class:`Input` per input, or a number of default inputs (float, in
            (-1, 1)). Default: 1.
        shapes: the shape cases: shape tuples (``(3, 4)``, ``()`` for 0-d, ``(0, 3)``
            zero-size), one tuple per input (``((3, 4), (4,))`` to broadcast) or tokens
            (``"3x4nc"`` for non-contiguous strided inputs). Default: ``[(3, 4)]``.
        dtypes: float dtypes of the cases. Default: float16, float32, float64.
        devices: devices of the cases (cpu, strict, gpu, gpu:N). Default: cpu, strict, gpu.
        checks: which checks apply: ``"forward"`` (against ``reference`` / ``examples``),
            ``"backward"``, ``"double_backward"``, ``"device"`` (cpu vs each other device).
            Default: all that the rest of the spec allows.
        kwargs: arguments of the op's constructor (of the call, for a plain function).
        factory: builds the op instead: a zero-argument callable returning a FunctionNode
            instance or a callable over Variables, called afresh for every evaluation.
        name: the op's name in case ids. Default: the op's name in lowercase (``Tanh`` ->
            ``tanh``); required when several specs are attached to one op.
        tolerances: per dtype name, ``(atol, rtol)`` or a ``TolerancePolicy`` overriding the
            default policy of :mod:`gradkit.check.tolerance`.
        skips: :class:`Skip` and :class:`XFail` entries, each with its reason.
        reference: a NumPy function of the inputs (upcast to float64) returning the expected
            output, or a tuple of outputs, for the forward check. The spec's kwargs are not
            passed to it: bake them in (``lambda x: np.sum(x, axis=1)``). A float output is
            expected in the inputs' dtype.
        examples: hand-computed ``(inputs, expected)`` pairs for the forward check; each
            becomes a case with shape token ``ex0``, ``ex1``...
        nondet_tol: the tolerance between two backward runs, for an op whose backward is
            declared nondeterministic (default: backward must be repeatable exactly).
    """

    inputs: int | Sequence[Input] = 1
    shapes: Sequence[Any] = ((3, 4),)
    dtypes: Sequence[str] = DTYPES
    devices: Sequence[str] = ("cpu", "strict", "gpu")
    checks: Sequence[str] | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    factory: Callable[[], Any] | None = None
    name: str | None = None
    tolerances: Mapping[str, TolerancePolicy | tuple[float, float]] = field(default_factory=dict)
    skips: Sequence[Skip] = ()
    reference: Callable[..., Any] | None = None
    examples: Sequence[tuple[Sequence[Any], Any]] = ()
    nondet_tol: float | None = None

    def __post_init__(self) -> None:
        label = "OpSpec" if self.name is None else f"OpSpec {self.name!r}"
        try:
            self._validate()
        except ValueError as error:
            raise ValueError(f"{label}, {error}") from None

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def _validate(self) -> None:
        if self.name is not None and (
            not isinstance(self.name, str) or _NAME_RE.fullmatch(self.name) is None
        ):
            raise ValueError(
                f"field 'name': {self.name!r} must be letters, digits, '_' and '.' only "
                "(case ids join names with '-')"
            )
        self._validate_inputs()
        self._validate_shapes()
        for fname, parse in (("dtypes", parse_dtypes), ("devices", parse_devices)):
            value = getattr(self, fname)
            try:
                self._set(fname, parse(_as_tuple(value)))
            except ValueError as error:
                raise ValueError(f"field {fname!r}: {error}") from None
        if self.kwargs and self.factory is not None:
            raise ValueError(
                "fields 'kwargs' and 'factory' both given; kwargs are the op's constructor "
                "arguments, but a factory builds the op itself: pass them in the factory"
            )
        if self.factory is not None and not callable(self.factory):
            raise ValueError("field 'factory': expected a zero-argument callable")
        self._set("kwargs", dict(self.kwargs))
        if self.reference is not None and not callable(self.reference):
            raise ValueError("field 'reference': expected a NumPy function of the inputs")
        self._validate_examples()
        self._validate_checks()
        self._validate_tolerances()
        if self.nondet_tol is not None and not self.nondet_tol >= 0:
            raise ValueError(f"field 'nondet_tol': must be >= 0; got {self.nondet_tol}")
        self._validate_skips()

    def _validate_inputs(self) -> None:
        inputs = self.inputs
        if isinstance(inputs, int) and not isinstance(inputs, bool):
            if inputs < 1:
                raise ValueError(f"field 'inputs': an op has at least one input; got {inputs}")
            inputs = tuple(Input() for _ in range(inputs))
        else:
            inputs = tuple(inputs)
            if not inputs or not all(isinstance(i, Input) for i in inputs):
                raise ValueError(
                    "field 'inputs': expected a number of inputs or a non-empty list of Input"
                )
        self._set("inputs", inputs)

    def _validate_shapes(self) -> None:
        shapes = self.shapes
        if isinstance(shapes, str | ShapeCase) or (
            isinstance(shapes, tuple) and all(isinstance(d, int) for d in shapes) and shapes
        ):
            raise ValueError(
                f"field 'shapes': expected a list of shape cases, e.g. [(3, 4), ()]; got "
                f"{shapes!r} (wrap a single case in a list)"
            )
        cases = []
        for value in shapes:
            try:
                cases.append(ShapeCase.parse(value))
            except ValueError as error:
                raise ValueError(f"field 'shapes': {error}") from None
        if not cases:
            raise ValueError("field 'shapes': list at least one shape case, e.g. [(3, 4)]")
        n = len(self.inputs)
        ruled = [i for i, inp in enumerate(self.inputs) if inp.shape is not None]
        tokens = set()
        for case in cases:
            if not case.is_shared and len(case.shapes) != n:
                raise ValueError(
                    f"field 'shapes': case {case.token} gives {len(case.shapes)} shapes for "
                    f"{n} inputs"
                )
            if not case.is_shared and ruled and n > 1:
                raise ValueError(
                    f"field 'shapes': case {case.token} gives one shape per input, but input "
                    f"{ruled[0]} has a shape rule (Input(shape=...)); give one shared shape "
                    "per case, or drop the rule"
                )
            if case.noncontiguous and any(len(s) == 0 or s[-1] < 2 for s in case.shapes):
                raise ValueError(
                    f"field 'shapes': case {case.token} is non-contiguous, which needs every "
                    "shape to have a last dimension of at least 2"
                )
            if case.token in tokens:
                raise ValueError(f"field 'shapes': case {case.token} is listed twice")
            tokens.add(case.token)
        self._set("shapes", tuple(cases))

    def _validate_examples(self) -> None:
        examples = []
        for k, example in enumerate(self.examples):
            try:
                inputs, expected = example
            except (TypeError, ValueError):
                raise ValueError(
                    f"field 'examples': example {k} is not an (inputs, expected) pair"
                ) from None
            inputs = tuple(inputs)
            if len(inputs) != len(self.inputs):
                raise ValueError(
                    f"field 'examples': example {k} has {len(inputs)} inputs; the op has "
                    f"{len(self.inputs)}"
                )
            examples.append((inputs, expected))
        self._set("examples", tuple(examples))

    def _validate_checks(self) -> None:
        has_reference = self.reference is not None or bool(self.examples)
        differentiable = any(i.is_differentiable for i in self.inputs)
        other_device = any(d != "cpu" for d in self.devices)
        if self.checks is None:
            checks = tuple(
                c
                for c in CHECKS
                if (c != "forward" or has_reference)
                and (c not in ("backward", "double_backward") or differentiable)
                and (c != "device" or other_device)
            )
            if not checks:
                raise ValueError(
                    "field 'checks': nothing to check: no input is differentiable and there is "
                    "no reference; add reference= or a differentiable input"
                )
        else:
            try:
                checks = parse_checks(_as_tuple(self.checks))
            except ValueError as error:
                raise ValueError(f"field 'checks': {error}") from None
            if "forward" in checks and not has_reference:
                raise ValueError(
                    "field 'checks': 'forward' compares with a reference, but the spec has "
                    "neither reference= nor examples="
                )
            for c in ("backward", "double_backward"):
                if c in checks and not differentiable:
                    raise ValueError(
                        f"field 'checks': {c!r} needs a differentiable input, and every input "
                        "is integer, bool or differentiable=False"
                    )
            if "device" in checks and not other_device:
                raise ValueError(
                    "field 'checks': 'device' compares cpu with another device, but devices "
                    f"is {self.devices}; add 'strict' or 'gpu'"
                )
        self._set("checks", checks)

    def _validate_tolerances(self) -> None:
        tolerances = {}
        for dtype, value in dict(self.tolerances).items():
            if dtype not in self.dtypes:
                raise ValueError(
                    f"field 'tolerances': {dtype!r} is not one of the spec's dtypes {self.dtypes}"
                )
            if not isinstance(value, TolerancePolicy):
                try:
                    atol, rtol = value
                    value = TolerancePolicy(float(atol), float(rtol))
                except (TypeError, ValueError) as error:
                    raise ValueError(
                        f"field 'tolerances': {dtype}: expected (atol, rtol) or a "
                        f"TolerancePolicy; got {value!r} ({error})"
                    ) from None
            tolerances[dtype] = value
        self._set("tolerances", tolerances)

    def _validate_skips(self) -> None:
        skips = tuple(self.skips)
        tokens = {c.token for c in self.shapes}
        tokens.add("hypothesis")
        tokens.update(f"ex{k}" for k in range(len(self.examples)))
        for skip in skips:
            if not isinstance(skip, Skip):
                raise ValueError(f"field 'skips': expected Skip or XFail entries; got {skip!r}")
            for fname, known in (
                ("dtypes", self.dtypes),
                ("devices", self.devices),
                ("checks", self.checks),
                ("shapes", tokens),
            ):
                for value in getattr(skip, fname):
                    if value not in known:
                        raise ValueError(
                            f"field 'skips': {type(skip).__name__}({skip.reason!r}) names "
                            f"{fname[:-1]} {value!r}, which is not among the spec's "
                            f"{fname} ({', '.join(sorted(known))}), so it would match nothing"
                        )
        self._set("skips", skips)

    # ------------------------------------------------------------------ queries
    @property
    def differentiable(self) -> tuple[bool, ...]:
        """Per input, whether the checks differentiate with respect to it."""
        return tuple(i.is_differentiable for i in self.inputs)

    def input_shapes(self, case: ShapeCase) -> tuple[Shape, ...]:
        """The shape of every input in the shape case ``case``."""
        if not case.is_shared:
            return case.shapes
        return tuple(inp.resolve_shape(case.shapes[0]) for inp in self.inputs)

    def expectation(self, dtype: str, device: str, check: str, shape: str) -> Skip | None:
        """The first :class:`Skip` or :class:`XFail` entry matching the case, or ``None``."""
        for skip in self.skips:
            if skip.matches(dtype, device, check, shape):
                return skip
        return None


def specs_of(obj: Any) -> tuple[OpSpec, ...] | Unchecked | None:
    """The spec(s) attached to ``obj`` (its ``spec`` attribute, maybe inherited): a tuple of
    OpSpecs, an :class:`Unchecked` marker, or ``None`` when it has none."""
    spec = getattr(obj, "spec", None) if not inspect.ismodule(obj) else None
    if isinstance(spec, OpSpec):
        return (spec,)
    if isinstance(spec, Unchecked):
        return spec
    if isinstance(spec, tuple) and spec and all(isinstance(s, OpSpec) for s in spec):
        return spec
    return None


# The module whose code attached each op's spec with op_spec: importing it attaches the spec.
# For an op re-exported from elsewhere (the engine's arithmetic, specified in gradkit_ops),
# that is the module to name in reproduce commands, not the op's own module.
_SPEC_MODULES: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def spec_module(obj: Any) -> str | None:
    """The name of the module whose code attached ``obj``'s own spec with :func:`op_spec`
    (importing that module attaches it), or ``None`` when unknown (a spec assigned as an
    attribute, or inherited from a base class).

    >>> from gradkit.testing import op_spec
    >>> @op_spec(name="triple")
    ... def triple(x):
    ...     return x * 3.0
    >>> spec_module(triple) == __name__
    True
    """
    try:
        return _SPEC_MODULES.get(obj)
    except TypeError:  # an object that cannot be weakly referenced
        return None


def _record_spec_module(op: Any, depth: int) -> None:
    try:
        caller = sys._getframe(depth + 1).f_globals.get("__name__")
    except (AttributeError, ValueError):  # no frame introspection on this interpreter
        return
    if isinstance(caller, str):
        with contextlib.suppress(TypeError):  # an object that cannot be weakly referenced
            _SPEC_MODULES[op] = caller


def op_spec(spec: OpSpec | None = None, /, **fields: Any) -> Callable[[_T], _T]:
    """Attach an :class:`OpSpec` to an op (a Function or FunctionNode class, or a function
    over Variables) as its ``spec`` attribute; the op is returned unchanged.

    Pass a spec, or the spec's fields. Stacked decorators attach several specs (variants);
    each then needs a distinct ``name``. Errors name the op.

    >>> import gradkit
    >>> from gradkit.testing import op_spec
    >>> @op_spec(name="double")
    ... def double(x):
    ...     return x * 2.0
    >>> double.spec.name
    'double'
    """
    if spec is not None and fields:
        raise TypeError("op_spec() takes a spec or its fields, not both")

    def attach(op: _T) -> _T:
        label = getattr(op, "__qualname__", repr(op))
        try:
            new = spec if spec is not None else OpSpec(**fields)
        except (ValueError, TypeError) as error:
            raise type(error)(f"{label}: {error}") from None
        own = vars(op).get("spec")
        existing = () if own is None else own if isinstance(own, tuple) else (own,)
        specs = (new, *existing)
        if len(specs) > 1:
            names = [s.name for s in specs]
            if None in names or len(set(names)) != len(names):
                raise ValueError(
                    f"{label}: several specs are attached, so each needs a distinct name=; "
                    f"got names {names}"
                )
        op.spec = specs[0] if len(specs) == 1 else specs  # type: ignore[attr-defined]
        _record_spec_module(op, 1)
        return op

    return attach
