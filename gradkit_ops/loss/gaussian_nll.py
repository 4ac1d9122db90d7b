r"""gaussian_nll: the negative log-likelihood of data under a Gaussian of given mean and log
variance (Chainer's ``gaussian_nll``).

.. math:: \ell_i = \tfrac12 \Big(\log 2\pi + v_i + (x_i - \mu_i)^2 e^{-v_i}\Big)

.. math:: \frac{\partial \ell_i}{\partial x_i} = (x_i - \mu_i) e^{-v_i}
          = -\frac{\partial \ell_i}{\partial \mu_i},\qquad
          \frac{\partial \ell_i}{\partial v_i} = \tfrac12 \big(1 - (x_i - \mu_i)^2 e^{-v_i}\big)

with :math:`v = \log\sigma^2` (so the variance is positive for any input). All three inputs
are differentiable and broadcast against each other. ``reduction``: ``"mean"`` (the default
of the library; Chainer's default was ``"sum"``), ``"sum"`` or ``"none"``. A composite of
``exp`` and elementwise arithmetic, so every order of gradient works.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import add, exp, mul, neg, sub
from gradkit.testing import Input, op_spec
from gradkit_ops.loss._reduction import check_reduction, reduce

__all__ = ["gaussian_nll"]

_LOG_2PI = math.log(2.0 * math.pi)


def gaussian_nll(x: Any, mean: Any, ln_var: Any, reduction: str = "mean") -> Variable:
    """The Gaussian negative log-likelihood of ``x`` under mean ``mean`` and log variance
    ``ln_var`` (all broadcast together), elementwise, reduced by ``reduction``.

    >>> import numpy as np
    >>> from gradkit_ops.loss import gaussian_nll
    >>> float(gaussian_nll(np.array([1.0]), np.array([1.0]), np.array([0.0])).array)
    0.9189385332046727
    """
    check_reduction(reduction, "gaussian_nll")
    d = sub(x, mean)
    loss = mul(add(add(ln_var, _LOG_2PI), mul(mul(d, d), exp(neg(ln_var)))), 0.5)
    return reduce(loss, reduction)


def _reference(reduction: str = "mean") -> Any:
    def reference(x: Any, mean: Any, ln_var: Any) -> Any:
        loss = 0.5 * (_LOG_2PI + ln_var + (x - mean) ** 2 * numpy.exp(-ln_var))
        if reduction == "mean":
            return numpy.asarray(loss.mean()).astype(x.dtype)
        return numpy.asarray(loss.sum() if reduction == "sum" else loss).astype(x.dtype)

    return reference


_INPUTS = [Input(domain=(-2.0, 2.0)), Input(domain=(-1.0, 1.0)), Input(domain=(-1.0, 1.0))]
op_spec(
    name="gaussian_nll",
    inputs=_INPUTS,
    shapes=[(3, 4), (), "3x4nc", ((3, 4), (4,), ())],
    reference=_reference(),
    examples=[
        (
            [numpy.array([3.0]), numpy.array([1.0]), numpy.log([4.0])],
            0.5 * (_LOG_2PI + numpy.log(4.0) + 1.0),
        )
    ],
)(gaussian_nll)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"gaussian_nll.{_reduction}",
        inputs=_INPUTS,
        kwargs={"reduction": _reduction},
        shapes=[(3, 4), (), "3x4nc", (0, 3)],
        reference=_reference(_reduction),
    )(gaussian_nll)
