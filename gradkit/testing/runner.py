"""The runner: cases in, :class:`CaseResult` out. The pytest plugin and the CLI both call it.

For each case the runner draws the inputs from the case seed, places them on the case's
device and runs the case's check from :mod:`gradkit.check`, passing the one-line reproduction
command as ``repro=``. Then:

* a ``nondifferentiable`` verdict (a sample on or near a kink) is resampled with seeds derived
  from the case seed, at most ``max_resamples`` times
  (:func:`gradkit.check.check_with_resampling`); the verdict reports how many samples were
  discarded;
* a case matched by a spec :class:`~gradkit.testing.Skip` is not run: its verdict is
  ``skipped`` with the reason. An :class:`~gradkit.testing.XFail` case runs; its outcome is
  ``xfailed`` when it fails and ``xpassed`` (not ok: remove the entry) when it passes;
* a case on a device that is missing (no CuPy or CUDA device, no array-api-strict) or that
  lacks the case dtype (array-api-strict has no float16) is a visible ``skipped`` result with
  the reason, never dropped; with ``require_gpu`` a missing GPU is an ``error`` instead;
* an exception raised outside the check itself (a spec's values callable, say) is an
  ``error`` verdict naming it; the runner never raises for a case.

>>> import numpy as np, gradkit
>>> from gradkit.testing import OpSpec, Selection, discover, generate_cases, run_cases
>>> class Twice(gradkit.FunctionNode):
...     def forward(self, inputs):
...         return (inputs[0] * 2,)
...     def backward(self, target_input_indexes, grad_outputs):
...         return (grad_outputs[0] * 3,)  # planted bug: should be 2
>>> Twice.spec = OpSpec(dtypes=["float64"], devices=["cpu"], checks=["backward"])
>>> (result,) = run_cases(generate_cases(discover(Twice).targets))
>>> result.outcome, result.verdict.subcheck
(<Outcome.FAILED: 'failed'>, 'values')
>>> print(result.repro)  # doctest: +ELLIPSIS
gradkit check ...Twice --dtypes float64 --shapes 3x4 --devices cpu --checks backward --seed 0
"""

from __future__ import annotations

import enum
import shlex
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy

from gradkit.check.result import CheckResult, Status
from gradkit.check.user_code import format_traceback, user_location
from gradkit.device import get_device
from gradkit.testing.cases import Case
from gradkit.testing.inputs import draw_inputs, input_dtype, place_inputs
from gradkit.testing.shapes import ShapeCase

__all__ = [
    "CaseResult",
    "Outcome",
    "run_case",
    "run_cases",
    "repro_command",
    "resample_seed",
    "check_inputs",
    "require_devices",
    "MAX_RESAMPLES",
]

#: How many times a non-differentiable sample is redrawn before giving up.
MAX_RESAMPLES = 3


