r"""softmax_cross_entropy: the negative log-likelihood of integer labels under the softmax
of the scores along axis 1.

For scores :math:`x` of shape ``(N, C, ...)`` and labels :math:`t` of shape ``(N, ...)``:

.. math:: \ell_n = -w_{t_n} \log \mathrm{softmax}(x_n)_{t_n}
          = w_{t_n} \Big(\log \sum_c e^{x_{nc}} - x_{n t_n}\Big),\qquad
          \frac{\partial \ell_n}{\partial x_{nc}} = w_{t_n} \big(p_{nc} - [c = t_n]\big)

with :math:`p = \mathrm{softmax}(x)` and :math:`w` the class weights (1 without them).
Elements whose label is ``ignore_label`` add nothing. ``reduction="mean"`` divides the sum by
the sum of the weights of the counted elements (the weighted mean, as PyTorch; without class
weights, the number of counted elements, as Chainer; 0 when none is counted), ``"sum"`` sums,
``"none"`` returns :math:`\ell` of shape ``(N, ...)`` (0 where ignored).

One fused node: the forward keeps :math:`e^{x - \max x}` and its sums, so the gradient
:math:`(e / \sum e - [c = t])\, w\, g` is one pass over the scores, in
:class:`SoftmaxCrossEntropyGrad`. That node's own backward is written with ``softmax`` and
elementwise ops, so the second (and higher) derivatives work:

.. math:: \frac{\partial}{\partial x}\langle \bar G, \nabla_x \ell\rangle
          = p \odot \big(v - \textstyle\sum_c v_c p_c\big),\quad v = \bar G\, w\, g

The labels and the class weights are constants: they get no gradient.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import mul, reshape, sub
from gradkit.backend import exp_into, scatter_add_into
from gradkit.testing import Input, Unchecked, op_spec
from gradkit_ops._ones import ones_vector
from gradkit_ops.activation import softmax
from gradkit_ops.loss._reduction import (
    Labels,
    check_reduction,
    label_input,
    labels,
    nll_reference,
    weighted_factory,
)
from gradkit_ops.reduction import sum

__all__ = ["SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad", "softmax_cross_entropy"]


def _class_axis(a: Any) -> Any:
    # Labels or per-element values of shape (N, ...) as (N, 1, ...), against the scores.
    return get_array_module(a).reshape(a, (a.shape[0], 1, *a.shape[1:]))


def _flat_label_index(safe: Any, n_classes: int) -> Any:
    # The position of every element's label in the flattened scores of shape (N, C, R...):
    # n * C * R + t[n, r] * R + r, in the labels' order.
    xp = get_array_module(safe)
    n = safe.shape[0]
    rest = math.prod(safe.shape[1:])
    step = n_classes * rest
    starts = xp.arange(0, n * step, step, dtype=safe.dtype, device=safe.device)
    if safe.ndim == 1:
        return safe + starts
    cols = xp.arange(rest, dtype=safe.dtype, device=safe.device)
    flat = xp.reshape(safe, (n, rest)) * rest + xp.reshape(starts, (n, 1)) + cols
    return xp.reshape(flat, (-1,))


class SoftmaxCrossEntropy(FunctionNode):
    """The loss of scores ``x`` (input 0) for the labels (input 1, an integer array, no
    gradient) that ``labels`` holds checked; ``reduction`` as in the wrapper."""

    def __init__(self, labels: Labels, reduction: str) -> None:
        self.labels = labels
        self.reduction = reduction
        # Set by forward, for the gradient: the exponentials of the shifted scores and their
        # sums over the classes, the flat positions of the labels, and every element's
        # factor in the result (``coef``, an array; or ``scale``, one number for all).
        self.exps: Any = None
        self.sums: Any = None
        self.index: Any = None
        self.coef: Any = None
        self.scale: float | None = None

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        x = inputs[0]
        self.retain_inputs((0,))  # for the double backward only: the Grad node's input
        if self.labels.uniform and type(x) is _ndarray and x.ndim == 2 and x.dtype.char in "fd":
            return self._forward_rows(x)
        xp = get_array_module(x)
        shifted = x - xp.max(x, axis=1, keepdims=True)
        self.index = _flat_label_index(self.labels.safe, x.shape[1])
        picked = xp.take(xp.reshape(shifted, (-1,)), self.index)  # before exp overwrites it
        e = exp_into(shifted)  # shifted is ours: its exponentials go in place
        s = xp.sum(e, axis=1, keepdims=True)
        # Per element, its factor in the result: the weight, divided by their sum for a mean.
        coef = self.labels.weights
        if self.reduction == "mean":
            den = xp.sum(coef)
            coef = coef / xp.where(den > 0, den, 1.0)  # no counted element: the loss is 0
        if coef.ndim != 1:
            picked = xp.reshape(picked, coef.shape)
        loss = (xp.reshape(xp.log(s), coef.shape) - picked) * coef
        self.exps, self.sums, self.coef = e, s, coef  # for the gradient
        return (loss if self.reduction == "none" else xp.sum(loss),)

    def _forward_rows(self, x: numpy.ndarray) -> tuple[Any, ...]:
        # The common case of training, as lean as the hand-written NumPy loss: scores
        # (N, C) on NumPy, every label counted with weight 1 (so one factor, ``scale``,
        # for all rows).
        n, c = x.shape
        index = numpy.arange(0, n * c, c)
        numpy.add(index, self.labels.safe, out=index, casting="unsafe")  # labels in [0, c)
        e, s, picked = _row_exponentials(x, index)
        loss = numpy.log(s)
        loss -= picked
        self.exps, self.sums, self.index = e, s, index
        self.scale = 1.0 / n if self.reduction == "mean" else 1.0
        if self.reduction == "none":
            return (loss,)
        return (numpy.asarray(numpy.add.reduce(loss) * self.scale),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable | None, ...]:
        (x,) = self.get_retained_inputs()
        (gx,) = SoftmaxCrossEntropyGrad(self).apply((x, grad_outputs[0]))
        return tuple([gx if i == 0 else None for i in target_input_indexes])

    def element_coef(self, xp: Any, dtype: Any, device: Any) -> Any:
        """Every element's factor in the result, as an array of the labels' shape."""
        if self.coef is None:
            safe = self.labels.safe
            self.coef = xp.full(safe.shape, self.scale, dtype=dtype, device=device)
        return self.coef


def _row_exponentials(x: numpy.ndarray, index: Any) -> tuple[Any, Any, Any]:
    # exp(x - max) of scores (N, C) on NumPy, in one new array; their row sums, as a
    # matrix-vector product with ones (several times faster than NumPy's sum along the rows);
    # and x - max at the flat positions ``index``.
    shifted = x - _row_max(x)
    picked = shifted.take(index)  # before exp overwrites it
    e = numpy.exp(shifted, out=shifted)  # shifted is ours: its exponentials go in place
    return e, numpy.matmul(e, ones_vector(x.shape[1], e.dtype)), picked


def _row_max(x: numpy.ndarray) -> numpy.ndarray:
    # The maximum of each row of x (N, C), keepdims. NumPy reduces along short rows with a
    # loop per row: for narrow scores (a classifier's ten classes) a transposed copy reduced
    # along its first axis is four times faster. Wider rows use fmax, which NumPy vectorizes
    # better than max; it differs only where a row holds NaN, and then the row's loss and
    # gradient are NaN either way (its exponentials are).
    if x.shape[1] <= 32:
        return numpy.ascontiguousarray(x.T).max(axis=0)[:, None]
    return numpy.fmax.reduce(x, axis=1, keepdims=True)


_ndarray = numpy.ndarray


class SoftmaxCrossEntropyGrad(FunctionNode):
    """The gradient of :class:`SoftmaxCrossEntropy` with respect to the scores, a function of
    the scores (input 0) and the output gradient (input 1). Its forward reuses the loss's
    softmax; its backward recomputes the softmax differentiably."""

    def __init__(self, loss: SoftmaxCrossEntropy) -> None:
        self.loss = loss

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        x, gy = inputs
        self.retain_inputs((0, 1))
        loss = self.loss
        if loss.scale is not None:
            # Rows on NumPy (SoftmaxCrossEntropy._forward_rows): the hand-written gradient,
            # (e / s - onehot) times each row's share of gy, in one pass and a scatter.
            # It is built in the exponentials' own array, which the loss gives up: one large
            # array per step instead of two (on the host a fresh one costs its page faults).
            # Another backward through the same loss recomputes them from x.
            g = loss.exps
            loss.exps = None
            if g is None:
                g = _row_exponentials(x, loss.index)[0]
            c = gy * loss.scale  # 0-d, or (N,) for reduction="none"
            g *= (c / loss.sums)[:, None]
            # Each row's label has its own position: subtract in place.
            g.reshape(-1)[loss.index] -= c
            return (g,)
        xp = get_array_module(x)
        c = gy * loss.coef  # (N, ...): every element's share of the output gradient
        g = loss.exps * (_class_axis(c) / loss.sums)
        # g is new and ours: subtract the labels' shares in place (no copy of the scores).
        flat = scatter_add_into(xp.reshape(g, (-1,)), loss.index, xp.reshape(-c, (-1,)))
        return (xp.reshape(flat, x.shape),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (ggx,) = grad_outputs
        x, gy = self.get_retained_inputs()
        data = x.array
        xp = get_array_module(data)
        wd = self.loss.element_coef(xp, data.dtype, data.device)
        safe = _class_axis(self.loss.labels.safe)
        n_classes = data.shape[1]
        classes = xp.arange(n_classes, dtype=safe.dtype, device=data.device)
        classes = xp.reshape(classes, tuple(n_classes if d == 1 else 1 for d in range(x.ndim)))
        onehot = xp.astype(classes == safe, data.dtype)
        p = softmax(x, axis=1)
        result = []
        for i in target_input_indexes:
            if i == 0:
                c_b = reshape(mul(gy, wd), safe.shape)
                v = mul(ggx, c_b)
                result.append(mul(p, sub(v, sum(mul(v, p), axis=1, keepdims=True))))
            else:
                r = mul(sum(mul(ggx, sub(p, onehot)), axis=1), wd)
                result.append(r if gy.ndim else sum(r))
        return tuple(result)


def softmax_cross_entropy(
    x: Any,
    t: Any,
    class_weight: Any = None,
    ignore_label: int | None = -1,
    reduction: str = "mean",
) -> Variable:
    """The cross entropy of scores ``x`` (shape ``(N, C, ...)``, classes along axis 1) and
    integer labels ``t`` (shape ``(N, ...)``), through the softmax of ``x``.

    Args:
        x: the unnormalized scores (logits).
        t: the labels, each in ``[0, C)`` or equal to ``ignore_label``.
        class_weight: ``None`` or a constant of shape ``(C,)`` weighting each class.
        ignore_label: the label of elements that add nothing (``None``: every label counts).
        reduction: ``"mean"`` (weighted mean over the counted elements), ``"sum"`` or
            ``"none"``.

    >>> import numpy as np
    >>> from gradkit_ops.loss import softmax_cross_entropy
    >>> x = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    >>> round(float(softmax_cross_entropy(x, np.array([0, 1])).array), 6)  # (log 2 + log 4) / 2
    1.039721
    """
    check_reduction(reduction, "softmax_cross_entropy")
    if x.ndim < 2 or x.shape[1] == 0:
        raise ValueError(
            f"softmax_cross_entropy: x must have shape (N, C, ...) with C >= 1; got {x.shape}"
        )
    expected = (x.shape[0], *x.shape[2:])
    if tuple(t.shape) != expected:
        raise ValueError(
            f"softmax_cross_entropy: t must have shape {expected} for x of shape {x.shape}; "
            f"got {tuple(t.shape)}"
        )
    lab = labels(t, x.shape[1], ignore_label, x.dtype, "softmax_cross_entropy", class_weight)
    return SoftmaxCrossEntropy(lab, reduction).apply((x, t))[0]


def _reference(reduction: str = "mean", ignore_label: int = -1) -> Any:
    def reference(x: Any, t: Any, w: Any = None) -> Any:
        m = x.max(axis=1, keepdims=True)
        logp = x - m - numpy.log(numpy.exp(x - m).sum(axis=1, keepdims=True))
        return nll_reference(logp, t, w, reduction, x.dtype, ignore_label)

    return reference


_SHAPES = [(4, 3), "4x3nc", (2, 3, 2), (1, 3), (0, 3)]
op_spec(
    name="softmax_cross_entropy",
    inputs=[Input(domain=(-3.0, 3.0)), label_input(3)],
    shapes=_SHAPES,
    reference=_reference(),
    examples=[
        ([numpy.array([[0.0, 0.0], [numpy.log(3.0), 0.0]]), numpy.array([0, 1])], numpy.log(8) / 2),
        # Every label ignored: the mean of nothing is 0.
        ([numpy.array([[1.0, 2.0]]), numpy.array([-1])], 0.0),
    ],
)(softmax_cross_entropy)
for _reduction in ("sum", "none"):
    op_spec(
        name=f"softmax_cross_entropy.{_reduction}",
        inputs=[Input(domain=(-3.0, 3.0)), label_input(3)],
        kwargs={"reduction": _reduction},
        shapes=_SHAPES,
        reference=_reference(_reduction),
    )(softmax_cross_entropy)
for _reduction in ("mean", "none"):
    op_spec(
        name=f"softmax_cross_entropy.weights_{_reduction}",
        inputs=[
            Input(domain=(-3.0, 3.0)),
            label_input(3),
            Input(domain=(0.5, 2.0), shape=(3,), differentiable=False),
        ],
        factory=weighted_factory(softmax_cross_entropy, _reduction),
        shapes=[(4, 3), "4x3nc", (2, 3, 2)],
        reference=_reference(_reduction),
    )(softmax_cross_entropy)
# Every label counted (none ignored, no class weights), as in a training batch: the scores'
# rows take the lean path on NumPy (SoftmaxCrossEntropy._forward_rows), other layouts and
# devices the general one.
for _reduction in ("mean", "sum", "none"):
    op_spec(
        name=f"softmax_cross_entropy.counted_{_reduction}",
        inputs=[
            Input(domain=(-3.0, 3.0)),
            Input(dtype="int64", domain=(0, 3), shape=lambda s: (s[0], *s[2:])),
        ],
        kwargs={"reduction": _reduction},
        # (2, 40): rows wide enough for the other way to their maxima (_row_max)
        shapes=[(4, 3), "4x3nc", (1, 3), (2, 40), (2, 3, 2)],
        reference=_reference(_reduction),
    )(softmax_cross_entropy)
# Large scores: exp would overflow without the shift by the maximum.
op_spec(
    name="softmax_cross_entropy.large",
    inputs=[Input(domain=(500.0, 510.0)), label_input(4)],
    shapes=[(3, 4), "3x4nc"],
    dtypes=("float32", "float64"),
    reference=_reference(),
)(softmax_cross_entropy)
op_spec(
    name="softmax_cross_entropy.large_counted",
    inputs=[
        Input(domain=(500.0, 510.0)),
        Input(dtype="int64", domain=(0, 4), shape=lambda s: (s[0], *s[2:])),
    ],
    shapes=[(3, 4), "3x4nc"],
    dtypes=("float32", "float64"),
    reference=_reference(),
)(softmax_cross_entropy)
SoftmaxCrossEntropy.spec = Unchecked(
    "applied and checked through softmax_cross_entropy(), which has the specs"
)
SoftmaxCrossEntropyGrad.spec = Unchecked(
    "the gradient of SoftmaxCrossEntropy: checked by softmax_cross_entropy's double backward"
)
