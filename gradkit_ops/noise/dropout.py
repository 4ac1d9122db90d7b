r"""Dropout: in training, each element is zeroed with probability ``ratio`` and the others are
scaled by :math:`1 / (1 - \text{ratio})` (inverted dropout, so test mode is the identity).

.. math::
    y = m \odot x, \quad m_i = \begin{cases} 1 / (1 - r) & \text{with probability } 1 - r \\
    0 & \text{with probability } r \end{cases}, \quad
    \frac{\partial L}{\partial x} = m \odot g

with :math:`g` the output gradient. The gradient is a product with the same fixed mask, so
every higher order follows (and is zero past the first).

The mask comes from ``gradkit.config.train`` and an explicit source of randomness:

* ``seed=<int>``: the mask is a pure function of the seed and the shape. Every call with the
  same seed draws the same mask, which is what a gradient check needs (the checker evaluates
  the op many times and must see one function).
* ``seed=<numpy.random.Generator>``: a new mask per call, drawn from the generator.
* ``seed=None``: a new mask per call, from fresh OS entropy.
* ``mask=<array>``: this mask itself (Chainer's convention: already scaled, ``0`` or
  ``1 / (1 - ratio)``), e.g. one returned by ``return_mask=True``.

The mask is drawn on the host with NumPy and sent to ``x``'s device once, so one seed gives
one mask on every device (the CPU and GPU results of a seeded dropout agree exactly). In test
mode (``gradkit.config.train`` false) dropout returns its input unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy

import gradkit
from gradkit import FunctionNode, Variable, as_array, as_variable, get_array_module
from gradkit.arithmetic import mul
from gradkit.testing import Input, Unchecked, op_spec

__all__ = ["Dropout", "dropout", "host_mask"]


class Dropout(FunctionNode):
    """``x * mask`` for a fixed mask array (scaled, on ``x``'s device and in its dtype)."""

    spec = Unchecked("applied and checked through gradkit_ops.dropout()")

    def __init__(self, mask: Any) -> None:
        self.mask = mask

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        return (inputs[0] * self.mask,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return (mul(grad_outputs[0], self.mask),)


def host_mask(
    shape: tuple[int, ...], ratio: float, seed: int | numpy.random.Generator | None
) -> numpy.ndarray:
    """The scaled dropout mask (float64, on the host) that :func:`dropout` draws for ``shape``
    and ``seed``: ``0`` with probability ``ratio``, ``1 / (1 - ratio)`` otherwise."""
    rng = seed if isinstance(seed, numpy.random.Generator) else numpy.random.default_rng(seed)
    keep = rng.random(shape) >= ratio
    return keep * (1.0 / (1.0 - ratio))


def dropout(
    x: Any,
    ratio: float = 0.5,
    *,
    seed: int | numpy.random.Generator | None = None,
    mask: Any = None,
    return_mask: bool = False,
) -> Variable | tuple[Variable, Any]:
    """Zero each element of ``x`` with probability ``ratio`` and scale the rest by
    ``1 / (1 - ratio)``, in training mode; the identity in test mode (see the module for
    ``seed`` and ``mask``). With ``return_mask``, returns ``(y, mask)``; the mask is ``None``
    in test mode.

    >>> import numpy as np, gradkit
    >>> x = np.ones(6)
    >>> dropout(x, 0.5, seed=1).array
    array([2., 2., 0., 2., 0., 0.])
    >>> with gradkit.using_config("train", False):
    ...     dropout(x, 0.5, seed=1).array
    array([1., 1., 1., 1., 1., 1.])
    """
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"dropout: ratio must be in [0, 1); got {ratio}")
    if not gradkit.config.train:
        y = as_variable(x)
        return (y, None) if return_mask else y
    data = as_array(x)
    xp = get_array_module(data)
    if mask is None:
        mask = host_mask(tuple(data.shape), ratio, seed)
        mask = xp.asarray(mask, dtype=data.dtype, device=data.device)
    else:
        if seed is not None:
            raise ValueError("dropout: give seed= or mask=, not both")
        mask = as_array(mask)
        if get_array_module(mask) is not xp or mask.device != data.device:
            raise gradkit.DeviceMismatchError(
                f"dropout: the mask is on {gradkit.get_device_from_array(mask)} but x is on "
                f"{gradkit.get_device_from_array(data)}; send the mask to x's device"
            )
        if tuple(mask.shape) != tuple(data.shape) or mask.dtype != data.dtype:
            raise ValueError(
                f"dropout: the mask must have x's shape {tuple(data.shape)} and dtype "
                f"{data.dtype}; got shape {tuple(mask.shape)} and dtype {mask.dtype}"
            )
    y = Dropout(mask).apply((x,))[0]
    return (y, mask) if return_mask else y


def _in_test_mode(x: Variable) -> Variable:
    with gradkit.using_config("train", False):
        return dropout(x, 0.5, seed=0)


SHAPES = [(3, 4), (), (0, 3), (2, 3, 4), "3x4nc"]
# A fixed seed: every evaluation sees the same mask, so the op is a fixed linear map.
op_spec(
    name="dropout",
    kwargs={"ratio": 0.4, "seed": 0},
    shapes=SHAPES,
    reference=lambda x: x * host_mask(x.shape, 0.4, 0),
)(dropout)
op_spec(
    name="dropout.ratio0",
    kwargs={"ratio": 0.0, "seed": 3},
    shapes=[(3, 4), "3x4nc"],
    reference=lambda x: x,
)(dropout)
op_spec(
    name="dropout.test",
    inputs=[Input(domain=(-2.0, 2.0))],
    factory=lambda: _in_test_mode,
    shapes=[(3, 4), (), "3x4nc"],
    reference=lambda x: x,
)(dropout)
