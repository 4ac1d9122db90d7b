"""Hypothesis strategies drawn from an OpSpec, and checks run under hypothesis.

The strategies draw what a spec allows: shapes of the ranks the spec lists (sides up to
``max_side``; sides equal in every listed case of a rank stay equal; sides of 0 or 1 only on
an axis where the spec's cases of that rank have them; non-contiguous only when the spec has
such cases), the spec's own listed shape cases (broadcasting cannot be generalized safely), and
input values from each input's generator (floats in the domain less the kink margins, that
stay there and are not subnormal once cast to the tested dtype; integers in their range; a
``values`` callable fed with a drawn seed).

:func:`run_hypothesis_check` runs one check of an op on ``max_examples`` drawn examples;
a failure shrinks to a minimal example (small shapes, simple values), whose verdict is
returned. Examples the spec does not allow are rejected, never failures: those its input
generators cannot make, those on which the op's forward (or, for the forward check, the
spec's reference) raises, and non-differentiable samples (counted as discarded). A search in
which every example is rejected is a ``skipped`` verdict that says why.

This is the only module of :mod:`gradkit.testing` that imports hypothesis.

Each function takes keyword-only options, each a value or (where marked) a strategy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import numpy
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException, Unsatisfiable
from hypothesis.extra import numpy as hnp

from gradkit.check.result import CheckResult, GradientCheckError, Status
from gradkit.config import no_backprop_mode
from gradkit.testing.cases import Case
from gradkit.testing.inputs import input_dtype, place_inputs
from gradkit.testing.shapes import ShapeCase
from gradkit.testing.spec import Input, OpSpec
from gradkit.testing.target import Target, targets_of
from gradkit.variable import Variable

__all__ = [
    "shape_cases",
    "input_values",
    "case_inputs",
    "run_hypothesis_check",
    "run_hypothesis_case",
]

_MAX_SIDE = 4


def _strategy(value: Any) -> st.SearchStrategy[Any]:
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


def _axis_groups(cases: list[ShapeCase], rank: int) -> list[list[int]]:
    # Axes whose sides are equal in every listed case of this rank (a square matrix stays
    # square), as groups of axes drawn with one side.
    shapes = [c.shapes[0] for c in cases if len(c.shapes[0]) == rank]
    groups: list[list[int]] = []
    for axis in range(rank):
        for group in groups:
            if all(s[group[0]] == s[axis] for s in shapes):
                group.append(axis)
                break
        else:
            groups.append([axis])
    return groups


def shape_cases(spec: OpSpec, *, max_side: int = _MAX_SIDE) -> st.SearchStrategy[ShapeCase]:
    """Shape cases for ``spec``.

    Args:
        spec: the op's spec.
        max_side: the largest side drawn (default 4). Sides start at 2; at 1 or 0 only on an
            axis that is 1 or 0 in one of the spec's cases of that rank.

    Draws shared shapes (one shape for all inputs, mapped through their shape rules) of the
    ranks of the spec's shared cases, non-contiguous when the spec has such a case: sides
    that are equal in every listed case of a rank stay equal (square matrices stay square),
    and an axis is zero-size (or of size 1) only where a listed case of that rank has a zero
    (or a 1) there: ``(0, 3)`` allows empty batches, not empty reductions over the last axis.
    The spec's own cases are drawn too, as listed, so that an op whose shapes the
    generalization misses (divisibility, a minimum length) is still exercised with drawn
    values.

    >>> from hypothesis import given
    >>> from gradkit.testing import OpSpec
    >>> spec = OpSpec(shapes=[(3, 4), ()])
    >>> @given(shape_cases(spec))
    ... def test(case):
    ...     assert len(case.shapes[0]) in (0, 2) and max(case.shapes[0], default=1) <= 4
    >>> test()
    """
    shared = [c for c in spec.shapes if c.is_shared]
    options = []
    if shared:
        ranks = sorted({len(c.shapes[0]) for c in shared})
        plans = {}
        for rank in ranks:
            listed = [c.shapes[0] for c in shared if len(c.shapes[0]) == rank]
            # The smallest side of each axis: 0 or 1 only where a listed case has it (a side
            # of 1 is special: one element to reduce or normalize is a kink for std, a
            # constant for normalize), else 2.
            low = [min(2, *(s[a] for s in listed)) for a in range(rank)]
            plans[rank] = [(g, max(low[a] for a in g)) for g in _axis_groups(shared, rank)]
        nc = any(c.noncontiguous for c in shared)

        @st.composite
        def draw_shared(draw: st.DrawFn) -> ShapeCase:
            rank = draw(st.sampled_from(ranks))
            shape = [0] * rank
            for group, low in plans[rank]:
                side = draw(st.integers(low, max_side))
                for axis in group:
                    shape[axis] = side
            noncontiguous = nc and rank > 0 and shape[-1] >= 2 and draw(st.booleans())
            return ShapeCase((tuple(shape),), noncontiguous)

        options.append(draw_shared())
    options.append(st.sampled_from(spec.shapes))
    return st.one_of(options)


def _float_elements(inp: Input, dtype: str) -> st.SearchStrategy[float]:
    # Values that stay inside the domain and the kink margins once cast to ``dtype``, and
    # that are not subnormal there (a float16 cast of 1e-5 is subnormal: no op is accurate
    # there, and the default draws never land there either).
    target = numpy.dtype(dtype)
    tiny = float(numpy.finfo(target).smallest_normal)

    def fits(lo: float, hi: float) -> Callable[[float], bool]:
        def check(value: float) -> bool:
            cast = float(numpy.asarray(value, dtype=target))
            return lo < cast < hi and (cast == 0.0 or abs(cast) >= tiny)

        return check

    return st.one_of(
        [
            st.floats(lo, hi, exclude_min=True, exclude_max=True, allow_subnormal=False).filter(
                fits(lo, hi)
            )
            for lo, hi in inp.sampling_intervals
        ]
    )


def _values_strategy(inp: Input, shape: tuple[int, ...], dtype: str) -> st.SearchStrategy[Any]:
    values = inp.values
    assert values is not None

    def call(seed: int) -> Any:
        out = numpy.asarray(values(numpy.random.default_rng(seed), shape, dtype), dtype)
        if out.shape != tuple(shape):
            raise ValueError(
                f"Input(values=...) returned shape {out.shape} for requested shape {shape}"
            )
        return out

    return st.integers(0, 2**32 - 1).map(call)


def _input_strategy(inp: Input, shape: tuple[int, ...], dtype: str) -> st.SearchStrategy[Any]:
    kind = numpy.dtype(dtype).kind
    if any(d < 0 for d in shape):
        raise ValueError(f"the input's shape rule gave the negative shape {shape}")
    if inp.values is not None:
        return _values_strategy(inp, shape, dtype)
    if kind == "b":
        return hnp.arrays(numpy.bool_, shape, elements=st.booleans(), fill=st.nothing())
    if kind in "iu":
        low, high = inp.domain  # type: ignore[misc]  # validated: integer inputs have one
        elements = st.integers(int(low), int(high) - 1)
        return hnp.arrays(numpy.dtype(dtype), shape, elements=elements, fill=st.nothing())
    elements = _float_elements(inp, dtype)
    floats = hnp.arrays(numpy.float64, shape, elements=elements, fill=st.nothing())
    return floats.map(lambda a: a.astype(dtype))


def input_values(
    spec: OpSpec,
    *,
    shape: ShapeCase | st.SearchStrategy[ShapeCase],
    dtype: str | st.SearchStrategy[str] = "float64",
) -> st.SearchStrategy[tuple[Any, ...]]:
    """Host (NumPy) input arrays for ``spec``, one per input.

    Args:
        spec: the op's spec.
        shape: the shape case (a value or a strategy, e.g. :func:`shape_cases`).
        dtype: the case dtype name (a value or a strategy; default ``"float64"``). Inputs
            with a fixed dtype keep it.

    >>> from hypothesis import given
    >>> from gradkit.testing import Input, OpSpec
    >>> from gradkit.testing.shapes import ShapeCase
    >>> spec = OpSpec(inputs=[Input(domain=(0.5, 2.0)), Input(dtype="int64", domain=(0, 3))])
    >>> @given(input_values(spec, shape=ShapeCase.parse((2, 3)), dtype="float32"))
    ... def test(arrays):
    ...     x, i = arrays
    ...     assert x.dtype == "float32" and ((x >= 0.5) & (x <= 2.0)).all()
    ...     assert i.dtype == "int64" and ((0 <= i) & (i < 3)).all()
    >>> test()
    """

    @st.composite
    def draw(draw: st.DrawFn) -> tuple[Any, ...]:
        case = draw(_strategy(shape))
        name = draw(_strategy(dtype))
        shapes = spec.input_shapes(case)
        return tuple(
            draw(_input_strategy(inp, s, input_dtype(inp, name)))
            for inp, s in zip(spec.inputs, shapes, strict=True)
        )

    return draw()


def case_inputs(
    spec: OpSpec,
    *,
    dtype: str | st.SearchStrategy[str] = "float64",
    max_side: int = _MAX_SIDE,
) -> st.SearchStrategy[tuple[ShapeCase, tuple[Any, ...]]]:
    """``(shape case, host input arrays)`` pairs for ``spec``: :func:`shape_cases` then
    :func:`input_values` of that shape.

    Args:
        spec: the op's spec.
        dtype: the case dtype name (a value or a strategy; default ``"float64"``).
        max_side: the largest side drawn (default 4).

    >>> from hypothesis import given
    >>> from gradkit.testing import OpSpec
    >>> @given(case_inputs(OpSpec(inputs=2, shapes=[(3,)]), dtype="float16"))
    ... def test(example):
    ...     shape, (x, y) = example
    ...     assert x.shape == y.shape == shape.shapes[0] and x.dtype == "float16"
    >>> test()
    """

    @st.composite
    def draw(draw: st.DrawFn) -> tuple[ShapeCase, tuple[Any, ...]]:
        case = draw(shape_cases(spec, max_side=max_side))
        return case, draw(input_values(spec, shape=case, dtype=dtype))

    return draw()


class _FailingExampleError(Exception):
    """Raised inside the hypothesis test to mark a failing example (hypothesis shrinks it)."""


def _describe(case: ShapeCase, host: tuple[Any, ...]) -> str:
    text = f"shapes {case.token}"
    if sum(a.size for a in host) <= 8:
        text += ", inputs " + ", ".join(repr(a.tolist()) for a in host)
    return text


def _forward_problem(func: Callable[..., Any], arrays: list[Any]) -> str | None:
    """What the op's forward raised on ``arrays``, or ``None`` when it runs."""
    try:
        with no_backprop_mode(), numpy.errstate(all="ignore"):
            func(*[Variable(a) for a in arrays])
    except Exception as error:
        return f"the op's forward raised {type(error).__name__}: {error}"
    return None


