r"""nll: the negative log-likelihood of integer labels, given log-probabilities.

For log-probabilities :math:`x` of shape ``(N, C, ...)`` (classes along axis 1) and labels
:math:`t` of shape ``(N, ...)``:

.. math:: \ell_n = -w_{t_n}\, x_{n t_n},\qquad
          \frac{\partial \ell_n}{\partial x_{nc}} = -w_{t_n} [c = t_n]

with :math:`w` the class weights (1 without them). Labels equal to ``ignore_label`` add
nothing. ``reduction="mean"`` divides the sum by the sum of the weights of the counted
elements (the weighted mean, as PyTorch's ``NLLLoss``; 0 when none is counted), ``"sum"``
sums and ``"none"`` returns :math:`\ell` (0 where ignored). ``nll(log_softmax(x, axis=1), t)``
is :func:`~gradkit_ops.loss.softmax_cross_entropy`.

A composite of :func:`~gradkit_ops.array.take_along_axis` (whose gradient scatters the output
gradient back to the picked elements) and a product with the constant weights, so every order
of gradient works. The labels and the class weights get no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable, get_array_module
from gradkit.arithmetic import mul, reshape
from gradkit.testing import Input, op_spec
from gradkit_ops.array import take_along_axis
from gradkit_ops.loss._reduction import (
    check_reduction,
    label_input,
    labels,
    nll_reference,
    weighted_factory,
    weighted_reduce,
)

__all__ = ["nll"]


def nll(
    x: Any,
    t: Any,
    class_weight: Any = None,
    ignore_label: int | None = -1,
    reduction: str = "mean",
) -> Variable:
    """The negative log-likelihood of labels ``t`` (shape ``(N, ...)``) under the
    log-probabilities ``x`` (shape ``(N, C, ...)``), optionally weighted per class by the
    constant ``class_weight`` (shape ``(C,)``); labels equal to ``ignore_label`` are skipped.

    >>> import numpy as np
    >>> from gradkit_ops.loss import nll
    >>> logp = np.log(np.array([[0.5, 0.5], [0.25, 0.75]]))
    >>> round(float(nll(logp, np.array([0, 1]), reduction="sum").array), 6)  # -log(.5 * .75)
    0.980829
    """
    check_reduction(reduction, "nll")
    if x.ndim < 2 or x.shape[1] == 0:
        raise ValueError(f"nll: x must have shape (N, C, ...) with C >= 1; got {x.shape}")
    expected = (x.shape[0], *x.shape[2:])
    if tuple(t.shape) != expected:
        raise ValueError(
            f"nll: t must have shape {expected} for x of shape {x.shape}; got {tuple(t.shape)}"
        )
    lab = labels(t, x.shape[1], ignore_label, x.dtype, "nll", class_weight)
    xp = get_array_module(lab.safe)
    picked = take_along_axis(x, xp.expand_dims(lab.safe, axis=1), axis=1)
    loss = mul(reshape(picked, lab.weights.shape), -lab.weights)
    return weighted_reduce(loss, reduction, lab.weights)


def _reference(reduction: str = "mean") -> Any:
    def reference(x: Any, t: Any, w: Any = None) -> Any:
        return nll_reference(x, t, w, reduction, x.dtype)

    return reference


_SHAPES = [(4, 3), "4x3nc", (2, 3, 2), (0, 3)]
op_spec(
    name="nll",
    inputs=[Input(domain=(-3.0, 0.0)), label_input(3)],
    shapes=_SHAPES,
    reference=_reference(),
    examples=[
        ([numpy.log([[0.5, 0.5], [0.25, 0.75]]), numpy.array([0, 1])], -numpy.log(0.375) / 2),
        ([numpy.log([[0.5, 0.5], [0.25, 0.75]]), numpy.array([-1, 0])], numpy.log(4.0)),
    ],
)(nll)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"nll.{_reduction}",
        inputs=[Input(domain=(-3.0, 0.0)), label_input(3)],
        kwargs={"reduction": _reduction},
        shapes=_SHAPES,
        reference=_reference(_reduction),
    )(nll)
op_spec(
    name="nll.weights",
    inputs=[
        Input(domain=(-3.0, 0.0)),
        label_input(3),
        Input(domain=(0.5, 2.0), shape=(3,), differentiable=False),
    ],
    factory=weighted_factory(nll, "mean"),
    shapes=[(4, 3), "4x3nc", (2, 3, 2)],
    reference=_reference("mean"),
)(nll)
