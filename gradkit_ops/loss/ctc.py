r"""ctc: the connectionist temporal classification loss (Graves et al., 2006).

For log-probabilities :math:`y` of shape ``(T, N, C)`` (time, batch, classes; class ``blank``
is the blank) and a label sequence :math:`l` per sample, the loss is the negative log of the
total probability of all alignments :math:`\pi` (paths of length :math:`T` that reduce to
:math:`l` once repeated symbols are merged and blanks removed):

.. math:: \ell = -\log \sum_{\pi \to l} \prod_t e^{y_{t \pi_t}}

It is computed by the forward (alpha) recursion in log space over the extended label
:math:`l' = (b, l_1, b, l_2, \dots, b)` of length :math:`S = 2|l| + 1`:

.. math:: \alpha_t(s) = y_{t l'_s} + \log\big(e^{\alpha_{t-1}(s)} + e^{\alpha_{t-1}(s-1)}
          + [l'_s \ne b,\ l'_s \ne l'_{s-2}]\, e^{\alpha_{t-1}(s-2)}\big)

.. math:: \ell = -\log\big(e^{\alpha_{T-1}(S-1)} + e^{\alpha_{T-1}(S-2)}\big)

The gradient is :math:`\partial \ell / \partial y_{tk} = -\gamma_t(k)`, minus the posterior
probability that an alignment emits :math:`k` at time :math:`t`. The log-probabilities are
taken as given (the function above is defined for any real :math:`y`; PyTorch's ``ctc_loss``
takes the same input, Chainer's took scores and applied the softmax itself: pass
``log_softmax(x, axis=-1)``). Through ``log_softmax``, the gradient with respect to the scores
is the familiar :math:`\mathrm{softmax} - \gamma`.

The recursion is a composite of ``take_along_axis`` (the emissions), ``concat``, ``where``,
``stack`` and :func:`~gradkit_ops.reduction.logsumexp`, so the backward pass is the beta
recursion that backprop derives, and every order of gradient works. Impossible states hold a
large negative finite log-zero (``-1e30``, not ``-inf``, whose differences would make NaN
gradients); float16 cannot hold it, so the op takes float32 and float64. A label sequence that
no alignment of the input length can produce has loss ``+inf`` and a zero gradient.

Variable lengths: ``input_lengths[n]`` steps of sample ``n`` count (the recursion stops there),
and the first ``label_lengths[n]`` labels of row ``n`` of ``labels`` (the rest is padding).
``reduction="mean"`` averages the per-sample losses over the batch (Chainer's; PyTorch also
divides each by its label length first), ``"sum"`` sums, ``"none"`` returns them, shape
``(N,)``.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable, as_array, get_array_module, to_numpy
from gradkit.arithmetic import add, div, neg
from gradkit.testing import Input, op_spec
from gradkit_ops.array import concat, stack, take_along_axis
from gradkit_ops.comparison import where
from gradkit_ops.loss._reduction import check_reduction
from gradkit_ops.reduction import logsumexp, sum

__all__ = ["ctc", "LOG_ZERO"]

#: The log-probability of an impossible state: finite, so that differences stay finite.
LOG_ZERO = -1e30


def _lengths(lengths: Any, n: int, default: int, name: str) -> numpy.ndarray:
    if lengths is None:
        return numpy.full(n, default, dtype=numpy.int64)
    host = numpy.asarray(to_numpy(as_array(lengths)))
    if host.shape != (n,) or host.dtype.kind not in "iu":
        raise ValueError(
            f"ctc: {name} must be {n} integers; got {host.dtype} of shape {host.shape}"
        )
    return host.astype(numpy.int64)


def ctc(
    log_probs: Any,
    labels: Any,
    input_lengths: Any = None,
    label_lengths: Any = None,
    blank: int = 0,
    reduction: str = "mean",
) -> Variable:
    """The CTC loss of ``log_probs`` (shape ``(T, N, C)``) for the label sequences ``labels``
    (integers of shape ``(N, S)``, none equal to ``blank``).

    Args:
        log_probs: per time step and sample, the log-probability of each class.
        labels: the target sequences, padded to a common length ``S``.
        input_lengths: ``N`` integers in ``[1, T]`` (default: all ``T``).
        label_lengths: ``N`` integers in ``[0, S]`` (default: all ``S``).
        blank: the class of the blank symbol.
        reduction: ``"mean"`` (over the batch), ``"sum"`` or ``"none"``.

    >>> import numpy as np
    >>> from gradkit_ops.loss import ctc
    >>> p = np.array([[[0.4, 0.6]], [[0.3, 0.7]]])  # T=2, N=1, classes (blank, a)
    >>> loss = ctc(np.log(p), np.array([[1]]))  # paths "aa", "a-", "-a"
    >>> round(float(np.exp(-loss.array)), 6)  # 0.6 * 0.7 + 0.6 * 0.3 + 0.4 * 0.7
    0.88
    """
    check_reduction(reduction, "ctc")
    if log_probs.ndim != 3 or log_probs.shape[0] == 0:
        raise ValueError(
            f"ctc: log_probs must have shape (T, N, C) with T >= 1; got {log_probs.shape}"
        )
    n_steps, batch, n_classes = log_probs.shape
    if labels.ndim != 2 or labels.shape[0] != batch:
        raise ValueError(f"ctc: labels must have shape ({batch}, S); got {tuple(labels.shape)}")
    if not 0 <= blank < n_classes:
        raise ValueError(f"ctc: blank={blank} is not one of the {n_classes} classes")
    width = labels.shape[1]
    t_len = _lengths(input_lengths, batch, n_steps, "input_lengths")
    l_len = _lengths(label_lengths, batch, width, "label_lengths")
    if ((t_len < 1) | (t_len > n_steps)).any() or ((l_len < 0) | (l_len > width)).any():
        raise ValueError(
            f"ctc: input_lengths must be in [1, {n_steps}] and label_lengths in [0, {width}]; "
            f"got {t_len.tolist()} and {l_len.tolist()}"
        )
    host_labels = numpy.asarray(to_numpy(as_array(labels)))
    counted = numpy.arange(width) < l_len[:, None]
    if host_labels.dtype.kind not in "iu":
        raise TypeError(f"ctc: labels must be integers; got dtype {host_labels.dtype}")
    used = host_labels[counted]
    if ((used < 0) | (used >= n_classes) | (used == blank)).any():
        raise ValueError(
            f"ctc: labels must be classes in [0, {n_classes}) other than blank={blank}; got "
            f"{sorted(set(used.tolist()))}"
        )
    # The constants of the recursion, built on the host and sent to the device once.
    n_states = 2 * width + 1
    ext = numpy.full((batch, n_states), blank, dtype=numpy.int64)
    ext[:, 1::2] = numpy.where(counted, host_labels, blank)
    before = numpy.full_like(ext, -1)
    before[:, 2:] = ext[:, :-2]
    skip = (ext != blank) & (ext != before)
    states = numpy.arange(n_states)
    start = numpy.broadcast_to(states < 2, (batch, n_states))
    final = (states == 2 * l_len[:, None]) | (states == 2 * l_len[:, None] - 1)
    active = numpy.arange(n_steps)[:, None, None] < t_len[None, :, None]  # (T, N, 1)

    data = as_array(log_probs)
    xp = get_array_module(data)
    dtype, device = data.dtype, data.device

    def send(a: Any) -> Any:
        return xp.asarray(a, device=device)

    emissions = take_along_axis(
        log_probs, send(numpy.broadcast_to(ext, (n_steps, batch, n_states)).copy()), axis=2
    )
    zero1 = xp.full((batch, 1), LOG_ZERO, dtype=dtype, device=device)
    zero2 = xp.full((batch, 2), LOG_ZERO, dtype=dtype, device=device)
    skip, active, final = send(skip), send(active), send(final)
    alpha = where(send(start), emissions[0, ...], LOG_ZERO)
    for t in range(1, n_steps):
        a1 = concat([zero1, alpha], axis=1)[:, :n_states]
        a2 = where(skip, concat([zero2, alpha], axis=1)[:, :n_states], LOG_ZERO)
        new = add(emissions[t, ...], logsumexp(stack([alpha, a1, a2]), axis=0))
        alpha = where(active[t, ...], new, alpha)
    loglik = logsumexp(where(final, alpha, LOG_ZERO), axis=1)
    # No alignment at all: the log-likelihood is about LOG_ZERO; the loss is +inf.
    loss = where(loglik.array > 0.5 * LOG_ZERO, neg(loglik), float("inf"))
    if reduction == "none":
        return loss
    total = sum(loss)
    if reduction == "sum":
        return total
    return div(total, float(batch)) if batch else div(total, float("nan"))


def ctc_reference(
    log_probs: Any,
    labels: Any,
    input_lengths: Any = None,
    label_lengths: Any = None,
    blank: int = 0,
) -> numpy.ndarray:
    """The per-sample CTC losses by brute force: the log of the summed probability of every
    path that reduces to the labels (NumPy, float64; for tiny ``T`` and ``C`` only)."""
    import itertools
    import math

    n_steps, batch, n_classes = log_probs.shape
    out = numpy.empty(batch)
    for n in range(batch):
        steps = n_steps if input_lengths is None else int(input_lengths[n])
        length = labels.shape[1] if label_lengths is None else int(label_lengths[n])
        target = [int(c) for c in labels[n, :length]]
        total = 0.0
        for path in itertools.product(range(n_classes), repeat=steps):
            merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
            if [c for c in merged if c != blank] == target:
                total += numpy.exp(math.fsum(log_probs[t, n, c] for t, c in enumerate(path)))
        out[n] = -numpy.log(total) if total > 0 else numpy.inf
    return out


def _reference(reduction: str) -> Any:
    def reference(log_probs: Any, labels: Any, t_len: Any, l_len: Any) -> Any:
        losses = ctc_reference(log_probs, labels.astype(int), t_len.astype(int), l_len.astype(int))
        if reduction == "mean":
            return numpy.asarray(losses.mean()).astype(log_probs.dtype)
        return numpy.asarray(losses.sum() if reduction == "sum" else losses).astype(log_probs.dtype)

    return reference


def _ctc_case(reduction: str) -> Any:
    def factory() -> Any:
        return lambda y, lab, t_len, l_len: ctc(y, lab, t_len, l_len, reduction=reduction)

    return factory


# T = 4 steps, C = 3 classes (blank 0), labels of up to 2 symbols (1 or 2): every label
# sequence of length <= 2 fits in 3 steps (a repeat needs a blank between), so every sample
# with 3 or 4 steps has alignments. The brute-force reference enumerates the 3^4 paths.
_INPUTS = [
    Input(domain=(-2.0, 0.0)),
    Input(dtype="int64", domain=(1, 3), shape=lambda s: (s[1], 2)),
    Input(dtype="int64", domain=(3, 5), shape=lambda s: (s[1],)),
    Input(dtype="int64", domain=(0, 3), shape=lambda s: (s[1],)),
]
for _reduction in ("mean", "sum", "none"):
    op_spec(
        name="ctc" if _reduction == "mean" else f"ctc.{_reduction}",
        inputs=_INPUTS,
        factory=_ctc_case(_reduction),
        shapes=[(4, 3, 3), "4x3x3nc", (4, 1, 3)],
        dtypes=("float32", "float64"),
        reference=_reference(_reduction),
    )(ctc)
