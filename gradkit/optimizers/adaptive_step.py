"""The steps shared by the adaptive optimizers: the running mean of squared gradients
(:func:`move_toward_square`) and ``p -= scale * numerator / (sqrt(s) + eps)``
(:func:`subtract_adaptive_step`).

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

__all__ = ["move_toward_square", "subtract_adaptive_step"]

_ndarray = numpy.ndarray
_reciprocal = numpy.reciprocal


def move_toward_square(s: Any, buf: Any, g: Any, rate: float) -> None:
    """``s += rate * (g * g - s)`` in place (an exponential moving average of ``g ** 2``,
    as in Adam and RMSprop), with ``buf`` as scratch.

    >>> import numpy as np
    >>> s = np.ones(2, dtype=np.float32)
    >>> move_toward_square(s, np.empty_like(s), np.array([3.0, 1.0], np.float32), 0.5)
    >>> s
    array([5., 1.], dtype=float32)
    """
    buf[...] = g
    buf *= g
    buf -= s
    buf *= rate
    s += buf


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
