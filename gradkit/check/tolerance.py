"""The tolerance policy: how close an analytic gradient must be, per dtype, in one place.

A gradient element passes when
``|analytic - reference| <= atol * scale + rtol * max(|reference|, tiny)``, where ``scale`` is
the typical gradient magnitude of the check (the larger of the RMS of the output gradients and
the RMS of that input's reference gradient). Scaling ``atol`` keeps the policy meaningful for
gradients far from 1 without loosening it for gradients near 1.

``tiny`` is the smallest normal number of the dtype the compared values were computed in
(:func:`smallest_normal`): a float32 or float16 result cannot be more accurate in the subnormal
range than its dtype's spacing there, which is that of ``tiny``. Gradients, forward values and
device agreement all use this rule, :meth:`TolerancePolicy.allowed`.

The values below were measured on gradkit's corpus of correct but numerically tricky ops
(``tests/check/corpus_correct.py``): each allows several times the worst rounding error seen
there, and each still catches every planted bug of ``tests/check/corpus_bugs.py`` whose error
exceeds that dtype's rounding.

``DEFAULT_EPS`` is the relative step of the numerical derivative when the function is
*evaluated* in that dtype. Numerical derivatives are taken in float64 whenever the op runs in
float64; the float16 and float32 steps are used only for ops that do not.

>>> tolerance_for("float32")
TolerancePolicy(atol=1e-05, rtol=0.0001)
>>> tolerance_for("float32", {"float32": TolerancePolicy(1e-3, 1e-3)})
TolerancePolicy(atol=0.001, rtol=0.001)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy

__all__ = [
    "TolerancePolicy",
    "DEFAULT_TOLERANCES",
    "DEFAULT_EPS",
    "tolerance_for",
    "eps_for",
    "dtype_name",
    "smallest_normal",
]


@dataclass(frozen=True)
class TolerancePolicy:
    """Absolute and relative tolerance for comparing gradients of one dtype.

    Args:
        atol: absolute tolerance, in units of the check's gradient scale (see the module).
        rtol: tolerance relative to the reference value of each element.
    """

    atol: float
    rtol: float

    def __post_init__(self) -> None:
        for name in ("atol", "rtol"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"TolerancePolicy.{name} must be a finite number >= 0; got {value!r}"
                )

    def replace(self, atol: float | None = None, rtol: float | None = None) -> TolerancePolicy:
        """A copy with ``atol`` and/or ``rtol`` replaced (``None`` keeps the current value)."""
        return TolerancePolicy(
            self.atol if atol is None else float(atol), self.rtol if rtol is None else float(rtol)
        )

    def loosest(self, other: TolerancePolicy) -> TolerancePolicy:
        """The element-wise looser of two policies."""
        return TolerancePolicy(max(self.atol, other.atol), max(self.rtol, other.rtol))

    def allowed(self, reference: Any, scale: float, dtype: Any = None) -> numpy.ndarray:
        """The allowed absolute difference from each element of ``reference`` (a host array):
        ``atol * scale + rtol * max(|reference|, smallest_normal(dtype))``.

        ``dtype`` is the dtype the compared values were computed in; below its smallest
        normal number its spacing no longer shrinks, so neither does the relative term. For
        normal values, and without ``dtype``, this is ``atol * scale + rtol * |reference|``.

        >>> import numpy as np
        >>> p = TolerancePolicy(atol=1e-5, rtol=1e-4)
        >>> r = np.array([1.0, 0.0, 7e-46])
        >>> p.allowed(r, 1.0).tolist()
        [0.00011, 1e-05, 1e-05]
        >>> [f"{t:.3g}" for t in p.allowed(r, 7e-46, "float32")]
        ['0.0001', '1.18e-42', '1.18e-42']
        """
        magnitude = numpy.abs(numpy.asarray(reference, dtype=numpy.float64))
        floor = smallest_normal(dtype) if dtype is not None else 0.0
        if floor:
            magnitude = numpy.maximum(magnitude, floor)
        return self.atol * scale + self.rtol * magnitude


#: Default tolerance per dtype name.
DEFAULT_TOLERANCES: dict[str, TolerancePolicy] = {
    "float16": TolerancePolicy(atol=1e-2, rtol=1e-2),
    "float32": TolerancePolicy(atol=1e-5, rtol=1e-4),
    "float64": TolerancePolicy(atol=1e-9, rtol=1e-7),
}

#: Default relative step of numerical differentiation, per evaluation dtype name.
DEFAULT_EPS: dict[str, float] = {
    "float16": 1e-1,
    "float32": 2e-2,
    "float64": 1e-3,
}


# id(dtype) -> (dtype, name): keyed by identity, because dtypes of different namespaces must
# not be compared with each other; holding the dtype keeps its id from being reused.
_NAME_CACHE: dict[int, tuple[Any, str]] = {}


def dtype_name(dtype: Any) -> str:
    """The canonical name (``"float32"``...) of a NumPy, CuPy or array-API dtype, or a name.

    >>> import numpy as np
    >>> dtype_name(np.float16), dtype_name("float64")
    ('float16', 'float64')
    """
    if type(dtype) is not str and isinstance(dtype, numpy.dtype) and dtype.isbuiltin == 1:
        return dtype.type.__name__  # fast for NumPy's own dtypes ('float64', 'int64'...)
    hit = _NAME_CACHE.get(id(dtype))
    if hit is not None and hit[0] is dtype:
        return hit[1]
    name = _dtype_name(dtype)
    if not isinstance(dtype, str):  # strings are cheap to parse and not worth holding
        _NAME_CACHE[id(dtype)] = (dtype, name)
    return name


def smallest_normal(dtype: Any) -> float:
    """The smallest positive normal number of a floating dtype (``numpy.finfo(dtype).tiny``);
    0.0 for a dtype that is not floating.

    Below it a floating dtype is subnormal: its spacing stays ``tiny * finfo(dtype).eps``
    (the spacing at ``tiny``) down to zero, so relative precision fades away.

    >>> smallest_normal("float16"), smallest_normal("float32")
    (6.103515625e-05, 1.1754943508222875e-38)
    >>> smallest_normal("int64")
    0.0
    """
    name = dtype_name(dtype)
    if numpy.dtype(name).kind not in "fc":
        return 0.0
    return float(numpy.finfo(numpy.dtype(name)).tiny)


def _dtype_name(dtype: Any) -> str:
    if isinstance(dtype, str) or (isinstance(dtype, type) and issubclass(dtype, numpy.generic)):
        return numpy.dtype(dtype).name
    name = getattr(dtype, "name", None)  # NumPy/CuPy dtypes
    if isinstance(name, str):
        return name
    return numpy.dtype(str(dtype).rpartition(".")[2]).name  # array_api_strict's dtypes


def _known(table: Mapping[str, Any], name: str, what: str) -> Any:
    try:
        return table[name]
    except KeyError:
        raise ValueError(
            f"no default {what} for dtype {name}; the floating dtypes with defaults are "
            f"{', '.join(sorted(table))}. Pass the {what} explicitly."
        ) from None


def tolerance_for(
    dtype: Any, overrides: Mapping[str, TolerancePolicy] | TolerancePolicy | None = None
) -> TolerancePolicy:
    """The tolerance policy for ``dtype``.

    Args:
        dtype: a dtype object of any namespace, or a dtype name.
        overrides: a :class:`TolerancePolicy` used for every dtype, or a dict from dtype name
            to policy (dtypes it does not name keep their default), e.g. an op spec's
            ``tolerances``.

    >>> tolerance_for("float16", TolerancePolicy(0.1, 0.1))
    TolerancePolicy(atol=0.1, rtol=0.1)
    """
    name = dtype_name(dtype)
    if isinstance(overrides, TolerancePolicy):
        return overrides
    if overrides:
        policy = overrides.get(name)
        if policy is not None:
            if not isinstance(policy, TolerancePolicy):
                raise TypeError(
                    f"tolerance override for {name} must be a TolerancePolicy; "
                    f"got {type(policy).__name__}"
                )
            return policy
    return _known(DEFAULT_TOLERANCES, name, "tolerance")


def eps_for(dtype: Any) -> float:
    """The default relative step of numerical differentiation in evaluation dtype ``dtype``.

    >>> eps_for("float64")
    0.001
    """
    return _known(DEFAULT_EPS, dtype_name(dtype), "step (eps)")
