"""BatchNormalization: batch normalization with learned scale and shift and running
statistics for evaluation."""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Link, Parameter, Variable, as_array, config, get_array_module
from gradkit_ops.normalization import batch_norm

__all__ = ["BatchNormalization"]


class BatchNormalization(Link):
    """Batch normalization (Ioffe and Szegedy 2015) over every axis of the input but the
    channel axis 1 (or over ``axis``).

    In training mode (``gradkit.config.train``, the default) the link normalizes with the
    statistics of the batch and folds them into the running statistics ``avg_mean`` and
    ``avg_var`` (``avg = decay * avg + (1 - decay) * batch``, the variance unbiased); in
    evaluation mode (``with gradkit.using_config("train", False):``) it normalizes with the
    running statistics. ``avg_mean``, ``avg_var`` and the number of batches ``N`` are
    persistent: the serializers save them and :meth:`to_device` moves them.

    Args:
        size: the shape of the statistics (``x.shape[1]`` by default), or ``None`` to take it
            from the first input.
        decay: the weight of the past in the running statistics (default 0.9).
        eps: added to the variance (default 2e-5, Chainer's).
        dtype: the dtype of the parameters and statistics (default float32).
        use_gamma, use_beta: learn a scale ``gamma`` (initialized to 1) and a shift ``beta``
            (initialized to 0); when off, they are constants.
        axis: the axes to normalize over (default: every axis but 1).

    >>> import numpy as np, gradkit
    >>> bn = BatchNormalization(2)
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]], dtype=np.float32)
    >>> bn(x).array.round(4)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> bn.avg_mean, bn.N
    (array([0.2, 2. ], dtype=float32), 1)
    >>> with gradkit.using_config("train", False):
    ...     y = bn(x)  # normalized with the running statistics
    """

    def __init__(
        self,
        size: int | tuple[int, ...] | None = None,
        decay: float = 0.9,
        eps: float = 2e-5,
        dtype: Any = numpy.float32,
        *,
        use_gamma: bool = True,
        use_beta: bool = True,
        initial_gamma: Any = None,
        initial_beta: Any = None,
        axis: int | tuple[int, ...] | None = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"BatchNormalization: decay must be in [0, 1]; got {decay}")
        self.decay = float(decay)
        self.eps = float(eps)
        self.axis = axis
        self._dtype = numpy.dtype(dtype)
        self.gamma = (
            Parameter(1.0 if initial_gamma is None else initial_gamma, dtype=dtype)
            if use_gamma
            else None
        )
        self.beta = (
            Parameter(0.0 if initial_beta is None else initial_beta, dtype=dtype)
            if use_beta
            else None
        )
        self.size: tuple[int, ...] | None = None
        self.add_persistent("avg_mean", None)
        self.add_persistent("avg_var", None)
        self.add_persistent("N", 0)
        if size is not None:
            self._initialize((size,) if isinstance(size, int) else tuple(size))

    def _initialize(self, shape: tuple[int, ...]) -> None:
        xp = self.xp
        dtype = self._dtype if xp is numpy else getattr(xp, self._dtype.name)
        self.size = shape
        for p in (self.gamma, self.beta):
            if p is not None:
                p.initialize(shape)
        self.avg_mean = xp.zeros(shape, dtype=dtype, device=self.device.native)
        self.avg_var = xp.ones(shape, dtype=dtype, device=self.device.native)

    def _stat_shape(self, x: Any) -> tuple[int, ...]:
        if self.axis is None:
            return (x.shape[1],)
        axes = (self.axis,) if isinstance(self.axis, int) else self.axis
        axes = tuple(a % x.ndim for a in axes)
        return tuple(s for i, s in enumerate(x.shape) if i not in axes)

    def forward(self, x: Any) -> Variable:
        """Normalize ``x`` (batch statistics in training, running ones in evaluation)."""
        if self.avg_mean is None:
            self._initialize(self._stat_shape(x))
        gamma, beta = self.gamma, self.beta
        if gamma is None or beta is None:  # constants: a scale of 1, a shift of 0
            data = as_array(x)
            xp = get_array_module(data)
            if gamma is None:
                gamma = xp.ones(self.size, dtype=data.dtype, device=data.device)
            if beta is None:
                beta = xp.zeros(self.size, dtype=data.dtype, device=data.device)
        if config.train:
            self.N += 1
        return batch_norm(
            x,
            gamma,
            beta,
            eps=self.eps,
            running_mean=self.avg_mean,
            running_var=self.avg_var,
            decay=self.decay,
            axis=self.axis,
        )

    def _repr_fields(self) -> str:
        size = self.size
        shown = size[0] if size is not None and len(size) == 1 else size
        return f"size={shown}, decay={self.decay}, eps={self.eps}"
