"""check_backward: is a function's backward the derivative of its forward?

One run, in this order (the first violation decides the verdict):

1. forward with a graph, in the tested dtype; inputs compared with snapshots
   (``forward_mutates_input``);
2. backward with grad_outputs ``u`` (given, or seeded random signed values); the engine's
   own checks of count, shape, dtype and device and of integer inputs become sub-checks;
   inputs and ``u`` compared with snapshots; backward run again on the same graph and
   compared (``nondeterministic``); backward with ``u = 0`` must give zeros
   (``zero_grad_output``);
3. the reference gradient: the same forward and backward on float64 copies of the inputs
   (for a float64 check, the gradient of step 2). An op that cannot run in float64 is
   checked in its own dtype, with that dtype's wider step;
4. non-finite gradients where the numerical derivative is finite (``nonfinite``);
5. tier 1: the reference gradient against numerical directional derivatives along
   ``directions`` random signed directions (float64, five-point stencil);
6. the tested-dtype gradient against the reference, element by element, with the tested
   dtype's tolerance (the op's float16/float32 arithmetic);
7. tier 2 (small inputs, ``jacobian="always"``, or a tier-1 failure): element-wise
   derivatives, or bisection past a size limit, to localize the worst elements; then a
   diagnosis.

A disagreement at a kink or a domain boundary is reported as ``nondifferentiable`` (resample
the inputs), never as a failure.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy

from gradkit.backend import to_numpy
from gradkit.backprop import grad as engine_grad
from gradkit.check import invariants
from gradkit.check.diagnosis import SlotEvidence, diagnose, factor_candidate
from gradkit.check.directional import Judgement, judge
from gradkit.check.localize import JACOBIAN_MAX_ELEMENTS, ElementCheck, bisect, check_elements
from gradkit.check.numerical import NOISE_ULPS, Probe, step_scale, unit_roundoff
from gradkit.check.result import (
    CheckResult,
    GradientCheckError,
    InputReport,
    Status,
    WorstElement,
)
from gradkit.check.sampling import make_rng, signed_direction, signed_directions
from gradkit.check.target import Target, cast_array
from gradkit.check.tolerance import (
    DEFAULT_TOLERANCES,
    TolerancePolicy,
    dtype_name,
    eps_for,
    tolerance_for,
)
from gradkit.check.user_code import format_traceback, user_location
from gradkit.config import using_config
from gradkit.exceptions import BackwardResultError, DoubleBackpropError
from gradkit.parameter import Parameter
from gradkit.variable import Variable, is_float_dtype

__all__ = ["check_backward", "BackwardCheckOptions", "run_check", "SMALL_INPUT_ELEMENTS"]

#: Inputs with at most this many elements in total get tier 2 under ``jacobian="auto"``.
SMALL_INPUT_ELEMENTS = 16
#: Worst elements kept per input in a result.
WORST_KEPT = 5
#: Random elements checked one by one to confirm a scale factor seen along directions.
SAMPLED_ELEMENTS = 4
_JACOBIAN_MODES = ("auto", "always", "never")


@dataclass
class BackwardCheckOptions:
    """The keyword options shared by :func:`check_backward` and ``check_double_backward``."""

    eps: float | None = None
    atol: float | None = None
    rtol: float | None = None
    seed: int = 0
    directions: int = 3
    jacobian: str = "auto"
    nondet_tol: float | None = None
    tolerances: dict[str, TolerancePolicy] | TolerancePolicy | None = None
    repro: str | None = None

    def __post_init__(self) -> None:
        if self.jacobian not in _JACOBIAN_MODES:
            raise ValueError(f"jacobian must be one of {_JACOBIAN_MODES}; got {self.jacobian!r}")
        if not isinstance(self.directions, int) or self.directions < 1:
            raise ValueError(f"directions must be a positive int; got {self.directions!r}")
        if self.eps is not None and not (self.eps > 0 and math.isfinite(self.eps)):
            raise ValueError(f"eps must be a positive number; got {self.eps!r}")

    @property
    def overridden(self) -> bool:
        """Whether the caller changed the tolerances."""
        return self.atol is not None or self.rtol is not None or self.tolerances is not None

    def policy(self, dtype: str) -> TolerancePolicy:
        """The policy of the tested dtype ``dtype``, with the caller's overrides."""
        return tolerance_for(dtype, self.tolerances).replace(self.atol, self.rtol)

    def reference_policy(self, dtype: str) -> TolerancePolicy:
        """The policy for the float64 reference of a ``dtype`` gradient: float64's, loosened
        to the caller's override where that is looser (never tightened past float64's)."""
        if dtype == "float64":
            return self.policy("float64")
        base = DEFAULT_TOLERANCES["float64"]
        return base.loosest(self.policy(dtype)) if self.overridden else base


class _FunctionRaisedError(Exception):
    """The function under test raised while evaluated on perturbed inputs."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


class _StopCheck(Exception):  # noqa: N818 (control flow, not an error)
    """Ends a check early with its result."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result


def _host64(a: Any) -> numpy.ndarray:
    return numpy.asarray(to_numpy(a), dtype=numpy.float64)


def _rms(arrays: Sequence[numpy.ndarray]) -> float:
    n = sum(a.size for a in arrays)
    if n == 0:
        return 0.0
    total = sum(float(numpy.vdot(a, a)) for a in arrays)
    return math.sqrt(total / n) if math.isfinite(total) else 0.0


def _index(shape: tuple[int, ...], flat: int) -> tuple[int, ...]:
    return tuple(int(i) for i in numpy.unravel_index(flat, shape)) if shape else ()


def _rel(abs_err: float, reference: float) -> float:
    if abs_err == 0:
        return 0.0
    return abs_err / abs(reference) if reference != 0 else math.inf


