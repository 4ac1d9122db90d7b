"""The forward check: an op's outputs against a NumPy reference or hand-computed values.

The reference runs on the host, on the same inputs upcast to float64, so it is the more
accurate of the two; the op runs in its own dtype and device. An output element passes when

    ``|output - reference| <= atol * scale + rtol * max(|reference|, tiny)``

with the dtype's policy from :mod:`gradkit.check.tolerance`, ``scale`` the RMS of the
reference output (1 when that is 0), as for gradients, and ``tiny`` the smallest normal number
of the output's dtype (``numpy.finfo(dtype).tiny``: 6.1e-05 for float16, 1.2e-38 for float32,
2.2e-308 for float64). Below ``tiny`` a dtype's numbers are subnormal: their spacing stays that
of ``tiny``, so no op computing in that dtype can be more accurate there than at ``tiny``
itself, and the check allows there the error (in units of the dtype's spacing) it allows at
``tiny``. For normal values the rule is the plain ``atol * scale + rtol * |reference|``.
NaN matches NaN and an infinity matches the same infinity.

Beyond values, the check verifies the number of outputs, each output's shape, its dtype (a
float output has the inputs' float dtype: no silent upcast) and its device.

>>> import numpy as np, gradkit
>>> from gradkit.check.reference import check_forward
>>> x = np.linspace(-2, 2, 5, dtype=np.float32)
>>> check_forward(lambda v: gradkit.arithmetic.exp(v), [x], np.exp).status
<Status.PASSED: 'passed'>
>>> r = check_forward(lambda v: v * 2.0, [x], np.exp, raise_on_failure=False)
>>> r.status, r.subcheck
(<Status.FAILED: 'failed'>, 'forward')
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy

from gradkit.backend import to_numpy
from gradkit.check.result import CheckResult, GradientCheckError, InputReport, Status, WorstElement
from gradkit.check.tolerance import TolerancePolicy, dtype_name, tolerance_for
from gradkit.check.user_code import format_traceback, user_location
from gradkit.config import no_backprop_mode
from gradkit.device import get_device_from_array
from gradkit.variable import Variable

__all__ = ["check_forward", "compare_values", "Comparison", "function_name", "common_dtype"]

#: How many worst elements a report keeps per array.
WORST_KEPT = 5


def function_name(func: Any) -> str:
    """A short name for a function under test: its ``label``, ``__name__`` or class name."""
    label = getattr(func, "label", None)
    if isinstance(label, str):
        return label
    return getattr(func, "__name__", None) or type(func).__name__


def common_dtype(arrays: Sequence[Any]) -> str | None:
    """The dtype name shared by the floating arrays, or ``None`` when there are none or they
    differ."""
    names = {dtype_name(a.dtype) for a in arrays if numpy.dtype(dtype_name(a.dtype)).kind == "f"}
    return names.pop() if len(names) == 1 else None


def _rms(values: numpy.ndarray) -> float:
    """The root mean square of finite float64 ``values`` (0 when empty), without overflow or
    underflow: squaring 1e200 gives inf and squaring 1e-200 gives 0."""
    if values.size == 0:
        return 0.0
    peak = float(numpy.max(numpy.abs(values)))
    if peak == 0.0:
        return 0.0
    return peak * math.sqrt(float(numpy.mean((values / peak) ** 2)))


class Comparison:
    """An element-wise comparison of ``actual`` with ``expected`` (host arrays), in float64.

    An element passes when ``|actual - expected| <= policy.allowed(expected, scale, dtype)``
    (see :meth:`~gradkit.check.tolerance.TolerancePolicy.allowed`): ``scale`` is the RMS of the
    finite expected values (1 when 0) and ``dtype`` that of ``actual``, whose smallest normal
    number floors the relative term (subnormal results are as accurate as the dtype allows).

    Attributes:
        n_bad: number of elements out of tolerance.
        scale: the scale of ``policy.atol``; tol: the allowed difference per element.
        report: an :class:`~gradkit.check.result.InputReport` with the worst elements.
        nonfinite: whether some element is NaN/Inf where the expected one is finite.
    """

    def __init__(
        self,
        actual: numpy.ndarray,
        expected: numpy.ndarray,
        policy: TolerancePolicy,
        index: int,
        name: str,
    ) -> None:
        a = numpy.asarray(actual, dtype=numpy.float64)
        r = numpy.asarray(expected, dtype=numpy.float64)
        finite = numpy.isfinite(r)
        scale = _rms(r[finite]) or 1.0
        with numpy.errstate(invalid="ignore"):
            err = numpy.abs(a - r)
            tol = policy.allowed(r, scale, dtype_name(numpy.asarray(actual).dtype))
            same_special = (numpy.isnan(a) & numpy.isnan(r)) | (
                numpy.isinf(a) & numpy.isinf(r) & (numpy.sign(a) == numpy.sign(r))
            )
            bad = ~(err <= tol) & ~same_special
            rel = err / numpy.maximum(numpy.abs(r), numpy.finfo(numpy.float64).tiny)
        self.n_bad = int(bad.sum())
        self.nonfinite = bool((~numpy.isfinite(a) & finite).any())
        self.scale = scale
        self.tol = tol
        worst: list[WorstElement] = []
        if self.n_bad:
            # Out-of-tolerance elements, the most excessive first (NaN counts as the worst).
            excess = numpy.where(bad, numpy.nan_to_num(err / tol, nan=numpy.inf), -1.0)
            flat = numpy.argsort(-excess, axis=None, kind="stable")[: min(WORST_KEPT, self.n_bad)]
            for k in flat:
                idx = tuple(int(i) for i in numpy.unravel_index(k, a.shape))
                values = (float(a[idx]), float(r[idx]), float(err[idx]), float(rel[idx]))
                worst.append(WorstElement(idx, *values))
        ok = ~same_special & numpy.isfinite(err)
        self.report = InputReport(
            index=index,
            name=name,
            shape=tuple(a.shape),
            dtype=dtype_name(actual.dtype),
            max_abs_err=float(err[ok].max()) if ok.any() else 0.0,
            max_rel_err=float(rel[ok].max()) if ok.any() else 0.0,
            worst=worst,
        )

    def diagnose(self, actual: numpy.ndarray, expected: numpy.ndarray) -> str | None:
        """The likely bug when the evidence supports one: NaN/Inf, sign flip, scale factor."""
        if self.nonfinite:
            return "NaN or Inf where the reference is finite"
        a = numpy.asarray(actual, dtype=numpy.float64).ravel()
        r = numpy.asarray(expected, dtype=numpy.float64).ravel()
        keep = numpy.isfinite(a) & numpy.isfinite(r) & (numpy.abs(r) > 1e-6 * self.scale)
        if keep.sum() < 2:
            return None
        ratio = a[keep] / r[keep]
        factor = float(numpy.median(ratio))
        if numpy.allclose(ratio, factor, rtol=1e-2, atol=0) and abs(factor - 1) > 1e-2:
            if abs(factor + 1) < 1e-2:
                return "sign flip: the output is the negative of the reference"
            return f"constant scale factor: the output is the reference times {factor:.4g}"
        return None


def compare_values(
    actual: numpy.ndarray, expected: numpy.ndarray, policy: TolerancePolicy, index: int, name: str
) -> Comparison:
    """Compare host arrays element-wise under ``policy`` (see :class:`Comparison`)."""
    return Comparison(actual, expected, policy, index, name)


def _expected_outputs(reference: Any, host_inputs: list[numpy.ndarray]) -> tuple[Any, ...]:
    # A tuple means several outputs; anything else is one output.
    if callable(reference):
        upcast = [a.astype(numpy.float64) if a.dtype.kind == "f" else a for a in host_inputs]
        with numpy.errstate(all="ignore"):
            out = reference(*upcast)
    else:
        out = reference
    if isinstance(out, tuple):
        return tuple(numpy.asarray(o) for o in out)
    return (numpy.asarray(out),)


def check_forward(
    func: Callable[..., Any],
    inputs: Sequence[Any],
    reference: Callable[..., Any] | Any,
    *,
    tolerances: Mapping[str, TolerancePolicy] | TolerancePolicy | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    seed: int | None = None,
    repro: str | None = None,
    raise_on_failure: bool = True,
) -> CheckResult:
    """Check the outputs of ``func`` on ``inputs`` against a reference.

    Args:
        func: takes one Variable per input; returns a Variable or a tuple of Variables.
        inputs: arrays of any one device.
        reference: a NumPy function of the inputs (called on host copies, floats upcast to
            float64) returning an array, or a tuple of arrays for several outputs; or the
            expected values themselves: an array-like, or a tuple of them.
        tolerances: per-dtype overrides (or one policy) of the default tolerance policy.
        atol, rtol: override the policy's values.
        seed: recorded in the result (the seed the inputs were drawn with).
        repro: the one-line command that reproduces the check, for the report.
        raise_on_failure: raise :class:`~gradkit.check.GradientCheckError` on ``failed`` or
            ``error``.
    """
    start = time.perf_counter()
    arrays = [x.array if isinstance(x, Variable) else x for x in inputs]
    tested = common_dtype(arrays)
    policy = tolerance_for(tested or "float64", tolerances).replace(atol, rtol)
    device = str(get_device_from_array(arrays[0])) if arrays else "cpu"
    result = CheckResult(
        status=Status.PASSED,
        check="forward",
        target=function_name(func),
        dtype=tested,
        device=device,
        seed=seed,
        atol=policy.atol,
        rtol=policy.rtol,
        n_evals=1,
        repro=repro,
    )

    def finish(status: Status, subcheck: str | None, message: str, **extra: Any) -> CheckResult:
        result.status, result.subcheck, result.message = status, subcheck, message
        for key, value in extra.items():
            setattr(result, key, value)
        result.time_s = time.perf_counter() - start
        if raise_on_failure and result.is_failure:
            raise GradientCheckError(result)
        return result

    host_inputs = [numpy.array(to_numpy(a)) for a in arrays]
    try:
        with no_backprop_mode(), numpy.errstate(all="ignore"):
            outputs = func(*[Variable(a) for a in arrays])
    except Exception as error:
        where = user_location(error)
        return finish(
            Status.ERROR,
            "exception",
            f"the function raised {type(error).__name__}: {error}"
            + ("" if where is None else f" (at {where})"),
            diagnosis="".join(traceback.format_exception_only(error)).strip(),
            traceback=format_traceback(error),
        )
    outputs = outputs if isinstance(outputs, tuple | list) else (outputs,)
    try:
        expected = _expected_outputs(reference, host_inputs)
    except Exception as error:
        return finish(
            Status.ERROR,
            "exception",
            f"the reference raised {type(error).__name__}: {error}",
        )
    if len(outputs) != len(expected):
        return finish(
            Status.FAILED,
            "forward",
            f"{len(outputs)} outputs, but the reference has {len(expected)}",
        )
    failures = []
    diagnosis = None
    for i, (y, r) in enumerate(zip(outputs, expected, strict=True)):
        if not isinstance(y, Variable):
            return finish(
                Status.FAILED, "forward", f"output {i} is a {type(y).__name__}, not a Variable"
            )
        if tuple(y.shape) != tuple(r.shape):
            return finish(
                Status.FAILED,
                "forward",
                f"output {i} has shape {tuple(y.shape)}; the reference has {tuple(r.shape)}",
                diagnosis="wrong shape",
            )
        out_dtype = dtype_name(y.dtype)
        out_kind, ref_kind = numpy.dtype(out_dtype).kind, r.dtype.kind
        want = tested if ref_kind == "f" and tested else None
        if (out_kind == "f") != (ref_kind in "fc") or (want and out_dtype != want):
            expected_dtype = want or r.dtype.name
            return finish(
                Status.FAILED,
                "forward",
                f"output {i} has dtype {out_dtype}; expected {expected_dtype}",
                diagnosis=f"wrong dtype: {out_dtype} instead of {expected_dtype}",
            )
        if str(y.device) != device:
            return finish(
                Status.FAILED,
                "forward",
                f"output {i} is on {y.device}; the inputs are on {device}",
                diagnosis="wrong device",
            )
        host = numpy.asarray(to_numpy(y.array))
        comparison = compare_values(host, r, policy, i, f"output {i}")
        result.inputs.append(comparison.report)
        if comparison.n_bad:
            failures.append(f"output {i}: {comparison.n_bad} of {host.size} elements")
            diagnosis = diagnosis or comparison.diagnose(host, r)
    if failures:
        return finish(
            Status.FAILED,
            "forward",
            "outputs differ from the reference beyond tolerance (" + "; ".join(failures) + ")",
            diagnosis=diagnosis,
        )
    return finish(Status.PASSED, None, f"{len(outputs)} output(s) agree with the reference")
