"""gradkit.check: numerical differentiation and the gradient checks (no pytest needed).

Usable from a script, a notebook, unittest, pytest or the CLI. Every check returns a
:class:`CheckResult` and, unless told otherwise, raises :class:`GradientCheckError` (an
``AssertionError`` carrying the result) when it fails.
"""

from __future__ import annotations

from gradkit.check.backward import check_backward
from gradkit.check.device_agreement import check_device_agreement
from gradkit.check.double_backward import check_double_backward
from gradkit.check.numerical import numerical_grad
from gradkit.check.reference import check_forward
from gradkit.check.resample import check_with_resampling
from gradkit.check.result import (
    SUBCHECKS,
    CheckResult,
    GradientCheckError,
    InputReport,
    Status,
    WorstElement,
)
from gradkit.check.tolerance import (
    DEFAULT_EPS,
    DEFAULT_TOLERANCES,
    TolerancePolicy,
    dtype_name,
    eps_for,
    tolerance_for,
)

__all__ = [
    "check_backward",
    "check_double_backward",
    "check_forward",
    "check_device_agreement",
    "check_with_resampling",
    "numerical_grad",
    "CheckResult",
    "InputReport",
    "WorstElement",
    "GradientCheckError",
    "Status",
    "SUBCHECKS",
    "TolerancePolicy",
    "DEFAULT_TOLERANCES",
    "DEFAULT_EPS",
    "tolerance_for",
    "eps_for",
    "dtype_name",
]