@dataclass
class _Compared:
    """Element-wise comparison of one slot (all elements, or some)."""

    slot: int
    flats: numpy.ndarray
    analytic: numpy.ndarray
    numeric: numpy.ndarray
    tol: numpy.ndarray
    full: bool
    nondiff: list[str] = field(default_factory=list)

    @property
    def errors(self) -> numpy.ndarray:
        err = numpy.abs(self.analytic - self.numeric)
        return numpy.where(numpy.isnan(err), numpy.inf, err)

    @property
    def failing(self) -> numpy.ndarray:
        return self.errors > self.tol


class _Run:
    """The state of one check: the target, the options, the evaluations so far."""

    def __init__(
        self,
        target: Target,
        check: str,
        options: BackwardCheckOptions,
        grad_outputs: Sequence[Any] | None,
    ) -> None:
        self.t0 = time.perf_counter()
        self.target = target
        self.check = check
        self.opts = options
        self.given_u = grad_outputs
        self.rng = make_rng(options.seed)
        self.n_evals = 0
        self.tier = 1
        floats = [target.arrays[k] for k in target.targets] or [
            a for a in target.arrays if is_float_dtype(a.dtype)
        ]
        self.dtype = dtype_name(floats[0].dtype) if floats else None
        self.eps: float | None = None
        first = self.dtype or "float64"
        self.atol = options.policy(first).atol if self.dtype else None
        self.rtol = options.policy(first).rtol if self.dtype else None
        self.compared: dict[int, _Compared] = {}
        self.probe: Probe | None = None
        #: The dtype the values in ``compared`` were computed in, when it is not the slot's.
        self.compared_dtype: str | None = None
        #: The user's exception behind an ``error`` verdict (chained by :func:`run_check`).
        self.exception: BaseException | None = None

    # ------------------------------------------------------------------ results
    def result(
        self,
        status: Status,
        subcheck: str | None = None,
        message: str = "",
        diagnosis: str | None = None,
        reason: str | None = None,
    ) -> CheckResult:
        reports = []
        t = self.target
        for k, a in enumerate(t.arrays):
            rep = InputReport(k, t.names[k], tuple(a.shape), dtype_name(a.dtype))
            cmp = self.compared.get(k)
            if cmp is not None and cmp.analytic.size and status is not Status.PASSED:
                # the errors listed are those of the comparison made (float64 for a float16
                # input compared through its float64 reference)
                rep.dtype = self.compared_dtype or rep.dtype
            if cmp is not None and cmp.analytic.size:
                err = cmp.errors
                rel = numpy.array(
                    [_rel(float(e), float(n)) for e, n in zip(err, cmp.numeric, strict=True)]
                )
                rep.max_abs_err = float(err.max())
                rep.max_rel_err = float(rel.max())
                with numpy.errstate(divide="ignore", invalid="ignore"):
                    badness = numpy.where(
                        cmp.tol > 0, err / cmp.tol, numpy.where(err > 0, numpy.inf, 0)
                    )
                # Worst first: elements beyond tolerance, by absolute error.
                order = numpy.lexsort((-err, ~(badness > 1)))
                for i in order[:WORST_KEPT]:
                    if cmp.full and not badness[i] > 1 and status is not Status.PASSED:
                        break
                    rep.worst.append(
                        WorstElement(
                            _index(tuple(a.shape), int(cmp.flats[i])),
                            float(cmp.analytic[i]),
                            float(cmp.numeric[i]),
                            float(err[i]),
                            float(rel[i]),
                        )
                    )
                if status is Status.PASSED:
                    rep.worst = []
            reports.append(rep)
        return CheckResult(
            status=status,
            check=self.check,
            subcheck=subcheck,
            message=message,
            diagnosis=diagnosis,
            target=t.label,
            dtype=self.dtype,
            device=t.device,
            seed=self.opts.seed,
            eps=self.eps,
            atol=self.atol,
            rtol=self.rtol,
            directions=self.opts.directions,
            tier=self.tier,
            n_evals=self.n_evals + (self.probe.n_evals if self.probe is not None else 0),
            time_s=time.perf_counter() - self.t0,
            inputs=reports,
            reason=reason,
            repro=self.opts.repro,
        )

    def fail(self, subcheck: str, message: str, diagnosis: str | None = None) -> _StopCheck:
        return _StopCheck(self.result(Status.FAILED, subcheck, message, diagnosis))

    def error(self, exc: BaseException, when: str) -> _StopCheck:
        """An ``error`` verdict for the user's exception ``exc``, raised in ``when``: where in
        the user's code it was raised, the line, and the inputs."""
        self.exception = exc
        t = self.target
        text = str(exc).splitlines()[0] if str(exc) else ""
        kind = type(exc).__name__
        message = f"{t.label} raised {kind} in {when}: {text}"
        frame = user_location(exc)
        diagnosis = None
        if frame is not None:
            message += f" (at {frame})"
            quoted = f": `{frame.line}`" if frame.line else ""
            inputs = ", ".join(
                f"{t.names[k]} {tuple(a.shape)} {dtype_name(a.dtype)}"
                for k, a in enumerate(t.arrays)
            )
            diagnosis = (
                f"{kind} raised at {frame}{quoted}; the inputs were {inputs or 'none'}. Fix "
                "that line, or the inputs if they are not what the op expects (the reproduce "
                "command runs the same case again)"
            )
        result = self.result(Status.ERROR, "exception", message, diagnosis)
        result.traceback = format_traceback(exc)
        return _StopCheck(result)

    # ------------------------------------------------------------------ steps
    def forward(self, arrays: list[Any]) -> tuple[tuple[Variable, ...], list[Any]]:
        self.n_evals += 1
        with using_config("enable_backprop", True):
            return self.target.call(arrays)

    def backward(
        self, outs: Sequence[Variable], slot_vars: list[Any], u: Sequence[Any], when: str
    ) -> list[Any]:
        """Gradients (arrays, zeros where None) of the target slots for weights ``u``."""
        t = self.target
        inputs = [slot_vars[k] for k in t.targets]
        gys = [Variable._from_array(g, False) for g in u]
        try:
            grads = engine_grad(list(outs), inputs, gys)
        except BackwardResultError as exc:
            v = invariants.classify_backward_error(exc)
            raise self.fail(v.subcheck, v.message, v.diagnosis) from None
        except DoubleBackpropError as exc:
            raise self._skip_double(exc) from None
        except Exception as exc:
            raise self.error(exc, when) from None
        arrays = [None if g is None else g._data for g in grads]
        v = invariants.check_gradient_structure(t.label, t.names, t.targets, arrays, t.arrays)
        if v is not None:
            raise self.fail(v.subcheck, v.message, v.diagnosis)
        result = []
        for k, g in zip(t.targets, arrays, strict=True):
            if g is None:
                x = t.arrays[k]
                g = numpy.zeros(x.shape, dtype=numpy.float64)
            result.append(g)
        return result

    def check_mutation(
        self, snapshots: list[Any], arrays: list[Any], subcheck: str, what: str
    ) -> None:
        changed = invariants.find_mutations(snapshots, arrays)
        if changed:
            k, idx = changed[0]
            names = self.target.names if subcheck != "backward_mutates_grad_output" else None
            name = names[k] if names else f"grad_output {k}"
            if self.check == "double_backward":
                self._second_order_mutation(snapshots, subcheck, k, idx, name)
            raise self.fail(
                subcheck,
                f"{what} changed {name} in place (first at index {idx})",
                f"in-place mutation of {name}: {what} must not write to its arguments; "
                "compute into a new array (x = x * 2, not x *= 2)",
            )

    def _second_order_mutation(
        self, snapshots: list[Any], subcheck: str, k: int, idx: tuple[int, ...], name: str
    ) -> None:
        """A mutation seen by the double-backward check, blamed on the user's method.

        The function checked there computes the first-order gradients: its "forward" runs the
        user's forward *and* backward, its "backward" is the second-order backward.
        """
        t = self.target
        first = t.func
        n = getattr(first, "n_inputs", len(t.arrays))
        n_gy = len(t.arrays) - n - len(t.params)
        fix = "compute into a new array (x = x * 2, not x *= 2)"
        if subcheck != "forward_mutates_input":
            what = f"the second-order backward (the backward of {t.label}.backward)"
            raise self.fail(
                subcheck,
                f"{what} changed {name} in place (first at index {idx})",
                f"in-place mutation of {name} by {what}: backward must not write to its "
                f"inputs or grad_outputs; {fix}",
            )
        mutates = getattr(first, "forward_mutates", None)
        if n <= k < n + n_gy:  # a grad_output of the first order: only backward sees it
            subcheck = "backward_mutates_grad_output"
        elif callable(mutates) and mutates(snapshots):
            raise self.fail(
                subcheck,
                f"{t.label}.forward changed {name} in place (first at index {idx})",
                f"in-place mutation of {name} by {t.label}.forward: forward must not write to "
                f"its inputs; {fix}",
            )
        else:
            subcheck = "backward_mutates_input"
        raise self.fail(
            subcheck,
            f"{t.label}.backward changed {name} in place (first at index {idx}), while "
            "computing the first-order gradient",
            f"in-place mutation of {name} by {t.label}.backward: backward must not write to "
            f"its inputs or grad_outputs; {fix}",
        )

    def grad_output_weights(self, float_outs: list[Variable]) -> list[Any]:
        """The grad_outputs ``u``: the caller's, or seeded random signed values."""
        given = self.given_u
        if given is None:
            drawn = signed_directions(self.rng, [tuple(y.shape) for y in float_outs])
            return [_on_device_like(w, y.array) for w, y in zip(drawn, float_outs, strict=True)]
        given = list(given) if isinstance(given, tuple | list) else [given]
        arrays = [g.array if isinstance(g, Variable) else g for g in given]
        if len(arrays) == len(self.all_outs) and len(arrays) != len(float_outs):
            arrays = [
                a for a, y in zip(arrays, self.all_outs, strict=True) if is_float_dtype(y.dtype)
            ]
        if len(arrays) != len(float_outs):
            raise ValueError(
                f"grad_outputs has {len(arrays)} arrays; {self.target.label} has "
                f"{len(float_outs)} floating outputs (give one per output)"
            )
        result = []
        for a, y in zip(arrays, float_outs, strict=True):
            if isinstance(a, numpy.generic):
                a = numpy.asarray(a)
            if tuple(a.shape) != tuple(y.shape):
                raise ValueError(
                    f"grad_outputs entry of shape {tuple(a.shape)} for an output of shape "
                    f"{tuple(y.shape)}"
                )
            result.append(cast_array(a, dtype_name(y.dtype)))
        return result

    def run(self) -> CheckResult:
        try:
            return self._run()
        except _StopCheck as stop:
            return stop.result
        finally:
            self.target.restore()

    def _run(self) -> CheckResult:
        t = self.target
        opts = self.opts
        # 1. forward with a graph
        snapshots = t.snapshot()
        try:
            outs, slot_vars = self.forward(t.arrays)
        except DoubleBackpropError as exc:
            raise self._skip_double(exc) from None
        except Exception as exc:
            raise self.error(exc, self._stage("forward")) from None
        self.all_outs = outs
        if self.check == "backward" and t.label.endswith("<lambda>"):
            # A lambda names nothing: name the op that made the outputs, if one did.
            creator = outs[0].creator if outs else None
            if creator is not None:
                t.label = creator.label
        self.check_mutation(snapshots, t.arrays, "forward_mutates_input", "forward")
        float_idx = [i for i, y in enumerate(outs) if is_float_dtype(y.dtype)]
        float_outs = [outs[i] for i in float_idx]
        if not float_outs:
            return self.result(Status.SKIPPED, reason="no floating output to differentiate")
        if not t.targets:
            return self.result(Status.SKIPPED, reason="no floating input or parameter to check")

        # 2. backward: structure, mutation, repeatability, zero grad_output
        u = self.grad_output_weights(float_outs)
        u_snap = [_copy(a) for a in u]
        # Only floating outputs take part in backward (one grad_output each).
        grads = self.backward(float_outs, slot_vars, u, self._stage("backward"))
        self.check_mutation(u_snap, u, "backward_mutates_grad_output", "backward")
        g1 = [_host64(g) for g in grads]
        # Backward is linear in grad_output, and halving is exact in binary floating point
        # (barring subnormals; doubling could overflow float16): a second run with u/2 must
        # give exactly g(u)/2. One run checks both that backward is repeatable and that it
        # scales with grad_output; the runs that tell the two apart are made only when the
        # identity fails (and a subnormal rounding passes them).
        g2 = self.repeat_backward(float_outs, slot_vars, [_halved(a) for a in u])
        self.check_mutation(snapshots, t.arrays, "backward_mutates_input", "backward")
        tol = None if opts.nondet_tol is None else opts.nondet_tol / 2
        if invariants.compare_repeated([0.5 * g for g in g1], g2, tol) is not None:
            self.explain_inhomogeneity(float_outs, slot_vars, u, g1)

        try:
            return self._numerical(t, outs, float_idx, u, g1)
        except _FunctionRaisedError as exc:
            raise self.error(exc.original, self._stage("numerical")) from None

    def _stage(self, stage: str) -> str:
        """How an error message names a stage of the check ("raised X in <stage>")."""
        if self.check == "double_backward":
            return {
                "forward": "forward or backward (computing the first-order gradient)",
                "backward": "the second-order backward",
                "numerical": "a numerical evaluation (the first-order gradient on perturbed "
                "inputs)",
            }[stage]
        return {"numerical": "a numerical evaluation (forward on perturbed inputs)"}.get(
            stage, stage
        )

    def repeat_backward(
        self, outs: Sequence[Variable], slot_vars: list[Any], u: list[Any]
    ) -> list[numpy.ndarray]:
        """Backward once more on the same graph; an exception there means it is not
        repeatable."""
        try:
            return [_host64(g) for g in self.backward(outs, slot_vars, u, "a second backward")]
        except _StopCheck as stop:
            if stop.result.subcheck != "exception":
                raise
            raise self.fail(
                "nondeterministic",
                "backward is not repeatable: a second run on the same graph raised "
                f"({stop.result.message})",
                "backward consumes or modifies state saved by forward",
            ) from None

    def explain_inhomogeneity(
        self, outs: Sequence[Variable], slot_vars: list[Any], u: list[Any], g1: list[numpy.ndarray]
    ) -> None:
        """g(u/2) != g(u)/2: find out whether backward is nondeterministic or does not scale
        with grad_output (it may be neither: subnormal results round differently)."""
        t = self.target
        opts = self.opts
        again = self.repeat_backward(outs, slot_vars, u)
        diff = invariants.compare_repeated(g1, again, opts.nondet_tol)
        if diff is not None:
            j, idx, value = diff
            name = t.names[t.targets[j]]
            raise self.fail(
                "nondeterministic",
                f"two backward runs on the same graph differ by {value:.3g} in the gradient of "
                f"{name} at {idx}"
                + ("" if opts.nondet_tol is None else f" (nondet_tol {opts.nondet_tol:g})"),
                "nondeterministic backward (random numbers, uninitialized memory or "
                "order-dependent accumulation); declare nondet_tol if it is intended",
            )
        zeros = [_zeros_like(a) for a in u]
        g0 = self.repeat_backward(outs, slot_vars, zeros)
        bad = invariants.check_zero_gradients(g0, g1)
        if bad is not None:
            j, idx, value = bad
            name = t.names[t.targets[j]]
            raise self.fail(
                "zero_grad_output",
                f"a zero grad_output gives a nonzero gradient for {name} ({value:.3g} at {idx})",
                "the gradient does not scale with grad_output: a term is not multiplied by gy "
                "(e.g. returns f'(x) instead of gy * f'(x), or adds a constant)",
            )

    def _numerical(
        self,
        t: Target,
        outs: Sequence[Variable],
        float_idx: list[int],
        u: list[Any],
        g1: list[numpy.ndarray],
    ) -> CheckResult:
        opts = self.opts
        # 3. the float64 reference
        ref, probe = self.reference(t, outs, float_idx, u, g1)
        # 4. non-finite gradients
        self.check_nonfinite(probe, g1, ref)
        # 5. tier 1
        self.tier1(probe, ref)
        # 6. the tested dtype against the reference
        if ref is not g1:
            self.compare_dtype(g1, ref)
        # 7. tier 2 on small inputs
        total = sum(t.arrays[k].size for k in t.targets)
        if opts.jacobian == "always" or (opts.jacobian == "auto" and total <= SMALL_INPUT_ELEMENTS):
            self.tier2(probe, ref, None)
        return self.result(Status.PASSED, message=self._pass_message())

    def _pass_message(self) -> str:
        where = "element-wise and " if self.tier == 2 else ""
        return (
            f"gradients agree with numerical derivatives ({where}{self.opts.directions} "
            "random directions)"
        )

    def _skip_double(self, exc: BaseException) -> _StopCheck:
        return _StopCheck(
            self.result(
                Status.SKIPPED,
                reason="double backward not supported (classic Function)",
                message="double backward not supported (classic Function)",
            )
        )

    # ------------------------------------------------------------------ reference
    def reference(
        self,
        t: Target,
        outs: Sequence[Variable],
        float_idx: list[int],
        u: list[Any],
        g1: list[numpy.ndarray],
    ) -> tuple[list[numpy.ndarray], Probe]:
        """The reference gradient and a probe of ``u . f`` at the point it belongs to."""
        self.weights = [_host64(a) for a in u]
        self.float_idx = float_idx
        needs_upcast = any(
            dtype_name(t.arrays[k].dtype) != "float64"
            for k in range(len(t.arrays))
            if t.is_float[k]
        )

        def evaluate_on(arrays: list[Any]) -> tuple[Any, ...]:
            try:
                outputs, _ = t.call(arrays)
            except Exception as exc:
                raise _FunctionRaisedError(exc) from exc
            return tuple([outputs[i]._data for i in float_idx])

        center = [outs[i].array for i in float_idx]
        base = t.arrays
        ref = g1
        if needs_upcast:
            arrays64 = [
                cast_array(a, "float64") if f else a
                for a, f in zip(t.arrays, t.is_float, strict=True)
            ]
            try:
                outs64, vars64 = self.forward(arrays64)
                f64 = [outs64[i] for i in float_idx] if len(outs64) == len(outs) else None
                if f64 is None or any(dtype_name(y.dtype) != "float64" for y in f64):
                    raise TypeError("outputs are not float64")
                u64 = [cast_array(a, "float64") for a in u]
                grads64 = engine_grad(
                    f64,
                    [vars64[k] for k in t.targets],
                    [Variable._from_array(a, False) for a in u64],
                )
                ref64 = []
                for k, g in zip(t.targets, grads64, strict=True):
                    if g is None:
                        ref64.append(numpy.zeros(t.arrays[k].shape, dtype=numpy.float64))
                    elif dtype_name(g.dtype) != "float64" or tuple(g.shape) != tuple(
                        t.arrays[k].shape
                    ):
                        raise TypeError("gradients are not float64")
                    else:
                        ref64.append(_host64(g.array))
            except Exception:
                # The op does not run in float64: check it in its own dtype (wider step).
                self.reference_dtype = self.dtype
            else:
                ref = ref64
                base = arrays64
                center = [y.array for y in f64]
                self.weights = [_host64(a) for a in u64]
        eval_dtype = "float64" if ref is not g1 or not needs_upcast else (self.dtype or "float64")
        self.eval_dtype = eval_dtype
        self.eps = self.opts.eps if self.opts.eps is not None else eps_for(eval_dtype)
        with using_config("enable_backprop", False):
            probe = Probe(evaluate_on, base, self.weights, center)
        self.probe = probe
        self.base = base
        self.scales = {k: step_scale(to_numpy(base[k])) for k in t.targets}
        # tolerances per element for the reference comparison (gradient units)
        u_rms = _rms(self.weights)
        self.tolw: dict[int, numpy.ndarray] = {}
        self.scale: dict[int, float] = {}
        self.reference_tolerances: tuple[float, float] | None = None
        for j, k in enumerate(t.targets):
            dt = dtype_name(t.arrays[k].dtype)
            policy = (
                self.opts.reference_policy(dt) if eval_dtype == "float64" else self.opts.policy(dt)
            )
            if self.reference_tolerances is None:
                self.reference_tolerances = (policy.atol, policy.rtol)
            s = max(u_rms, _rms([ref[j]])) or 1.0
            self.scale[k] = s
            # Relative to at least the smallest normal number of the dtype the compared
            # gradients are computed in (tiny output gradients give subnormal gradients).
            self.tolw[k] = policy.allowed(ref[j], s, "float64" if eval_dtype == "float64" else dt)
        return ref, probe

    def check_repeatable(self) -> None:
        """Before a verdict that blames the sample (non-differentiable), or (double backward)
        the values: does the function give the same outputs twice at the same point? A
        nondeterministic function has no derivative: its stencils look like kinks or
        mismatches. Two more evaluations, made only on the way to such a verdict.

        Differences within ``nondet_tol``, or (by default) within the rounding noise that the
        numerical derivative already allows for (:data:`~gradkit.check.numerical.NOISE_ULPS`
        units of roundoff of the largest output), cannot explain such a verdict and pass.
        """
        t = self.target
        probe = self.probe
        if probe is None:
            return
        with using_config("enable_backprop", False), numpy.errstate(all="ignore"):
            first = probe.evaluate(list(self.base))
            second = probe.evaluate(list(self.base))
        self.n_evals += 2
        tol = self.opts.nondet_tol
        diff = None
        for j, (y1, y2) in enumerate(zip(first, second, strict=True)):
            a, b = _host64(y1), _host64(y2)
            limit = tol
            if limit is None:
                finite = numpy.abs(a[numpy.isfinite(a)])
                top = float(finite.max()) if finite.size else 0.0
                limit = NOISE_ULPS * unit_roundoff(dtype_name(y1.dtype)) * top
            found = invariants.compare_repeated([a], [b], limit)
            if found is not None and (diff is None or found[2] > diff[2]):
                diff = (j, found[1], found[2])
        if diff is None:
            return
        j, idx, value = diff
        declared = "" if tol is None else f" (nondet_tol {tol:g})"
        cause = "(random numbers, uninitialized memory or order-dependent accumulation)"
        if self.check == "double_backward":
            names = getattr(t.func, "output_names", None)
            which = names[j] if names and j < len(names) else f"output {j}"
            raise self.fail(
                "nondeterministic",
                f"{t.label}.backward is not repeatable: two evaluations of the first-order "
                f"gradient at the same inputs differ by {value:.3g} in the gradient of {which} "
                f"at {idx}{declared}",
                f"nondeterministic backward {cause}: the first-order gradient changes from call "
                "to call, so it has no derivative to check; make backward deterministic, or "
                "declare nondet_tol if it is intended",
            )
        raise self.fail(
            "nondeterministic",
            f"forward is not repeatable: two evaluations at the same inputs differ by "
            f"{value:.3g} in output {self.float_idx[j]} at {idx}{declared}",
            f"nondeterministic forward {cause}: its numerical derivatives are meaningless; "
            "make forward deterministic, or declare nondet_tol if it is intended",
        )

    def nondifferentiable(self, subcheck: str, message: str) -> _StopCheck:
        """A ``nondifferentiable`` verdict, once the function is known to be repeatable."""
        self.check_repeatable()
        self.report_reference_comparison()
        return _StopCheck(self.result(Status.NONDIFFERENTIABLE, subcheck, message))

    def diagnose(self, evidence: list[SlotEvidence]) -> str | None:
        """The diagnosis of a values failure: the evidence's, after a cause seen in the
        first-order gradients themselves (double backward)."""
        words = diagnose(evidence)
        first = self.target.func
        detached = getattr(first, "detached", None) if self.check == "double_backward" else None
        names = getattr(first, "output_names", None)
        if not detached or not names:
            return words
        which = " and ".join(names[j] for j in detached)
        cause = (
            f"{self.target.label}.backward returned an array (or a Variable made from one) as "
            f"the gradient of {which}: to the second derivative that gradient is a constant, so "
            "its second-order gradient is lost; write backward with gradkit ops on the "
            "Variables (grad_outputs, retained inputs), not on their arrays"
        )
        return f"{cause}; {words}" if words else cause

    def report_reference_comparison(self) -> None:
        """The verdict comes from comparing with numerical derivatives: report the dtype they
        were evaluated in and the tolerances used there, not the tested dtype's."""
        if self.reference_tolerances is not None:
            self.atol, self.rtol = self.reference_tolerances
        if self.eval_dtype != self.dtype:
            self.compared_dtype = self.eval_dtype

    def evaluate_probe(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` without graph recording and without NumPy warnings."""
        # Stencil points may leave the domain (NaN is detected and handled): no warnings.
        with using_config("enable_backprop", False), numpy.errstate(all="ignore"):
            return fn(*args, **kwargs)

    # ------------------------------------------------------------------ non-finite
    def check_nonfinite(
        self, probe: Probe, g1: list[numpy.ndarray], ref: list[numpy.ndarray]
    ) -> None:
        t = self.target
        for j, k in enumerate(t.targets):
            bad = ~numpy.isfinite(g1[j])
            if not bad.any():
                if not numpy.isfinite(ref[j]).all():
                    bad = ~numpy.isfinite(ref[j])
                else:
                    continue
            flats = numpy.flatnonzero(bad)
            name = t.names[k]
            shape = tuple(t.arrays[k].shape)
            first = _index(shape, int(flats[0]))
            kind = "NaN" if numpy.isnan(g1[j].flat[flats[0]]) else "Inf"
            if ref is not g1 and numpy.isfinite(ref[j].flat[flats]).all():
                raise self.fail(
                    "nonfinite",
                    f"the {self.dtype} gradient of {name} has {kind} at {first} where the float64 "
                    f"gradient is finite ({ref[j].flat[flats[0]]:.4g})",
                    f"{kind} in the {self.dtype} gradient of {name} at {len(flats)} element(s), "
                    f"e.g. {first}: overflow or division by zero in {self.dtype} arithmetic",
                )
            grads = {
                kk: numpy.nan_to_num(r, nan=0.0, posinf=0.0, neginf=0.0)
                for kk, r in zip(t.targets, ref, strict=True)
            }
            positions = [(k, int(f)) for f in flats[:4]]
            checks = self.evaluate_probe(
                check_elements, probe, positions, self.scales, grads, self.tolw, self.eps
            )
            finite = [c for c in checks if math.isfinite(c.numeric) and c.nondiff is None]
            if finite:
                c = finite[0]
                raise self.fail(
                    "nonfinite",
                    f"the gradient of {name} has {kind} at {_index(shape, c.flat)} where the "
                    f"numerical derivative is finite ({c.numeric:.4g})",
                    f"{kind} in the gradient of {name} at {len(flats)} element(s), e.g. {first}",
                )
            self.check_repeatable()
            raise _StopCheck(
                self.result(
                    Status.NONDIFFERENTIABLE,
                    "nonfinite",
                    f"the gradient of {name} is {kind} at {first} and so is the numerical "
                    "derivative: the function is not differentiable at this sample",
                )
            )

    # ------------------------------------------------------------------ tier 1
    def tier1(self, probe: Probe, ref: list[numpy.ndarray]) -> None:
        t = self.target
        grads = dict(zip(t.targets, ref, strict=True))
        judgements: list[tuple[dict[int, numpy.ndarray], Judgement]] = []
        shapes = [tuple(t.arrays[k].shape) for k in t.targets] * self.opts.directions
        drawn = signed_directions(self.rng, shapes)
        n = len(t.targets)
        for i in range(self.opts.directions):
            d = {k: drawn[i * n + j] * self.scales[k] for j, k in enumerate(t.targets)}
            j = self.evaluate_probe(judge, probe, d, self.eps, grads, self.tolw)
            judgements.append((d, j))
        failing = [(d, j) for d, j in judgements if j.mismatch]
        if failing:
            self.tier2(probe, ref, failing)
        nondiff = [j for _, j in judgements if j.nondiff]
        if nondiff:
            raise self.nondifferentiable(
                "values",
                f"not differentiable at this sample: {nondiff[0].nondiff}; resample the inputs",
            )

    # ------------------------------------------------------------------ dtype vs reference
    def compare_dtype(self, g1: list[numpy.ndarray], ref: list[numpy.ndarray]) -> None:
        t = self.target
        evidence = []
        any_bad = False
        for j, k in enumerate(t.targets):
            dt = dtype_name(t.arrays[k].dtype)
            tol = self.opts.policy(dt).allowed(ref[j], self.scale[k], dt)
            cmp = _Compared(
                k, numpy.arange(g1[j].size), g1[j].ravel(), ref[j].ravel(), tol.ravel(), True
            )
            self.compared[k] = cmp
            bad = bool(cmp.failing.any())
            any_bad = any_bad or bad
            evidence.append(
                SlotEvidence(k, t.names[k], tuple(t.arrays[k].shape), bad, g1[j], ref[j], tol)
            )
        if any_bad:
            self.tier = 2
            worst = self._worst_line()
            raise self.fail(
                "values",
                f"the {self.dtype} gradient differs from the float64 gradient beyond {self.dtype} "
                f"tolerance (the float64 gradient agrees with numerical derivatives); {worst}",
                self.diagnose(evidence),
            )

    def _worst_line(self) -> str:
        worst = None
        for k, cmp in self.compared.items():
            err = cmp.errors
            with numpy.errstate(divide="ignore", invalid="ignore"):
                ratio = numpy.where(cmp.tol > 0, err / cmp.tol, numpy.inf)
            if err.size == 0:
                continue
            if not (ratio > 1).any():
                continue
            i = int(numpy.argmax(numpy.where(ratio > 1, err, -1.0)))
            if worst is None or err[i] > worst[0]:
                worst = (err[i], k, i, cmp)
        if worst is None:
            return ""
        _, k, i, cmp = worst
        idx = _index(tuple(self.target.arrays[k].shape), int(cmp.flats[i]))
        return (
            f"worst: {self.target.names[k]}{list(idx)} analytic {cmp.analytic[i]:.6g} vs "
            f"numeric {cmp.numeric[i]:.6g}"
        )

    # ------------------------------------------------------------------ tier 2
    def tier2(
        self,
        probe: Probe,
        ref: list[numpy.ndarray],
        failing: list[tuple[dict[int, numpy.ndarray], Judgement]] | None,
    ) -> None:
        """Element-wise check; raises a failure (or nondifferentiable) when one is found."""
        t = self.target
        grads = dict(zip(t.targets, ref, strict=True))
        total = sum(t.arrays[k].size for k in t.targets)
        evidence = {
            k: SlotEvidence(k, t.names[k], tuple(t.arrays[k].shape), False) for k in t.targets
        }
        if total <= JACOBIAN_MAX_ELEMENTS:
            positions = [(k, i) for k in t.targets for i in range(t.arrays[k].size)]
        elif failing is None and self.opts.jacobian == "always":
            positions = []  # a sampled block, in proportion to each input's size
            for k in t.targets:
                n = t.arrays[k].size
                take = min(n, max(1, JACOBIAN_MAX_ELEMENTS * n // total))
                positions += [(k, int(i)) for i in self.rng.choice(n, size=take, replace=False)]
        elif failing is None:
            return
        else:
            positions = None
        self.tier = 2
        if positions is not None:
            checks = self.evaluate_probe(
                check_elements, probe, positions, self.scales, grads, self.tolw, self.eps
            )
            full = total <= JACOBIAN_MAX_ELEMENTS
            self._record(checks, full)
            for c in checks:
                if c.mismatch:
                    evidence[c.slot].wrong = True
            if full:
                for k, cmp in self.compared.items():
                    ev = evidence[k]
                    ev.analytic = cmp.analytic.reshape(ev.shape)
                    ev.numeric = cmp.numeric.reshape(ev.shape)
                    ev.tol = cmp.tol.reshape(ev.shape)
        else:
            d, _ = failing[0]
            found = self.evaluate_probe(bisect, probe, d, grads, self.tolw, self.eps)
            checks = found.leaves
            self._record(checks, False)
            for k in t.targets:
                ev = evidence[k]
                ev.wrong = k in found.wrong_slots
                ev.leaves = [(c.flat, c.analytic, c.numeric, c.tol) for c in checks if c.slot == k]
                ev.complete = found.complete
                if ev.wrong:
                    ev.ratios = self._slot_ratios(probe, k, grads)
                    if factor_candidate(ev) is not None:
                        ev.samples = self._slot_samples(probe, k, grads)
        mismatches = [c for c in checks if c.mismatch]
        nondiff = [c for c in checks if c.nondiff]
        if mismatches:
            self._raise_values(evidence, failing, mismatches)
        if failing and nondiff:
            raise self.nondifferentiable(
                "values",
                f"not differentiable at this sample: {nondiff[0].nondiff}; resample the inputs",
            )
        if failing:
            # no single element is off by more than its tolerance, but the errors add up
            self._raise_values(evidence, failing, mismatches)

    def _slot_ratios(self, probe: Probe, k: int, grads: dict[int, numpy.ndarray]) -> list[float]:
        """analytic/numeric of derivatives along three directions restricted to slot ``k``."""
        ratios = []
        shape = tuple(self.target.arrays[k].shape)
        for _ in range(3):
            d = {k: signed_direction(self.rng, shape) * self.scales[k]}
            j = self.evaluate_probe(judge, probe, d, self.eps, grads, self.tolw, refine=False)
            if j.numeric == 0 or not math.isfinite(j.numeric):
                return []
            ratios.append(j.analytic / j.numeric)
        return ratios

    def _slot_samples(
        self, probe: Probe, k: int, grads: dict[int, numpy.ndarray]
    ) -> list[tuple[float, ...]]:
        """Element-wise derivatives of a few random elements of slot ``k`` (does a factor
        suggested by the directions hold element by element?)."""
        n = self.target.arrays[k].size
        flats = self.rng.choice(n, size=min(n, SAMPLED_ELEMENTS), replace=False)
        positions = [(k, int(f)) for f in flats]
        checks = self.evaluate_probe(
            check_elements, probe, positions, self.scales, grads, self.tolw, self.eps
        )
        return [(c.flat, c.analytic, c.numeric, c.tol) for c in checks if c.nondiff is None]

    def _record(self, checks: list[ElementCheck], full: bool) -> None:
        by_slot: dict[int, list[ElementCheck]] = {}
        for c in checks:
            by_slot.setdefault(c.slot, []).append(c)
        for k, cs in by_slot.items():
            self.compared[k] = _Compared(
                k,
                numpy.array([c.flat for c in cs], dtype=numpy.int64),
                numpy.array([c.analytic for c in cs]),
                numpy.array([c.numeric for c in cs]),
                numpy.array([c.tol for c in cs]),
                full,
                [c.nondiff for c in cs if c.nondiff],
            )

    def _raise_values(
        self,
        evidence: dict[int, SlotEvidence],
        failing: list[tuple[dict[int, numpy.ndarray], Judgement]] | None,
        mismatches: list[ElementCheck],
    ) -> None:
        t = self.target
        where = f" (evaluated in {self.eval_dtype})" if self.eval_dtype != self.dtype else ""
        if failing:
            _, j = failing[0]
            head = (
                f"directional derivative mismatch{where}: analytic {j.analytic:.6g} vs numeric "
                f"{j.numeric:.6g} (allowed difference {j.tol:.2g})"
            )
        else:
            head = f"element-wise derivative mismatch{where}"
        if mismatches:
            c = max(mismatches, key=lambda c: abs(c.analytic - c.numeric))
            idx = _index(tuple(t.arrays[c.slot].shape), c.flat)
            head += (
                f"; worst: {t.names[c.slot]}{list(idx)} analytic {c.analytic:.6g} vs numeric "
                f"{c.numeric:.6g}"
            )
        if self.check == "double_backward":
            # the function evaluated is the user's backward: noise there looks like a mismatch
            self.check_repeatable()
        self.report_reference_comparison()
        raise self.fail("values", head, self.diagnose(list(evidence.values())))


def _copy(a: Any) -> Any:
    from gradkit.backend import get_array_module

    return get_array_module(a).asarray(a, copy=True)


def _halved(a: Any) -> Any:
    """``a / 2`` as an array of ``a``'s namespace and dtype (NumPy 0-d stays an array)."""
    d = a * 0.5
    return numpy.asarray(d) if isinstance(a, numpy.ndarray) else d


def _zeros_like(a: Any) -> Any:
    from gradkit.backend import get_array_module

    return get_array_module(a).zeros(a.shape, dtype=a.dtype, device=a.device)


def _on_device_like(w: numpy.ndarray, like: Any) -> Any:
    """Host float64 ``w`` as an array of ``like``'s dtype, namespace and device."""
    from gradkit.device import get_device_from_array

    host = w.astype(dtype_name(like.dtype))
    if isinstance(like, numpy.ndarray):
        return host
    return get_device_from_array(like).send(host)


def run_check(
    target: Target,
    check: str,
    grad_outputs: Sequence[Any] | None,
    options: BackwardCheckOptions,
    raise_on_failure: bool,
) -> CheckResult:
    """Run the backward check of ``target`` (shared by the first- and second-order checks).

    A :class:`GradientCheckError` raised for an ``error`` verdict has the user's exception as
    its ``__cause__``, so its traceback is shown under the report.
    """
    run = _Run(target, check, options, grad_outputs)
    result = run.run()
    if raise_on_failure and result.is_failure:
        raise GradientCheckError(result) from run.exception
    return result


def check_backward(
    func: Callable[..., Any],
    inputs: Sequence[Any],
    grad_outputs: Sequence[Any] | None = None,
    *,
    params: Sequence[Parameter] = (),
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    no_grads: Sequence[bool] | None = None,
    dtype: Any = None,
    seed: int = 0,
    directions: int = 3,
    jacobian: str = "auto",
    nondet_tol: float | None = None,
    tolerances: dict[str, TolerancePolicy] | TolerancePolicy | None = None,
    repro: str | None = None,
    raise_on_failure: bool = True,
) -> CheckResult:
    """Check that ``func``'s backward is the derivative of its forward at ``inputs``.

    Args:
        func: takes one Variable per input and returns a Variable or a tuple of Variables,
            e.g. ``lambda x, W: Linear().apply((x, W))`` or a classic Function instance.
        inputs: arrays, on any one device (NumPy, array_api_strict's ``strict`` device,
            CuPy). Integer inputs are never differentiated.
        grad_outputs: one array per output (the ``u`` of ``u . f``); seeded random signed
            values when omitted.
        params: :class:`~gradkit.Parameter` objects used inside ``func``; their gradients
            are checked too.
        eps: relative step of the numerical derivative (default: 1e-3 for float64
            evaluation; see :data:`~gradkit.check.DEFAULT_EPS`). Element ``i`` moves by
            ``eps * clip(|x_i|, 0.1, 1)``.
        atol, rtol: override the tested dtype's :class:`TolerancePolicy`.
        no_grads: per input, ``True`` to leave it out of the gradient check.
        dtype: cast floating inputs and parameters to this dtype first.
        seed: seeds the grad_outputs and the directions; recorded in the result.
        directions: number of random signed directions of tier 1 (cost does not depend on
            the input size: four evaluations per direction).
        jacobian: ``"auto"`` (element-wise tier 2 for inputs of at most
            :data:`SMALL_INPUT_ELEMENTS` elements, and to localize a failure),
            ``"always"`` (also for larger inputs, on a sampled block past
            ``JACOBIAN_MAX_ELEMENTS``) or ``"never"`` (tier 1 only, except to localize a
            failure).
        nondet_tol: largest difference allowed between two backward runs (default: they
            must be bitwise equal).
        tolerances: per-dtype policies (dtype name -> :class:`TolerancePolicy`), e.g. an op
            spec's, or one policy for every dtype.
        repro: a one-line command reproducing this check, shown in the report.
        raise_on_failure: raise :class:`GradientCheckError` on a ``failed`` or ``error``
            verdict (never on ``nondifferentiable`` or ``skipped``).

    Returns:
        The :class:`CheckResult`.

    >>> import numpy as np, gradkit
    >>> from gradkit.check import check_backward
    >>> r = check_backward(lambda x: x * x, [np.array([1.0, 2.0, 3.0])])
    >>> r.status, r.check
    (<Status.PASSED: 'passed'>, 'backward')
    """
    options = BackwardCheckOptions(
        eps, atol, rtol, seed, directions, jacobian, nondet_tol, tolerances, repro
    )
    target = Target(func, inputs, params, no_grads, dtype)
    return run_check(target, "backward", grad_outputs, options, raise_on_failure)
