"""The step shared by the adaptive optimizers: ``p -= scale * numerator / (sqrt(s) + eps)``.

Adam, RMSprop and AdaGrad divide their step by the root of a running sum or mean of squared
gradients. Each runs it in place on a scratch array (a block of one on NumPy, see
:mod:`gradkit.optimizers.blocked`) that holds ``s`` on entry.

The inversion is NumPy's ``reciprocal`` on NumPy arrays: in-place power has a fast path for
the exponent 0.5 but none for -1, and there ``buf **= -1.0`` costs about five times a
division. ``reciprocal`` gives the same values, each the correctly rounded ``1 / x``, and
the same warnings for zeros and overflow. Other namespaces use ``buf **= -1.0``.
"""

from __future__ import annotations

from typing import Any

import numpy

__all__ = ["subtract_adaptive_step"]

_ndarray = numpy.ndarray
_reciprocal = numpy.reciprocal


def subtract_adaptive_step(p: Any, buf: Any, numerator: Any, scale: float, eps: float) -> None:
    """``p -= scale * numerator / (sqrt(buf) + eps)`` in place; ``buf`` holds the squares'
    estimate on entry and is overwritten (it is the rule's scratch).

    >>> import numpy as np
    >>> p = np.zeros(2, dtype=np.float32)
    >>> subtract_adaptive_step(p, np.array([4.0, 16.0], np.float32), np.ones(2, np.float32),
    ...                        0.5, 0.0)
    >>> p
    array([-0.25 , -0.125], dtype=float32)
    """
    buf **= 0.5
    buf += eps
    if type(buf) is _ndarray:
        _reciprocal(buf, out=buf)
    else:
        buf **= -1.0
    buf *= numerator
    buf *= scale
    p -= buf
