"""Optimizers: per-parameter update rules, the optimizers built on them, and their hooks.

>>> import numpy as np, gradkit
>>> from gradkit import optimizers
>>> link = gradkit.Link()
>>> link.w = gradkit.Parameter(np.array([2.0], dtype=np.float32))
>>> opt = optimizers.MomentumSGD(lr=0.25, momentum=0.5).setup(link)
>>> for _ in range(2):  # loss w², gradient 2w; v = -0.25 * 4 = -1, then -0.5 - 0.25 * 2
...     _ = opt.update(lambda: (link.w * link.w).sum())
>>> link.w.array
array([0.], dtype=float32)
"""

from __future__ import annotations

from gradkit.optimizers.adagrad import AdaGrad, AdaGradRule
from gradkit.optimizers.adam import Adam, AdamRule, AdamW
from gradkit.optimizers.hooks import GradientClipping, Lasso, WeightDecay
from gradkit.optimizers.optimizer import Hyperparameter, Optimizer, UpdateRule
from gradkit.optimizers.rmsprop import RMSprop, RMSpropRule
from gradkit.optimizers.sgd import SGD, MomentumSGD, MomentumSGDRule, SGDRule

__all__ = [
    "Optimizer",
    "UpdateRule",
    "Hyperparameter",
    "SGD",
    "MomentumSGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "AdaGrad",
    "SGDRule",
    "MomentumSGDRule",
    "AdamRule",
    "RMSpropRule",
    "AdaGradRule",
    "WeightDecay",
    "Lasso",
    "GradientClipping",
]
