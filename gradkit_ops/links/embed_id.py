"""EmbedID: a lookup table of learned vectors, one per integer id."""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Link, Parameter, Variable, initializers
from gradkit_ops.embed import embed_id

__all__ = ["EmbedID"]


class EmbedID(Link):
    """Word embeddings: ``W`` of shape ``(in_size, out_size)`` holds one vector per id, and
    the link maps an integer array of ids (any shape) to their vectors (one more axis).

    Args:
        in_size: the number of ids (the vocabulary).
        out_size: the length of each vector.
        initialW: the initializer of ``W`` (default :class:`~gradkit.initializers.Normal`
            with scale 1, Chainer's).
        ignore_label: an id that maps to the zero vector and gets no gradient (padding).
        dtype: the dtype of ``W`` (default float32).

    >>> import numpy as np
    >>> embed = EmbedID(10, 3, ignore_label=-1)
    >>> embed(np.array([[1, 4], [4, -1]])).shape
    (2, 2, 3)
    """

    def __init__(
        self,
        in_size: int,
        out_size: int,
        *,
        initialW: Any = None,
        ignore_label: int | None = None,
        dtype: Any = numpy.float32,
    ) -> None:
        super().__init__()
        self.in_size = int(in_size)
        self.out_size = int(out_size)
        self.ignore_label = ignore_label
        init = initializers.Normal(1.0) if initialW is None else initialW
        self.W = Parameter(init, (self.in_size, self.out_size), dtype=dtype)

    def forward(self, x: Any) -> Variable:
        """The vectors of the ids ``x``."""
        return embed_id(x, self.W, ignore_label=self.ignore_label)

    def _repr_fields(self) -> str:
        return f"in_size={self.in_size}, out_size={self.out_size}"
