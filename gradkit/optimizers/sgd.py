r"""Stochastic gradient descent, plain and with momentum (classical or Nesterov).

.. math::
    \text{SGD:}\quad p \leftarrow p - \eta g

.. math::
    \text{MomentumSGD:}\quad v \leftarrow \mu v - \eta g,\quad p \leftarrow p + v

.. math::
    \text{Nesterov:}\quad v \leftarrow \mu v - \eta g,\quad p \leftarrow p + \mu v - \eta g

The velocity ``v`` holds the step itself, as in Chainer (PyTorch's buffer is ``-v / lr``; the
two agree while the learning rate is constant). The Nesterov form is the usual
reformulation of Sutskever et al. (2013), the one PyTorch implements.
"""

from __future__ import annotations

from typing import Any

from gradkit.optimizers.blocked import subtract_scaled
from gradkit.optimizers.optimizer import Optimizer, UpdateRule
from gradkit.parameter import Parameter

__all__ = ["SGD", "SGDRule", "MomentumSGD", "MomentumSGDRule"]


class SGDRule(UpdateRule):
    """``p -= lr * g``."""

    def update_core(self, param: Parameter) -> None:
        """One SGD step on ``param.array`` (in cache-sized blocks on NumPy)."""
        subtract_scaled(param._data, param._grad_var._data, self.hyperparam.lr)


class SGD(Optimizer):
    """Stochastic gradient descent.

    Args:
        lr: the learning rate (default 0.01).

    >>> import numpy as np, gradkit
    >>> link = gradkit.Link()
    >>> link.w = gradkit.Parameter(np.array([1.0], dtype=np.float32))
    >>> opt = SGD(lr=0.1).setup(link)
    >>> loss = opt.update(lambda: (link.w * link.w).sum())  # gradient 2w = 2
    >>> link.w.array
    array([0.8], dtype=float32)
    """

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr=lr)

    def create_update_rule(self) -> SGDRule:
        """A rule reading this optimizer's ``lr``."""
        return SGDRule(self.hyperparam)


class MomentumSGDRule(UpdateRule):
    """``v = momentum * v - lr * g``, then ``p += v`` (or ``p += momentum * v - lr * g``)."""

    def init_state(self, param: Parameter) -> dict[str, Any]:
        """The velocity ``v``, zeros like the parameter."""
        return {"v": param.xp.zeros_like(param.array)}

    def update_core(self, param: Parameter) -> None:
        """One momentum step on ``param.array`` (in cache-sized blocks on NumPy)."""
        hp = self.hyperparam
        lr, momentum, nesterov = hp.lr, hp.momentum, hp.nesterov
        for p, g, v, buf in self.blocks(param, self.state["v"]):
            buf[...] = g
            buf *= lr  # buf = lr * g
            v *= momentum
            v -= buf
            if nesterov:
                p -= buf
                buf[...] = v
                buf *= momentum
                p += buf
            else:
                p += v


class MomentumSGD(Optimizer):
    """SGD with momentum.

    Args:
        lr: the learning rate (default 0.01).
        momentum: the decay of the velocity (default 0.9).
        nesterov: use Nesterov's accelerated gradient (default ``False``).
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__(lr=lr, momentum=momentum, nesterov=bool(nesterov))

    def create_update_rule(self) -> MomentumSGDRule:
        """A rule reading this optimizer's hyperparameters."""
        return MomentumSGDRule(self.hyperparam)
