"""Hypothesis strategies drawn from an OpSpec, and checks run under hypothesis.

The strategies draw what a spec allows: shapes of the ranks the spec lists (sides up to
``max_side``; zero-size and non-contiguous only when the spec has such cases), plus the
spec's own per-input shape cases (broadcasting cannot be generalized safely), and input
values from each input's generator (floats in the domain less the kink margins, integers in
their range, a ``values`` callable fed with a drawn seed).

:func:`run_hypothesis_check` runs one check of an op on ``max_examples`` drawn examples;
a failure shrinks to a minimal example (small shapes, simple values), whose verdict is
returned. Examples on which the op's forward raises are rejected (a generalized shape the op
does not accept), and so are non-differentiable samples (counted as discarded).

This is the only module of :mod:`gradkit.testing` that imports hypothesis.

Each function takes keyword-only options, each a value or (where marked) a strategy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
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


def shape_cases(spec: OpSpec, *, max_side: int = _MAX_SIDE) -> st.SearchStrategy[ShapeCase]:
    """Shape cases for ``spec``.

    Args:
        spec: the op's spec.
        max_side: the largest side drawn (default 4). Sides start at 1, or at 0 when the spec
            lists a zero-size case.

    Draws shared shapes (one shape for all inputs, mapped through their shape rules) of the
    ranks of the spec's shared cases, non-contiguous when the spec has such a case; and the
    spec's per-input cases as listed.

    >>> from hypothesis import given
    >>> from gradkit.testing import OpSpec
    >>> spec = OpSpec(shapes=[(3, 4), ()])
    >>> @given(shape_cases(spec))
    ... def test(case):
    ...     assert len(case.shapes[0]) in (0, 2) and max(case.shapes[0], default=1) <= 4
    >>> test()
    """
    shared = [c for c in spec.shapes if c.is_shared]
    listed = [c for c in spec.shapes if not c.is_shared]
    options = []
    if shared:
        ranks = sorted({len(c.shapes[0]) for c in shared})
        min_side = 0 if any(c.has_zero_size for c in shared) else 1
        nc = any(c.noncontiguous for c in shared)

        @st.composite
        def draw_shared(draw: st.DrawFn) -> ShapeCase:
            rank = draw(st.sampled_from(ranks))
            shape = (
                draw(
                    hnp.array_shapes(
                        min_dims=rank, max_dims=rank, min_side=min_side, max_side=max_side
                    )
                )
                if rank
                else ()
            )
            noncontiguous = nc and rank > 0 and shape[-1] >= 2 and draw(st.booleans())
            return ShapeCase((tuple(shape),), noncontiguous)

        options.append(draw_shared())
    if listed:
        options.append(st.sampled_from(listed))
    return st.one_of(options)


def _float_elements(inp: Input) -> st.SearchStrategy[float]:
    return st.one_of(
        [
            st.floats(lo, hi, exclude_min=True, exclude_max=True, allow_subnormal=False)
            for lo, hi in inp.sampling_intervals
        ]
    )


def _input_strategy(inp: Input, shape: tuple[int, ...], dtype: str) -> st.SearchStrategy[Any]:
    kind = numpy.dtype(dtype).kind
    if inp.values is not None:
        values = inp.values
        return st.integers(0, 2**32 - 1).map(
            lambda s: numpy.asarray(values(numpy.random.default_rng(s), shape, dtype), dtype)
        )
    if kind == "b":
        return hnp.arrays(numpy.bool_, shape, elements=st.booleans(), fill=st.nothing())
    if kind in "iu":
        low, high = inp.domain  # type: ignore[misc]  # validated: integer inputs have one
        elements = st.integers(int(low), int(high) - 1)
        return hnp.arrays(numpy.dtype(dtype), shape, elements=elements, fill=st.nothing())
    floats = hnp.arrays(numpy.float64, shape, elements=_float_elements(inp), fill=st.nothing())
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


def _forward_runs(func: Callable[..., Any], arrays: list[Any]) -> bool:
    try:
        with no_backprop_mode(), numpy.errstate(all="ignore"):
            func(*[Variable(a) for a in arrays])
    except Exception:
        return False
    return True


def run_hypothesis_case(case: Case) -> CheckResult:
    """Run a hypothesis-driven case (``case.hypothesis`` examples, seeded with the case seed)
    and return the verdict: that of the minimal failing example, else a ``passed`` summary.
    Every non-differentiable example is rejected and counted in ``discarded_samples``.

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
    state: dict[str, Any] = {"failing": None, "passed": 0, "discarded": 0, "evals": 0}

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
    @given(case_inputs(spec, dtype=case.dtype))
    def search(example: tuple[ShapeCase, tuple[Any, ...]]) -> None:
        shape, host = example
        placed = place_inputs(host, case.device, noncontiguous=shape.noncontiguous)
        if not _forward_runs(func, placed):
            reject()
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
        return CheckResult(
            status=Status.NONDIFFERENTIABLE if state["discarded"] else Status.ERROR,
            check=case.check,
            subcheck=None if state["discarded"] else "exception",
            message=(
                f"no usable example in {case.hypothesis}: {state['discarded']} were "
                "non-differentiable and the op's forward raised on the others; restrict the "
                "spec's shapes or domains"
            ),
            target=case.target.label,
            dtype=case.dtype,
            device=case.device,
            seed=case.seed,
            discarded_samples=state["discarded"],
        )
    return CheckResult(
        status=Status.PASSED,
        check=case.check,
        message=f"{state['passed']} hypothesis examples passed",
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
    >>> r.status.value, r.message.startswith("minimal failing example after shrinking: shapes 1x1")
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
