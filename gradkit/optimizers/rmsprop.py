r"""RMSprop (Tieleman and Hinton 2012).

.. math::
    s \leftarrow \alpha s + (1 - \alpha) g^2,\qquad
    p \leftarrow p - \eta \frac{g}{\sqrt{s} + \epsilon}

The defaults are Chainer's and PyTorch's: ``lr=0.01``, ``alpha=0.99``, ``eps=1e-8``.
"""

from __future__ import annotations

from typing import Any

from gradkit.optimizers.adaptive_step import move_toward_square, subtract_adaptive_step
from gradkit.optimizers.optimizer import Optimizer, UpdateRule
from gradkit.parameter import Parameter

__all__ = ["RMSprop", "RMSpropRule"]


class RMSpropRule(UpdateRule):
    """One parameter's RMSprop step, with the running mean of squares ``ms`` as state."""

    def init_state(self, param: Parameter) -> dict[str, Any]:
        """``ms``, zeros like the parameter."""
        return {"ms": param.xp.zeros_like(param.array)}

    def update_core(self, param: Parameter) -> None:
        """One RMSprop step on ``param.array`` (in cache-sized blocks on NumPy)."""
        hp = self.hyperparam
        lr, eps, rate = hp.lr, hp.eps, 1.0 - hp.alpha
        for p, g, ms, buf in self.blocks(param, self.state["ms"]):
            move_toward_square(ms, buf, g, rate)  # ms += (1 - alpha) * (g * g - ms)
            buf[...] = ms  # p -= lr * g / (sqrt(ms) + eps)
            subtract_adaptive_step(p, buf, g, lr, eps)


class RMSprop(Optimizer):
    """RMSprop.

    Args:
        lr: the learning rate (default 0.01).
        alpha: the decay of the mean of squares (default 0.99).
        eps: added to the denominator (default 1e-8).
    """

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8) -> None:
        super().__init__(lr=lr, alpha=alpha, eps=eps)

    def create_update_rule(self) -> RMSpropRule:
        """A rule reading this optimizer's hyperparameters."""
        return RMSpropRule(self.hyperparam)