class Outcome(enum.StrEnum):
    """What a case amounts to, once the verdict meets the spec's expectations."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"
    NONDIFFERENTIABLE = "nondifferentiable"


_OK = (Outcome.PASSED, Outcome.SKIPPED, Outcome.XFAILED)


@dataclass(frozen=True)
class CaseResult:
    """The result of one case.

    Attributes:
        case: the case that ran.
        verdict: the check's :class:`~gradkit.check.CheckResult` (its ``repro`` is set).
        outcome: the :class:`Outcome`: the verdict's status, or xfailed / xpassed under an
            XFail entry.
        repro: the one-line command that reproduces the case (see :func:`repro_command`).
        reason: why a case was skipped or expected to fail (the spec's reason, or the missing
            device).
    """

    case: Case
    verdict: CheckResult
    outcome: Outcome
    repro: str
    reason: str | None = None

    @property
    def case_id(self) -> str:
        """The case id, e.g. ``tanh-float32-3x4-cpu-backward``."""
        return self.case.id

    @property
    def op_name(self) -> str:
        """The op's name in case ids (``tanh``)."""
        return self.case.target.name

    @property
    def ok(self) -> bool:
        """Whether the outcome lets a run succeed: passed, skipped or xfailed. ``failed``,
        ``error``, ``xpassed`` and ``nondifferentiable`` (no verdict after every resample)
        do not."""
        return self.outcome in _OK

    def render(self) -> str:
        """The report as a user reads it: the verdict's text report (which ends with the
        reproduction command), with the expectation's reason where one applies."""
        text = self.verdict.render()
        if self.outcome is Outcome.XFAILED:
            text = f"XFAIL ({self.reason})\n{text}"
        elif self.outcome is Outcome.XPASSED:
            text = (
                f"XPASS: expected to fail ({self.reason}) but passed; remove the XFail entry "
                f"from the spec of {self.case.target.path}\n{text}"
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the form that crosses process boundaries)."""
        return {
            "id": self.case_id,
            "op": self.op_name,
            "target": self.case.target.path,
            "dtype": self.case.dtype,
            "shape": self.case.shape_token,
            "device": self.case.device,
            "check": self.case.check,
            "seed": self.case.seed,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "repro": self.repro,
            "verdict": self.verdict.to_dict(),
        }


def repro_command(case: Case) -> str:
    """The one-line command that reruns ``case`` with the same seed:
    ``gradkit check <module>.<Op> --dtypes D --shapes S --devices V --checks C --seed N``
    (plus ``--hypothesis N`` for a hypothesis-driven case and ``-k <id>`` for one of several
    specs of an op)."""
    parts = [
        "gradkit",
        "check",
        case.target.path,
        "--dtypes",
        case.dtype,
        "--shapes",
        case.shape_token,
        "--devices",
        case.device,
        "--checks",
        case.check,
        "--seed",
        str(case.global_seed),
    ]
    if case.hypothesis:
        parts += ["--hypothesis", str(case.hypothesis)]
    if case.target.variant:
        parts += ["-k", case.id]
    return shlex.join(parts)


def resample_seed(case_seed: int, attempt: int) -> int:
    """The seed of resample ``attempt`` (1, 2...) of a case: derived from the case seed with
    CRC-32, like the case seed from its id."""
    return zlib.crc32(f"resample{attempt}".encode(), case_seed)


def _device_problem(device: str, dtype: str) -> str | None:
    """Why ``device`` cannot hold ``dtype`` arrays here (not installed, no GPU, dtype not
    supported: array-api-strict has no float16), or ``None``."""
    try:
        get_device(device).send(numpy.zeros(1, dtype=dtype))
    except ValueError as error:
        return str(error)
    except TypeError as error:
        return f"device {device} does not support dtype {dtype}: {error}"
    return None


def require_devices(devices: Iterable[str] | None, flag: str = "--devices") -> None:
    """Raise ``ValueError`` unless every device in ``devices`` (as named on a command line,
    with ``flag``) is available here.

    A device asked for explicitly is a promise, not a wish: ``--devices gpu`` (or pytest's
    ``--gradkit-devices gpu``) on a machine without a GPU must not turn into a run of skips
    that passes while checking nothing. Without the option, each spec's devices are used and
    a missing one gives visible skips. The message names the device, why it is missing and
    what to do.

    >>> require_devices(["cpu"])
    >>> require_devices(["cpu", "tpu"], "--gradkit-devices")
    Traceback (most recent call last):
    ...
    ValueError: --gradkit-devices cpu,tpu: unknown device 'tpu'... Leave it out of ...
    """
    if not devices:
        return
    devices = list(devices)
    for name in devices:
        try:
            get_device(name).send(numpy.zeros(1))
        except Exception as error:  # ImportError, CUDA errors...: one message for all
            reason = str(error).rstrip(".")
            if name not in reason:
                reason = f"device {name!r}: {reason}"
            raise ValueError(
                f"{flag} {','.join(devices)}: {reason}. Leave it out of {flag}, or run where it "
                f"is available (without {flag}, cases on devices that are missing here are "
                "reported as skipped)."
            ) from error


def _verdict(case: Case, status: Status, message: str = "", **fields: Any) -> CheckResult:
    return CheckResult(
        status=status,
        check=case.check,
        message=message,
        target=case.target.label,
        dtype=case.dtype,
        device=case.device,
        seed=case.seed,
        **fields,
    )


def _host_example_inputs(case: Case) -> tuple[list[Any], Any]:
    """The inputs of a hand-computed example in the case dtype, and the expected values."""
    spec = case.target.spec
    inputs, expected = spec.examples[case.example]  # type: ignore[index]
    arrays = [
        numpy.asarray(x, dtype=input_dtype(inp, case.dtype))
        for x, inp in zip(inputs, spec.inputs, strict=True)
    ]
    return arrays, expected


def check_inputs(case: Case, shape: ShapeCase, host: list[Any], seed: int) -> CheckResult:
    """Run ``case``'s check on the host arrays ``host`` (of shape case ``shape``), placed on
    the case's device, with ``seed``. The verdict's ``repro`` is the case's command."""
    from gradkit.check import check_backward, check_double_backward
    from gradkit.check.device_agreement import check_device_agreement
    from gradkit.check.reference import check_forward

    spec = case.target.spec
    func = case.target.function()
    repro = repro_command(case)
    no_grads = [not d for d in spec.differentiable]
    tolerances = dict(spec.tolerances) or None
    if case.check == "device":
        return check_device_agreement(
            func,
            host,
            devices=("cpu", case.device),
            no_grads=no_grads,
            tolerances=tolerances,
            seed=seed,
            repro=repro,
            raise_on_failure=False,
        )
    arrays = place_inputs(host, case.device, noncontiguous=shape.noncontiguous)
    if case.check == "forward":
        return check_forward(
            func,
            arrays,
            spec.reference,
            tolerances=tolerances,
            seed=seed,
            repro=repro,
            raise_on_failure=False,
        )
    common = {
        "no_grads": no_grads,
        "seed": seed,
        "tolerances": tolerances,
        "nondet_tol": spec.nondet_tol,
        "repro": repro,
        "raise_on_failure": False,
    }
    if case.check == "backward":
        return check_backward(func, arrays, **common)
    return check_double_backward(func, arrays, None, **common)


