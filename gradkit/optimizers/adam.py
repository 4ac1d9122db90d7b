r"""Adam (Kingma and Ba 2015) and AdamW (Loshchilov and Hutter 2019).

.. math::
    m \leftarrow \beta_1 m + (1 - \beta_1) g,\qquad
    v \leftarrow \beta_2 v + (1 - \beta_2) g^2

.. math::
    p \leftarrow p - \eta\,\lambda\,p - \eta\,
        \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}

``t`` counts the updates of the parameter. The weight decay :math:`\lambda` is decoupled from
the gradient (AdamW) and scaled by the learning rate, as in PyTorch's ``AdamW``;
``Adam`` has :math:`\lambda = 0` by default. With ``amsgrad=True`` the denominator uses the
largest :math:`v` seen so far (Reddi et al. 2018).

Every step works in place in the parameter's namespace and allocates nothing: on NumPy in
cache-sized blocks with a block-sized scratch (:mod:`gradkit.optimizers.blocked`), elsewhere
over the whole arrays with one scratch array per parameter.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit.optimizers.adaptive_step import move_toward_square, subtract_adaptive_step
from gradkit.optimizers.optimizer import Optimizer, UpdateRule
from gradkit.parameter import Parameter

__all__ = ["Adam", "AdamW", "AdamRule"]

_ndarray = numpy.ndarray
_maximum = numpy.maximum


class AdamRule(UpdateRule):
    """One parameter's Adam step, with the moment estimates ``m`` and ``v`` as state."""

    def init_state(self, param: Parameter) -> dict[str, Any]:
        """``m`` and ``v`` (and ``vhat`` with amsgrad), zeros like the parameter."""
        xp = param.xp
        state = {"m": xp.zeros_like(param.array), "v": xp.zeros_like(param.array)}
        if self.hyperparam.amsgrad:
            state["vhat"] = xp.zeros_like(param.array)
        return state

    def update_core(self, param: Parameter) -> None:
        """One Adam step on ``param.array`` (in cache-sized blocks on NumPy)."""
        hp = self.hyperparam
        lr, beta1, beta2, eps = hp.lr, hp.beta1, hp.beta2, hp.eps
        t = self.t
        decay = 1.0 - lr * hp.weight_decay_rate if hp.weight_decay_rate else None
        amsgrad = hp.amsgrad
        rate1, rate2 = 1.0 - beta1, 1.0 - beta2
        inv_bias2 = 1.0 / (1.0 - beta2**t)
        step_size = lr / (1.0 - beta1**t)
        xp = param.xp
        state = self.state
        moments = (state["m"], state["v"], state["vhat"]) if amsgrad else (state["m"], state["v"])
        for p, g, m, v, *vhat_part, buf in self.blocks(param, *moments):
            buf[...] = g  # m += (1 - beta1) * (g - m)
            buf -= m
            buf *= rate1
            m += buf
            move_toward_square(v, buf, g, rate2)  # v += (1 - beta2) * (g * g - v)

            if decay is not None:
                p *= decay
            if amsgrad:
                vhat = vhat_part[0]
                if type(vhat) is _ndarray:  # in place on NumPy; the array API has no out=
                    _maximum(vhat, v, out=vhat)
                else:
                    vhat[...] = xp.maximum(vhat, v)
                v = vhat
            # denominator sqrt(v / (1 - beta2^t)) + eps, then the step (lr / (1 - beta1^t)) m / it
            buf[...] = v
            buf *= inv_bias2
            subtract_adaptive_step(p, buf, m, step_size, eps)

    @property
    def lr_t(self) -> float:
        """The bias-corrected step size of the last update, ``lr sqrt(1 - beta2^t) /
        (1 - beta1^t)`` (with ``eps`` neglected)."""
        hp = self.hyperparam
        t = max(self.t, 1)
        return hp.lr * math.sqrt(1.0 - hp.beta2**t) / (1.0 - hp.beta1**t)


class Adam(Optimizer):
    """Adam.

    Args:
        lr: the step size :math:`\\eta` (default 0.001; Chainer calls it ``alpha``).
        beta1, beta2: the decays of the moment estimates (defaults 0.9 and 0.999).
        eps: added to the denominator (default 1e-8).
        weight_decay_rate: decoupled weight decay :math:`\\lambda` (default 0).
        amsgrad: use the AMSGrad variant (default ``False``).
    """

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay_rate: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(
            lr=lr,
            beta1=beta1,
            beta2=beta2,
            eps=eps,
            weight_decay_rate=weight_decay_rate,
            amsgrad=bool(amsgrad),
        )

    def create_update_rule(self) -> AdamRule:
        """A rule reading this optimizer's hyperparameters."""
        return AdamRule(self.hyperparam)


class AdamW(Adam):
    """Adam with decoupled weight decay (default ``weight_decay_rate=0.01``, as PyTorch)."""

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay_rate: float = 0.01,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(lr, beta1, beta2, eps, weight_decay_rate, amsgrad)