def _reference_problem(reference: Callable[..., Any], host: tuple[Any, ...]) -> str | None:
    """What the spec's reference raised on ``host`` (upcast as the forward check does)."""
    upcast = [a.astype(numpy.float64) if a.dtype.kind == "f" else a for a in host]
    try:
        with numpy.errstate(all="ignore"):
            reference(*upcast)
    except Exception as error:
        return f"the spec's reference raised {type(error).__name__}: {error}"
    return None


def _unusable(case: Case, state: dict[str, Any]) -> CheckResult:
    """The verdict of a search in which hypothesis found no example the op accepts."""
    rejected: dict[str, tuple[int, str]] = state["rejected"]
    discarded = state["discarded"]
    spec = case.target.spec
    tokens = ", ".join(c.token for c in spec.shapes)
    common = {
        "check": case.check,
        "target": case.target.label,
        "dtype": case.dtype,
        "device": case.device,
        "seed": case.seed,
        "discarded_samples": discarded,
    }
    if discarded and not rejected:
        return CheckResult(
            status=Status.NONDIFFERENTIABLE,
            subcheck="values",
            message=(
                f"every drawn example ({discarded}) was non-differentiable; declare the op's "
                "kinks in its spec (Input(kinks=...)) or narrow its domain"
            ),
            **common,
        )
    why = "; ".join(
        f"{reason} ({n} time{'s' if n > 1 else ''}, e.g. shapes {where})"
        for reason, (n, where) in sorted(rejected.items(), key=lambda kv: -kv[1][0])[:3]
    )
    if discarded:
        why += f"; {discarded} non-differentiable"
    reason = (
        f"hypothesis found no example the op accepts: {why}. Its spec's shapes ({tokens}) "
        "generalize to shapes the op refuses, and drawing the listed shapes found nothing "
        "either; list the shapes the op accepts, or Skip its 'hypothesis' cases with the reason"
    )
    return CheckResult(status=Status.SKIPPED, message=reason, reason=reason, **common)


