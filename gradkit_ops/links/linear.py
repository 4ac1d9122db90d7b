"""Linear: the fully connected layer ``y = x W^T + b``, with a lazily known input size."""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit import Link, Parameter, Variable, initializers
from gradkit_ops.linalg import linear

__all__ = ["Linear"]


class Linear(Link):
    """The fully connected layer ``y = x W^T + b``, ``W`` of shape ``(out_size, in_size)``.

    ``Linear(out_size)`` (or ``in_size=None``) leaves the input size open: ``W`` is created at
    the first call, from the input's shape. Inputs with more than ``n_batch_axes`` axes are
    flattened into features, as in Chainer.

    Args:
        in_size: the number of input features, or ``None`` (lazy).
        out_size: the number of output features.
        nobias: leave the bias out.
        initialW: the initializer of ``W`` (default :class:`~gradkit.initializers.LeCunNormal`,
            Chainer's choice).
        initial_bias: the initializer of ``b`` (default zeros).
        dtype: the dtype of the parameters (default float32).

    >>> import numpy as np
    >>> layer = Linear(3)  # the input size comes with the first call
    >>> layer.W.array is None
    True
    >>> layer(np.ones((2, 5), dtype=np.float32)).shape
    (2, 3)
    >>> layer.W.shape
    (3, 5)
    """

    def __init__(
        self,
        in_size: int | None,
        out_size: int | None = None,
        *,
        nobias: bool = False,
        initialW: Any = None,
        initial_bias: Any = None,
        dtype: Any = numpy.float32,
    ) -> None:
        super().__init__()
        if out_size is None:
            in_size, out_size = None, in_size
        if out_size is None or out_size < 0:
            raise ValueError(f"Linear: out_size must be a non-negative int; got {out_size}")
        self.in_size = in_size
        self.out_size = int(out_size)
        init_W = initializers.LeCunNormal() if initialW is None else initialW
        self.W = Parameter(init_W, dtype=dtype)
        if in_size is not None:
            self.W.initialize((self.out_size, int(in_size)))
        if nobias:
            self.b = None
        else:
            init_b = 0.0 if initial_bias is None else initial_bias
            self.b = Parameter(init_b, (self.out_size,), dtype=dtype)

    def forward(self, x: Any, n_batch_axes: int = 1) -> Variable:
        """``x W^T + b``; the first ``n_batch_axes`` axes of ``x`` are batch axes."""
        if self.W.array is None:
            self.in_size = math.prod(x.shape[n_batch_axes:])
            self.W.initialize((self.out_size, self.in_size))
        return linear(x, self.W, self.b, n_batch_axes=n_batch_axes)

    def _repr_fields(self) -> str:
        bias = ", nobias=True" if self.b is None else ""
        return f"in_size={self.in_size}, out_size={self.out_size}{bias}"
