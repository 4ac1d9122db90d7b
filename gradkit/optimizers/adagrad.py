r"""AdaGrad (Duchi et al. 2011).

.. math::
    h \leftarrow h + g^2,\qquad p \leftarrow p - \eta \frac{g}{\sqrt{h} + \epsilon}

The defaults are Chainer's: ``lr=0.001``, ``eps=1e-8``.
"""

from __future__ import annotations

from typing import Any

from gradkit.optimizers.adaptive_step import subtract_adaptive_step
from gradkit.optimizers.optimizer import Optimizer, UpdateRule
from gradkit.parameter import Parameter

__all__ = ["AdaGrad", "AdaGradRule"]


class AdaGradRule(UpdateRule):
    """One parameter's AdaGrad step, with the sum of squares ``h`` as state."""

    def init_state(self, param: Parameter) -> dict[str, Any]:
        """``h``, zeros like the parameter."""
        return {"h": param.xp.zeros_like(param.array)}

    def update_core(self, param: Parameter) -> None:
        """One AdaGrad step on ``param.array`` (in cache-sized blocks on NumPy)."""
        hp = self.hyperparam
        lr, eps = hp.lr, hp.eps
        for p, g, h, buf in self.blocks(param, self.state["h"]):
            buf[...] = g  # h += g * g
            buf *= g
            h += buf
            buf[...] = h  # p -= lr * g / (sqrt(h) + eps)
            subtract_adaptive_step(p, buf, g, lr, eps)


class AdaGrad(Optimizer):
    """AdaGrad.

    Args:
        lr: the learning rate (default 0.001).
        eps: added to the denominator (default 1e-8).
    """

    def __init__(self, lr: float = 0.001, eps: float = 1e-8) -> None:
        super().__init__(lr=lr, eps=eps)

    def create_update_rule(self) -> AdaGradRule:
        """A rule reading this optimizer's hyperparameters."""
        return AdaGradRule(self.hyperparam)