def run_hypothesis_case(case: Case) -> CheckResult:
    """Run a hypothesis-driven case (``case.hypothesis`` examples, seeded with the case seed)
    and return the verdict: that of the minimal failing example, else a ``passed`` summary.

    An example the spec does not allow is rejected, never a failure: one whose inputs the
    spec's generators cannot make (a ``values`` callable or shape rule raising on a generalized
    shape), one on which the op's forward raises, or, for the forward check, on which the
    spec's reference raises. A non-differentiable example is rejected and counted in
    ``discarded_samples``. When every drawn example is rejected, the verdict is ``skipped``
    with the reasons (``nondifferentiable`` when every one was non-differentiable).

    >>> import gradkit
    >>> from gradkit.testing import OpSpec
    >>> from gradkit.testing.cases import Case
    >>> from gradkit.testing.target import targets_of
    >>> def double(x):
    ...     return x * 2.0
    >>> double.spec = OpSpec()
    >>> (target,) = targets_of(double)
    >>> run_hypothesis_case(Case(target, "float32", None, "cpu", "backward", hypothesis=5)).message
    '5 hypothesis examples passed'
    """
    from gradkit.testing.runner import check_inputs

    spec = case.target.spec
    func = case.target.function()
    reference = spec.reference if case.check == "forward" else None
    state: dict[str, Any] = {
        "failing": None,
        "passed": 0,
        "discarded": 0,
        "evals": 0,
        "rejected": {},
    }

    def refuse(reason: str, shape: ShapeCase) -> NoReturn:
        n, where = state["rejected"].get(reason, (0, shape.token))
        state["rejected"][reason] = (n + 1, where)
        reject()

    @hypothesis_seed(case.seed)
    @settings(
        max_examples=case.hypothesis,
        database=None,
        deadline=None,
        derandomize=False,
        print_blob=False,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink),
    )
    @given(st.data())
    def search(data: st.DataObject) -> None:
        shape = data.draw(shape_cases(spec))
        try:
            host = data.draw(input_values(spec, shape=shape, dtype=case.dtype))
        except HypothesisException:
            raise
        except Exception as error:  # a values callable or shape rule refusing the shape
            refuse(f"the spec's input generator raised {type(error).__name__}: {error}", shape)
        placed = place_inputs(host, case.device, noncontiguous=shape.noncontiguous)
        problem = _forward_problem(func, placed)
        if problem is None and reference is not None:
            problem = _reference_problem(reference, host)
        if problem is not None:
            refuse(problem, shape)
        verdict = check_inputs(case, shape, list(host), case.seed)
        state["evals"] += verdict.n_evals
        if verdict.status is Status.NONDIFFERENTIABLE:
            state["discarded"] += 1
            reject()
        if verdict.is_failure:
            state["failing"] = (verdict, shape, host)
            raise _FailingExampleError
        state["passed"] += 1

    try:
        search()
    except _FailingExampleError:
        verdict, shape, host = state["failing"]
        verdict.message = (
            f"minimal failing example after shrinking: {_describe(shape, host)}; {verdict.message}"
        )
        verdict.discarded_samples = state["discarded"]
        return verdict
    except Unsatisfiable:
        return _unusable(case, state)
    message = f"{state['passed']} hypothesis examples passed"
    n_rejected = sum(n for n, _ in state["rejected"].values())
    if n_rejected:
        message += f" ({n_rejected} drawn examples the op does not accept were rejected)"
    return CheckResult(
        status=Status.PASSED,
        check=case.check,
        message=message,
        target=case.target.label,
        dtype=case.dtype,
        device=case.device,
        seed=case.seed,
        n_evals=state["evals"],
        discarded_samples=state["discarded"],
    )


