"""LayerNormalization: normalization over the feature axis, with learned scale and shift."""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Link, Parameter, Variable
from gradkit_ops.normalization import layer_norm

__all__ = ["LayerNormalization"]


class LayerNormalization(Link):
    """Layer normalization (Ba et al. 2016) over the last axis: each sample is standardized
    over its ``size`` features, then scaled by ``gamma`` (initialized to 1) and shifted by
    ``beta`` (initialized to 0). It behaves the same in training and evaluation.

    Args:
        size: the number of features, or ``None`` to take it from the first input.
        eps: added to the variance (default 1e-5).
        initial_gamma, initial_beta: initializers of ``gamma`` and ``beta``.
        dtype: the dtype of the parameters (default float32).

    >>> import numpy as np
    >>> ln = LayerNormalization()
    >>> ln(np.array([[1.0, 3.0], [10.0, 30.0]], dtype=np.float32)).array.round(3)
    array([[-1.,  1.],
           [-1.,  1.]], dtype=float32)
    >>> ln.gamma.shape
    (2,)
    """

    def __init__(
        self,
        size: int | None = None,
        eps: float = 1e-5,
        *,
        initial_gamma: Any = None,
        initial_beta: Any = None,
        dtype: Any = numpy.float32,
    ) -> None:
        super().__init__()
        self.eps = float(eps)
        self.size = size
        self.gamma = Parameter(1.0 if initial_gamma is None else initial_gamma, dtype=dtype)
        self.beta = Parameter(0.0 if initial_beta is None else initial_beta, dtype=dtype)
        if size is not None:
            self._initialize(int(size))

    def _initialize(self, size: int) -> None:
        self.size = size
        self.gamma.initialize((size,))
        self.beta.initialize((size,))

    def forward(self, x: Any) -> Variable:
        """Normalize ``x`` over its last axis."""
        if self.gamma.array is None:
            self._initialize(x.shape[-1])
        return layer_norm(x, self.gamma, self.beta, eps=self.eps, axis=-1)

    def _repr_fields(self) -> str:
        return f"size={self.size}, eps={self.eps}"
