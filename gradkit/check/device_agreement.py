"""Device agreement: the same inputs on cpu and on another device give the same results.

The function runs forward and backward once per device, on copies of the same host inputs
and with the same grad_outputs. The first device is the reference: every other device must
give outputs and gradients of the same shapes and dtypes, on that device, equal within the
dtype's tolerance (:mod:`gradkit.check.tolerance`, with ``scale`` the RMS of the reference
values, and subnormal values judged to the dtype's resolution as in
:mod:`gradkit.check.reference`). An exception on the other device only is a failure: that is
the device bug this check exists to catch (the ``strict`` device refuses implicit host
conversion and device mixing, as a GPU does).

>>> import numpy as np, gradkit
>>> from gradkit.check.device_agreement import check_device_agreement
>>> x = np.linspace(-1, 1, 6).reshape(2, 3)
>>> check_device_agreement(lambda v: gradkit.arithmetic.exp(v) * v, [x]).status
<Status.PASSED: 'passed'>
>>> def leaky(v):  # forgets the device: NumPy on any array
...     return gradkit.Variable(np.exp(gradkit.to_numpy(v.array)))
>>> r = check_device_agreement(leaky, [x], raise_on_failure=False)
>>> r.status, r.subcheck
(<Status.FAILED: 'failed'>, 'device')
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy

from gradkit.backend import to_numpy
from gradkit.backprop import grad
from gradkit.check.reference import common_dtype, compare_values, function_name
from gradkit.check.result import CheckResult, GradientCheckError, Status
from gradkit.check.tolerance import TolerancePolicy, dtype_name, tolerance_for
from gradkit.device import get_device
from gradkit.variable import Variable, is_float_dtype

__all__ = ["check_device_agreement"]


class _RunError(Exception):
    """The function raised, or returned something unusable, on one device."""


def _run(
    func: Callable[..., Any],
    host_inputs: Sequence[numpy.ndarray],
    device: str,
    differentiable: Sequence[bool],
    grad_outputs: Sequence[numpy.ndarray | None] | None,
    rng: numpy.random.Generator | None,
) -> tuple[list[tuple[str, Any]], list[numpy.ndarray | None]]:
    """Forward and backward on ``device``: ``[(label, host array)]`` of the outputs then the
    gradients, each tagged with the device it was on, and the grad_outputs used."""
    dev = get_device(device)
    xs = [
        Variable(dev.send(numpy.array(a, copy=True)), requires_grad=bool(d))
        for a, d in zip(host_inputs, differentiable, strict=True)
    ]
    try:
        with numpy.errstate(all="ignore"):
            ys = func(*xs)
            ys = tuple(ys) if isinstance(ys, tuple | list) else (ys,)
            if not all(isinstance(y, Variable) for y in ys):
                raise _RunError("the function did not return Variables")
            if grad_outputs is None:
                assert rng is not None
                grad_outputs = [
                    rng.standard_normal(y.shape).astype(dtype_name(y.dtype))
                    if is_float_dtype(y.dtype)
                    else None
                    for y in ys
                ]
            pairs = [(y, g) for y, g in zip(ys, grad_outputs, strict=True) if g is not None]
            targets = [x for x in xs if x.requires_grad]
            gxs: list[Any] = []
            if pairs and targets:
                gxs = grad([y for y, _ in pairs], targets, [dev.send(g) for _, g in pairs])
    except _RunError:
        raise
    except Exception as error:
        raise _RunError(f"{type(error).__name__}: {error}") from error
    results: list[tuple[str, Any]] = []
    for i, y in enumerate(ys):
        results.append((f"output {i}", y))
    targets_idx = [i for i, x in enumerate(xs) if x.requires_grad]
    for i, g in zip(targets_idx, gxs, strict=False):
        results.append((f"grad of input {i}", g))
    return results, list(grad_outputs)


def check_device_agreement(
    func: Callable[..., Any],
    inputs: Sequence[Any],
    devices: Sequence[str] = ("cpu", "strict"),
    grad_outputs: Sequence[Any] | None = None,
    *,
    no_grads: Sequence[bool] | None = None,
    tolerances: Mapping[str, TolerancePolicy] | TolerancePolicy | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    seed: int = 0,
    repro: str | None = None,
    raise_on_failure: bool = True,
) -> CheckResult:
    """Check that ``func`` gives the same outputs and gradients on each of ``devices``.

    Args:
        func: takes one Variable per input; returns a Variable or a tuple of Variables.
        inputs: arrays of any device (copied to the host, then to each device).
        devices: device names; the first is the reference (default cpu, then strict).
        grad_outputs: one host array (or ``None``) per output; default: standard normal
            values drawn with ``seed`` for each float output.
        no_grads: per input, whether not to differentiate it (integer inputs never are).
        tolerances: per-dtype overrides (or one policy) of the default tolerance policy.
        atol, rtol: override the policy's values.
        seed: seed of the default grad_outputs.
        repro: the one-line command that reproduces the check, for the report.
        raise_on_failure: raise :class:`~gradkit.check.GradientCheckError` on ``failed`` or
            ``error``.
    """
    start = time.perf_counter()
    devices = tuple(devices)
    if len(devices) < 2:
        raise ValueError(f"device agreement compares at least two devices; got {devices}")
    host_inputs = [numpy.array(to_numpy(x.array if isinstance(x, Variable) else x)) for x in inputs]
    if no_grads is not None and len(no_grads) != len(host_inputs):
        raise ValueError(f"no_grads has {len(no_grads)} entries for {len(host_inputs)} inputs")
    differentiable = [
        a.dtype.kind == "f" and not (no_grads is not None and no_grads[i])
        for i, a in enumerate(host_inputs)
    ]
    tested = common_dtype(host_inputs)
    policy = tolerance_for(tested or "float64", tolerances).replace(atol, rtol)
    result = CheckResult(
        status=Status.PASSED,
        check="device",
        target=function_name(func),
        dtype=tested,
        device=",".join(devices),
        seed=seed,
        atol=policy.atol,
        rtol=policy.rtol,
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

    for device in devices:
        try:
            get_device(device)
        except ValueError as error:
            return finish(Status.SKIPPED, None, "", reason=str(error))

    gys = (
        None
        if grad_outputs is None
        else [None if g is None else numpy.asarray(to_numpy(g)) for g in grad_outputs]
    )
    rng = numpy.random.default_rng(seed)
    runs = []
    for k, device in enumerate(devices):
        try:
            values, gys = _run(func, host_inputs, device, differentiable, gys, rng)
        except _RunError as failure:
            if k == 0:
                return finish(Status.ERROR, "exception", f"on {device} (the reference): {failure}")
            return finish(
                Status.FAILED,
                "device",
                f"the function runs on {devices[0]} but on {device} it raised {failure}",
                diagnosis=f"device bug: the op does not run on {device} (implicit host "
                "conversion, NumPy called on a device array, or devices mixed)",
            )
        result.n_evals += 1
        runs.append(values)

    reference = runs[0]
    failures = []
    diagnosis = None
    for device, values in zip(devices[1:], runs[1:], strict=True):
        if [label for label, _ in values] != [label for label, _ in reference]:
            return finish(
                Status.FAILED,
                "device",
                f"on {device} the function gives {len(values)} outputs and gradients; "
                f"on {devices[0]} {len(reference)}",
            )
        for index, ((label, ref), (_, got)) in enumerate(zip(reference, values, strict=True)):
            if (ref is None) != (got is None):
                return finish(
                    Status.FAILED,
                    "device",
                    f"{label}: {'no gradient' if got is None else 'a gradient'} on {device}, "
                    f"{'no gradient' if ref is None else 'a gradient'} on {devices[0]}",
                )
            if ref is None:
                continue
            got_device = str(got.device)
            if got_device != str(get_device(device)):
                return finish(
                    Status.FAILED,
                    "device",
                    f"{label} is on {got_device} when the inputs are on {device}",
                    diagnosis=f"wrong device: a result left {device}",
                )
            if got.shape != ref.shape or dtype_name(got.dtype) != dtype_name(ref.dtype):
                return finish(
                    Status.FAILED,
                    "device",
                    f"{label} has shape {got.shape} and dtype {dtype_name(got.dtype)} on "
                    f"{device}; shape {ref.shape} and dtype {dtype_name(ref.dtype)} on "
                    f"{devices[0]}",
                )
            ref_host = numpy.asarray(to_numpy(ref.array))
            got_host = numpy.asarray(to_numpy(got.array))
            comparison = compare_values(got_host, ref_host, policy, index, f"{label} on {device}")
            result.inputs.append(comparison.report)
            if comparison.n_bad:
                failures.append(f"{label}: {comparison.n_bad} of {got_host.size} elements")
                diagnosis = diagnosis or comparison.diagnose(got_host, ref_host)
    if failures:
        return finish(
            Status.FAILED,
            "device",
            f"results on {', '.join(devices[1:])} differ from {devices[0]} beyond tolerance ("
            + "; ".join(failures)
            + ")",
            diagnosis=diagnosis,
        )
    return finish(Status.PASSED, None, f"outputs and gradients agree on {', '.join(devices)}")