def run_hypothesis_check(
    op: Any,
    *,
    check: str = "backward",
    dtype: str = "float64",
    device: str = "cpu",
    max_examples: int = 50,
    seed: int = 0,
    raise_on_failure: bool = True,
) -> CheckResult:
    """Run one check of ``op`` under hypothesis; a failure shrinks to a minimal example.

    Args:
        op: an op carrying a spec (its first spec is used), or a
            :class:`~gradkit.testing.Target`.
        check: ``"backward"`` (default), ``"double_backward"``, ``"forward"`` (needs a
            reference) or ``"device"``.
        dtype: the dtype name (default ``"float64"``).
        device: the device name (default ``"cpu"``).
        max_examples: examples to try (default 50).
        seed: the global seed (default 0); the search is deterministic for a given seed.
        raise_on_failure: raise :class:`~gradkit.check.GradientCheckError` on a failing
            verdict (default ``True``).

    >>> import gradkit
    >>> from gradkit.testing import OpSpec
    >>> class Square(gradkit.FunctionNode):
    ...     def forward(self, inputs):
    ...         self.retain_inputs((0,))
    ...         return (inputs[0] * inputs[0],)
    ...     def backward(self, target_input_indexes, grad_outputs):
    ...         (x,) = self.get_retained_inputs()
    ...         return (x * grad_outputs[0],)  # planted bug: 2 * x
    >>> Square.spec = OpSpec(shapes=[(3, 4)])
    >>> r = run_hypothesis_check(Square, max_examples=20, raise_on_failure=False)
    >>> r.status.value, r.message.startswith("minimal failing example after shrinking: shapes 2x2")
    ('failed', True)
    """
    if isinstance(op, Target):
        target = op
    else:
        found = targets_of(op)
        if not found:
            raise ValueError(f"{op!r} has no spec; attach one (op.spec = OpSpec(...))")
        target = found[0]
    case = Case(target, dtype, None, device, check, hypothesis=max_examples, global_seed=seed)
    verdict = run_hypothesis_case(case)
    if raise_on_failure and verdict.is_failure:
        raise GradientCheckError(verdict)
    return verdict
