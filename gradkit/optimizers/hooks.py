r"""Optimizer hooks: weight decay, Lasso and gradient clipping.

Add one to an optimizer with ``optimizer.add_hook(hook)``; it then runs before every update.
:class:`WeightDecay` and :class:`Lasso` act on each parameter separately (so they can also be
added to a single parameter's rule: ``link.W.update_rule.add_hook(WeightDecay(1e-4))``);
:class:`GradientClipping` looks at all the gradients at once.

Hooks replace ``param.grad`` with a new array instead of writing into it: a gradient may be a
read-only view (the gradient of a sum is a broadcast), or shared with the caller.

.. math::
    \text{WeightDecay:}\ g \leftarrow g + \lambda p \qquad
    \text{Lasso:}\ g \leftarrow g + \lambda\,\mathrm{sign}(p)

.. math::
    \text{GradientClipping:}\ g \leftarrow g \cdot \min\Big(1,
        \frac{\theta}{\lVert (g_1, \dots, g_n) \rVert_2 + 10^{-6}}\Big)
"""

from __future__ import annotations

from typing import Any

from gradkit.backend import get_array_module
from gradkit.parameter import Parameter

__all__ = ["WeightDecay", "Lasso", "GradientClipping"]


class WeightDecay:
    """L2 regularization: adds ``rate * p`` to each gradient (``rate / 2 * ||p||^2`` to the
    loss). For decoupled weight decay, use :class:`~gradkit.optimizers.AdamW` instead.

    >>> import numpy as np, gradkit
    >>> from gradkit.optimizers import SGD
    >>> link = gradkit.Link()
    >>> link.w = gradkit.Parameter(np.array([2.0], dtype=np.float32))
    >>> opt = SGD(lr=0.1).setup(link)
    >>> opt.add_hook(WeightDecay(0.5))
    >>> link.w.grad = np.zeros(1, dtype=np.float32)
    >>> _ = opt.update()
    >>> link.w.array  # 2 - 0.1 * (0 + 0.5 * 2)
    array([1.9], dtype=float32)
    """

    name = "WeightDecay"
    call_for_each_param = True
    timing = "pre"

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)

    def __call__(self, rule: Any, param: Parameter) -> None:
        """Add ``rate * param.array`` to ``param.grad``."""
        g = param.grad
        if g is not None and self.rate:
            param.grad = g + self.rate * param.array


class Lasso:
    """L1 regularization: adds ``rate * sign(p)`` to each gradient (``rate * |p|_1`` to the
    loss)."""

    name = "Lasso"
    call_for_each_param = True
    timing = "pre"

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)

    def __call__(self, rule: Any, param: Parameter) -> None:
        """Add ``rate * sign(param.array)`` to ``param.grad``."""
        g = param.grad
        if g is not None and self.rate:
            p = param.array
            param.grad = g + self.rate * get_array_module(p).sign(p)


class GradientClipping:
    """Scales all the gradients together so that their global L2 norm is at most
    ``threshold`` (they are left as they are when it is already below).

    The scale is computed on the gradients' device, without a host synchronization.

    >>> import numpy as np, gradkit
    >>> from gradkit.optimizers import SGD
    >>> link = gradkit.Link()
    >>> link.w = gradkit.Parameter(np.zeros(2, dtype=np.float32))
    >>> opt = SGD(lr=1.0).setup(link)
    >>> opt.add_hook(GradientClipping(1.0))
    >>> link.w.grad = np.array([3.0, 4.0], dtype=np.float32)  # norm 5
    >>> _ = opt.update()
    >>> np.round(link.w.array, 4)
    array([-0.6, -0.8], dtype=float32)
    """

    name = "GradientClipping"
    call_for_each_param = False
    timing = "pre"

    def __init__(self, threshold: float) -> None:
        if not threshold > 0:
            raise ValueError(f"GradientClipping: threshold must be > 0; got {threshold}")
        self.threshold = float(threshold)

    def __call__(self, optimizer: Any) -> None:
        """Rescale the gradients of ``optimizer.target``'s parameters."""
        params = [p for p in optimizer.target.params(include_uninit=False) if p.grad is not None]
        if not params:
            return
        sq_norm = None
        for p in params:
            g = p.grad
            xp = get_array_module(g)
            flat = xp.reshape(g, (-1,))
            term = xp.vecdot(flat, flat)
            sq_norm = term if sq_norm is None else sq_norm + term
        xp = get_array_module(sq_norm)
        rate = xp.clip(self.threshold / (xp.sqrt(sq_norm) + 1e-6), max=1.0)
        for p in params:
            g = p.grad
            p.grad = g * xp.astype(rate, g.dtype)
