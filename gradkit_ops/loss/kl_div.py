r"""kl_div: the Kullback-Leibler divergence of a target distribution from log-probabilities,
with PyTorch's conventions (``KLDivLoss``).

.. math:: \ell_i = t_i (\log t_i - x_i),\qquad
          \frac{\partial \ell_i}{\partial x_i} = -t_i,\quad
          \frac{\partial \ell_i}{\partial t_i} = \log t_i + 1 - x_i

for log-probabilities :math:`x` and probabilities :math:`t`; with ``log_target=True`` the
target is given as :math:`\log t` and :math:`\ell_i = e^{t_i} (t_i - x_i)`. Where
:math:`t_i = 0` the loss is 0 (the limit of :math:`t \log t`); the gradient with respect to
:math:`t_i` is infinite there, and this op gives :math:`-x_i` (the specs draw positive targets).

``reduction``: ``"mean"`` averages over all elements (PyTorch's default, which is not the
divergence per sample), ``"batchmean"`` divides the sum by the batch size (axis 0: the
mathematical KL divergence per sample), ``"sum"`` and ``"none"``. A composite of ``log``,
``exp``, ``where`` and products, so every order of gradient works.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable, get_array_module
from gradkit.arithmetic import div, exp, log, mul, sub
from gradkit.testing import Input, Skip, op_spec
from gradkit_ops.comparison import where
from gradkit_ops.loss._reduction import REDUCTIONS, check_reduction, check_same_shape, reduce
from gradkit_ops.reduction import sum

__all__ = ["kl_div"]


def kl_div(x: Any, t: Any, reduction: str = "mean", log_target: bool = False) -> Variable:
    """The pointwise KL divergence ``t * (log t - x)`` of the target ``t`` (probabilities, or
    log-probabilities with ``log_target``) from the log-probabilities ``x`` (one shape),
    reduced by ``reduction``: ``"mean"``, ``"batchmean"``, ``"sum"`` or ``"none"``.

    >>> import numpy as np
    >>> from gradkit_ops.loss import kl_div
    >>> t = np.array([[0.5, 0.5, 0.0]])
    >>> round(float(kl_div(np.log([[0.25, 0.25, 0.5]]), t, "batchmean").array), 6)  # log 2
    0.693147
    """
    check_reduction(reduction, "kl_div", (*REDUCTIONS, "batchmean"))
    check_same_shape("kl_div", x, t)
    if log_target:
        loss = mul(exp(t), sub(t, x))
    else:
        data = t.array if isinstance(t, Variable) else t
        xp = get_array_module(data)
        positive = data > 0
        # log of 1 where t = 0, so that neither the value nor the gradient is NaN there.
        safe = where(positive, t, xp.ones_like(data))
        loss = where(positive, mul(t, sub(log(safe), x)), mul(t, sub(0.0, x)))
    if reduction == "batchmean":
        n = x.shape[0] if x.ndim else 1
        return div(sum(loss), float(n)) if n else div(sum(loss), float("nan"))
    return reduce(loss, reduction)


def _reference(reduction: str = "mean", log_target: bool = False) -> Any:
    def reference(x: Any, t: Any) -> Any:
        if log_target:
            loss = numpy.exp(t) * (t - x)
        else:
            loss = numpy.where(t > 0, t * (numpy.log(numpy.where(t > 0, t, 1.0)) - x), -t * x)
        if reduction == "batchmean":
            out = loss.sum() / (x.shape[0] if x.ndim else 1)
        elif reduction == "mean":
            out = loss.mean()
        elif reduction == "sum":
            out = loss.sum()
        else:
            out = loss
        return numpy.asarray(out).astype(x.dtype)

    return reference


_INPUTS = [Input(domain=(-3.0, 0.0)), Input(domain=(0.05, 1.0))]
# t * (log t - x) cancels where x is near log t, and float16 rounds log t to ~1e-3: hypothesis
# finds such points (x = -2.97, t = 0.0508: 2% off), which uniform draws rarely hit.
_F16_CANCELLATION = Skip(
    "float16 forward loses ~2% to cancellation in log t - x where x is near log t "
    "(log t rounded to float16); a float16 accuracy limit, not a bug",
    dtypes="float16",
    checks="forward",
    shapes="hypothesis",
)
op_spec(
    name="kl_div",
    inputs=_INPUTS,
    shapes=[(3, 4), (), "3x4nc"],
    reference=_reference(),
    skips=[_F16_CANCELLATION],
    examples=[
        # A zero target contributes 0.
        ([numpy.log([[0.25, 0.25, 0.5]]), numpy.array([[0.5, 0.5, 0.0]])], numpy.log(2.0) / 3)
    ],
)(kl_div)
for _reduction in ("batchmean", "sum", "none"):
    op_spec(
        name=f"kl_div.{_reduction}",
        inputs=_INPUTS,
        kwargs={"reduction": _reduction},
        shapes=[(3, 4), "3x4nc", (0, 3)] if _reduction != "batchmean" else [(3, 4), "3x4nc"],
        reference=_reference(_reduction),
        skips=[_F16_CANCELLATION],
    )(kl_div)
op_spec(
    name="kl_div.log_target",
    inputs=[Input(domain=(-3.0, 0.0)), Input(domain=(-3.0, 0.0))],
    kwargs={"reduction": "batchmean", "log_target": True},
    shapes=[(3, 4), "3x4nc", (2, 3, 2)],
    reference=_reference("batchmean", True),
)(kl_div)
