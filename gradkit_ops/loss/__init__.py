"""Losses: regression (squared, absolute, Huber, smooth L1, Gaussian NLL), classification
(softmax and sigmoid cross entropy, binary cross entropy, NLL, hinge), divergences and
similarities (KL divergence, cosine similarity), metric learning (triplet, contrastive) and
sequence alignment (CTC).

Every loss takes ``reduction``: ``"mean"`` (the default, except for ``cosine_similarity``,
which returns one similarity per pair by default), ``"sum"`` or ``"none"`` (the elementwise or
per-sample losses). Where a loss counts labels, ``"mean"`` averages over the counted ones
(``ignore_label`` excluded, class weights weighing). Integer labels are inputs without a
gradient. ``softmax_cross_entropy`` is one fused node (its gradient is one pass over the
scores); the other losses are composites of differentiable ops, so every order of gradient
works for all of them.

>>> import numpy as np
>>> from gradkit_ops import loss
>>> float(loss.mean_squared_error(np.array([1.0, 3.0]), np.array([1.0, 1.0])).array)
2.0
"""

from __future__ import annotations

from gradkit_ops.loss.absolute_error import mean_absolute_error
from gradkit_ops.loss.binary_cross_entropy import binary_cross_entropy
from gradkit_ops.loss.contrastive import contrastive
from gradkit_ops.loss.cosine_similarity import cosine_similarity
from gradkit_ops.loss.ctc import ctc
from gradkit_ops.loss.gaussian_nll import gaussian_nll
from gradkit_ops.loss.hinge import hinge
from gradkit_ops.loss.huber import huber, smooth_l1
from gradkit_ops.loss.kl_div import kl_div
from gradkit_ops.loss.nll import nll
from gradkit_ops.loss.sigmoid_cross_entropy import sigmoid_cross_entropy
from gradkit_ops.loss.softmax_cross_entropy import softmax_cross_entropy
from gradkit_ops.loss.squared_error import mean_squared_error
from gradkit_ops.loss.triplet import triplet

__all__ = [
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "smooth_l1",
    "softmax_cross_entropy",
    "sigmoid_cross_entropy",
    "binary_cross_entropy",
    "nll",
    "kl_div",
    "hinge",
    "cosine_similarity",
    "triplet",
    "contrastive",
    "gaussian_nll",
    "ctc",
]
