"""The structured verdict of a check: :class:`CheckResult` and the exception that carries it.

Every check returns a :class:`CheckResult`: what was checked, the verdict, which sub-check
decided it, the seed, step and tolerances used, the cost, and per input the worst elements.
It renders as short text (:meth:`CheckResult.render`) and as a JSON-ready dict
(:meth:`CheckResult.to_dict`). With ``raise_on_failure=True`` a failed check raises
:class:`GradientCheckError`, which carries the result.

>>> r = CheckResult(status=Status.PASSED, check="backward", target="Tanh")
>>> r.passed, r.to_dict()["status"]
(True, 'passed')
"""

from __future__ import annotations

import enum
import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "Status",
    "SUBCHECKS",
    "WorstElement",
    "InputReport",
    "CheckResult",
    "GradientCheckError",
]


class Status(enum.StrEnum):
    """The verdict of a check.

    ``nondifferentiable`` means the sample point sits on (or too near) a kink or a domain
    boundary, so no verdict on the gradient is possible there: resample and check again.
    ``skipped`` carries a reason (e.g. double backward through a classic Function).
    ``error`` means the function under test raised (the exception is in the message).
    """

    PASSED = "passed"
    FAILED = "failed"
    NONDIFFERENTIABLE = "nondifferentiable"
    SKIPPED = "skipped"
    ERROR = "error"


#: The sub-checks a result can name, with what each one verifies.
SUBCHECKS: dict[str, str] = {
    "values": "gradient values agree with the numerical derivative",
    "grad_count": "backward returns one gradient per input",
    "grad_shape": "each gradient has its input's shape",
    "grad_dtype": "each gradient has its input's dtype",
    "grad_device": "each gradient is on its input's device",
    "int_input_grad": "no gradient for an integer input",
    "forward_mutates_input": "forward leaves its inputs unchanged",
    "backward_mutates_input": "backward leaves the inputs unchanged",
    "backward_mutates_grad_output": "backward leaves grad_outputs unchanged",
    "nondeterministic": "forward and backward give the same result when repeated",
    "nonfinite": "gradients are finite where the numerical derivative is",
    "zero_grad_output": "a zero grad_output gives zero gradients",
    "exception": "the function runs without raising",
    "forward": "forward agrees with the reference implementation",
    "device": "results agree across devices",
}


def _json_float(x: float | None) -> float | str | None:
    """JSON has no NaN or infinity: those become the strings 'nan', 'inf' and '-inf'."""
    if x is None or math.isfinite(x):
        return x
    return str(x)


@dataclass(frozen=True)
class WorstElement:
    """One element where analytic and numerical gradients disagree most.

    ``index`` is the element's index in its input; ``numeric`` is the reference value (the
    float64 numerical derivative, or the reference gradient for device/dtype comparisons).
    In a forward check (``check == "forward"``) the element is one of an output: ``analytic``
    is the value the op gave and ``numeric`` the reference's; in a device check, the value on
    the tested device and on the first one. The text report labels them so ("got ...,
    reference ..."); the JSON keeps these two keys for every check.
    """

    index: tuple[int, ...]
    analytic: float
    numeric: float
    abs_err: float
    rel_err: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "index": list(self.index),
            "analytic": _json_float(self.analytic),
            "numeric": _json_float(self.numeric),
            "abs_err": _json_float(self.abs_err),
            "rel_err": _json_float(self.rel_err),
        }


@dataclass
class InputReport:
    """What the check found for one input (or parameter), or for one output in a forward or
    device check (``name`` then says which: ``"output 0"``, ``"grad of input 1 on strict"``).

    ``max_abs_err`` and ``max_rel_err`` are ``None`` where no element-wise comparison was made
    (large inputs whose directional checks passed). ``worst`` lists the worst elements first.
    """

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    worst: list[WorstElement] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "index": self.index,
            "name": self.name,
            "shape": list(self.shape),
            "dtype": self.dtype,
            "max_abs_err": _json_float(self.max_abs_err),
            "max_rel_err": _json_float(self.max_rel_err),
            "worst": [w.to_dict() for w in self.worst],
        }


@dataclass
class CheckResult:
    """The verdict of one check, with everything needed to understand and reproduce it.

    Attributes:
        status: the verdict (:class:`Status`).
        check: what was checked: ``"backward"``, ``"double_backward"``, ``"forward"`` or
            ``"device"``.
        subcheck: the sub-check that decided a non-passing verdict (see :data:`SUBCHECKS`).
        message: one line saying what went wrong (or what passed).
        diagnosis: the likely bug, where the evidence supports naming one.
        target: the name of the function under test.
        dtype: the tested dtype name; ``device``: the device name.
        seed, eps, atol, rtol: what the check used.
        directions: number of random directions of the tier-1 check.
        tier: 1 when only directional derivatives were compared; 2 when element-wise
            derivatives were computed too (small inputs, or to localize a failure).
        n_evals: number of evaluations of the function (forward passes).
        time_s: wall time of the check.
        inputs: one :class:`InputReport` per input and parameter (per output, and per
            gradient for device agreement, in the checks of values).
        discarded_samples: sample points discarded as non-differentiable before this one.
        reason: why a check was skipped.
        repro: a one-line command that reproduces the check.
        traceback: for an ``error`` verdict, the exception raised in the user's code with its
            traceback, as text (``gradkit check --traceback`` prints it; JSON and JUnit
            reports carry it).
    """

    status: Status
    check: str
    subcheck: str | None = None
    message: str = ""
    diagnosis: str | None = None
    target: str = ""
    dtype: str | None = None
    device: str | None = None
    seed: int | None = None
    eps: float | None = None
    atol: float | None = None
    rtol: float | None = None
    directions: int = 0
    tier: int = 1
    n_evals: int = 0
    time_s: float = 0.0
    inputs: list[InputReport] = field(default_factory=list)
    discarded_samples: int = 0
    reason: str | None = None
    repro: str | None = None
    traceback: str | None = None

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def passed(self) -> bool:
        """Whether the status is ``passed``."""
        return self.status is Status.PASSED

    @property
    def is_failure(self) -> bool:
        """Whether the verdict is ``failed`` or ``error`` (what raises GradientCheckError)."""
        return self.status in (Status.FAILED, Status.ERROR)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dict (non-finite floats become 'nan', 'inf', '-inf')."""
        d = asdict(self)
        d["status"] = self.status.value
        d["inputs"] = [r.to_dict() for r in self.inputs]
        for key in ("eps", "atol", "rtol", "time_s"):
            d[key] = _json_float(d[key])
        return d

    def render(self) -> str:
        """The report as a user reads it: verdict, worst elements, diagnosis, reproduction."""
        from gradkit.check.render import render_text

        return render_text(self)

    def __str__(self) -> str:
        return self.render()


class GradientCheckError(AssertionError):
    """Raised by a check whose verdict is ``failed`` or ``error``; ``.result`` holds it."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.render())
        self.result = result