def _run_example(case: Case) -> CheckResult:
    from gradkit.check.reference import check_forward

    host, expected = _host_example_inputs(case)
    arrays = place_inputs(host, case.device)
    return check_forward(
        case.target.function(),
        arrays,
        expected,
        tolerances=dict(case.target.spec.tolerances) or None,
        seed=case.seed,
        repro=repro_command(case),
        raise_on_failure=False,
    )


def _run_sampled(case: Case, max_resamples: int) -> CheckResult:
    from gradkit.check import check_with_resampling

    shape = case.shape
    assert shape is not None

    def attempt(k: int) -> CheckResult:
        seed = case.seed if k == 0 else resample_seed(case.seed, k)
        rng = numpy.random.default_rng(seed)
        host = list(draw_inputs(case.target.spec, shape, case.dtype, rng))
        return check_inputs(case, shape, host, seed)

    verdict = check_with_resampling(attempt, max_resamples=max_resamples, raise_on_failure=False)
    if verdict.status is Status.NONDIFFERENTIABLE:
        verdict.message = (
            f"every sample was non-differentiable ({max_resamples + 1} drawn); declare the "
            f"op's kinks in its spec (Input(kinks=...)) or narrow its domain. Last sample: "
            f"{verdict.message}"
        )
    return verdict


def run_case(
    case: Case, *, require_gpu: bool = False, max_resamples: int = MAX_RESAMPLES
) -> CaseResult:
    """Run one case and return its :class:`CaseResult` (never raises for a failing op)."""
    repro = repro_command(case)
    expectation = case.expectation
    if expectation is not None and not expectation.xfail:
        verdict = _verdict(case, Status.SKIPPED, reason=expectation.reason, repro=repro)
        return CaseResult(case, verdict, Outcome.SKIPPED, repro, expectation.reason)
    problem = _device_problem(case.device, case.dtype)
    if problem is not None:
        if require_gpu and case.device.startswith("gpu"):
            verdict = _verdict(case, Status.ERROR, f"a GPU is required: {problem}", repro=repro)
            return CaseResult(case, verdict, Outcome.ERROR, repro, problem)
        verdict = _verdict(case, Status.SKIPPED, reason=problem, repro=repro)
        return CaseResult(case, verdict, Outcome.SKIPPED, repro, problem)

    start = time.perf_counter()
    try:
        if case.hypothesis:
            from gradkit.testing.strategies import run_hypothesis_case

            verdict = run_hypothesis_case(case)
        elif case.example is not None:
            verdict = _run_example(case)
        else:
            verdict = _run_sampled(case, max_resamples)
    except Exception as error:
        where = user_location(error)  # the user's spec, reference or op, not gradkit's frame
        verdict = _verdict(
            case,
            Status.ERROR,
            f"{type(error).__name__}: {error}" + ("" if where is None else f" (at {where})"),
            traceback=format_traceback(error),
            subcheck="exception",
            repro=repro,
            time_s=time.perf_counter() - start,
        )
    verdict.repro = repro
    outcome = Outcome(verdict.status.value)
    reason = None
    if expectation is not None:  # an XFail
        reason = expectation.reason
        if outcome in (Outcome.FAILED, Outcome.ERROR):
            outcome = Outcome.XFAILED
        elif outcome is Outcome.PASSED:
            outcome = Outcome.XPASSED
    elif outcome is Outcome.SKIPPED:
        reason = verdict.reason
    return CaseResult(case, verdict, outcome, repro, reason)


def run_cases(
    cases: Iterable[Case], *, require_gpu: bool = False, max_resamples: int = MAX_RESAMPLES
) -> Iterator[CaseResult]:
    """Run ``cases`` in order, yielding one :class:`CaseResult` per case as it finishes.

    Args:
        cases: from :func:`~gradkit.testing.generate_cases` (or any selection of them).
        require_gpu: a gpu case without CuPy or a CUDA device is an error, not a skip.
        max_resamples: how many times a non-differentiable sample is redrawn.
    """
    for case in cases:
        yield run_case(case, require_gpu=require_gpu, max_resamples=max_resamples)
