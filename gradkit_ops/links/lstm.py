"""LSTM: a long short-term memory layer that keeps its state across calls."""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Chain, Variable, as_array
from gradkit_ops.array import concat, getitem
from gradkit_ops.links.linear import Linear
from gradkit_ops.recurrent import lstm

__all__ = ["LSTM"]


class LSTM(Chain):
    """A stateful LSTM layer, as Chainer's ``L.LSTM``: each call takes one time step ``x``
    (shape ``(B, in_size)``) and returns the new hidden state ``h`` (shape
    ``(B, out_size)``); the cell state ``c`` and ``h`` are kept for the next call until
    :meth:`reset_state`.

    The gate pre-activations are ``upward(x) + lateral(h)``: ``upward`` is a
    :class:`~gradkit_ops.links.Linear` from ``in_size`` to ``4 * out_size`` and ``lateral`` one
    from ``out_size`` to ``4 * out_size`` without bias, in the interleaved gate layout of
    :func:`gradkit_ops.recurrent.lstm`. The forget gates' bias starts at
    ``forget_bias_init`` (1 by default), which helps gradients flow early in training.

    A batch may shrink from one step to the next (sequences of decreasing lengths, sorted):
    only the first ``B`` rows of the state advance, the others are kept.

    Args:
        in_size: the input size, or ``None`` (taken from the first input); with one
            argument, ``LSTM(out_size)``.
        out_size: the size of the hidden and cell states.
        forget_bias_init: the initial bias of the forget gates.
        dtype: the dtype of the parameters (default float32).

    >>> import numpy as np
    >>> layer = LSTM(3, 5)
    >>> h = layer(np.ones((2, 3), dtype=np.float32))
    >>> h = layer(np.ones((2, 3), dtype=np.float32))  # the second step sees the first's state
    >>> h.shape, layer.c.shape
    ((2, 5), (2, 5))
    >>> layer.reset_state()
    >>> layer.h is None
    True
    """

    def __init__(
        self,
        in_size: int | None,
        out_size: int | None = None,
        *,
        forget_bias_init: float = 1.0,
        dtype: Any = numpy.float32,
    ) -> None:
        super().__init__()
        if out_size is None:
            in_size, out_size = None, in_size
        if out_size is None:
            raise ValueError("LSTM: out_size is required")
        self.out_size = int(out_size)
        self.upward = Linear(in_size, 4 * self.out_size, dtype=dtype)
        self.lateral = Linear(self.out_size, 4 * self.out_size, nobias=True, dtype=dtype)
        # Interleaved layout: the gates of unit k are columns 4k .. 4k+3 (a, i, f, o).
        self.upward.b.array[2::4] = forget_bias_init
        self.c: Variable | None = None
        self.h: Variable | None = None

    def reset_state(self) -> None:
        """Forget the cell and hidden states (start a new sequence)."""
        self.c = self.h = None

    def set_state(self, c: Any, h: Any) -> None:
        """Start from the given cell and hidden states (arrays or Variables)."""
        self.c, self.h = c, h

    def forward(self, x: Any) -> Variable:
        """One time step: update the state from ``x`` and return the new ``h``."""
        gates = self.upward(x)
        batch = x.shape[0]
        h_rest = None
        if self.h is not None:
            h = self.h
            if h.shape[0] > batch:
                h, h_rest = getitem(h, slice(0, batch)), getitem(h, slice(batch, None))
            elif h.shape[0] < batch:
                raise ValueError(
                    f"LSTM: the batch grew from {h.shape[0]} to {batch}; a batch may only "
                    "shrink from one step to the next (call reset_state() for a new sequence)"
                )
            gates = gates + self.lateral(h)
        c = self.c
        if c is None:
            data = as_array(gates)
            xp = self.xp
            c = xp.zeros((batch, self.out_size), dtype=data.dtype, device=data.device)
        self.c, h = lstm(c, gates)
        self.h = h if h_rest is None else concat([h, h_rest], axis=0)
        return h

    def _repr_fields(self) -> str:
        return f"in_size={self.upward.in_size}, out_size={self.out_size}"
