"""Convolution2D: a 2-d convolution layer over ``(N, C, H, W)`` inputs."""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Link, Parameter, Variable, initializers
from gradkit_ops.conv import conv2d

__all__ = ["Convolution2D"]


def _pair(name: str, value: Any) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise ValueError(f"Convolution2D: {name} must be an int or a pair of ints; got {value!r}")
    return pair  # type: ignore[return-value]


class Convolution2D(Link):
    """A 2-d convolution: ``W`` of shape ``(out_channels, in_channels / groups, kh, kw)`` and
    the bias ``b`` of shape ``(out_channels,)``.

    ``Convolution2D(out_channels, ksize)`` (or ``in_channels=None``) leaves the number of
    input channels open until the first call, as in Chainer.

    Args:
        in_channels: the input channels, or ``None`` (lazy).
        out_channels: the output channels.
        ksize: the kernel size, an int or ``(kh, kw)``.
        stride, pad, dilate: ints or pairs (``pad`` adds zeros on both sides).
        groups: split the channels into this many independent convolutions.
        nobias: leave the bias out.
        initialW: the initializer of ``W`` (default
            :class:`~gradkit.initializers.LeCunNormal`).
        initial_bias: the initializer of ``b`` (default zeros).
        dtype: the dtype of the parameters (default float32).

    >>> import numpy as np
    >>> conv = Convolution2D(4, 3, pad=1)  # 4 output channels, 3x3 kernel
    >>> conv(np.ones((2, 3, 8, 8), dtype=np.float32)).shape
    (2, 4, 8, 8)
    >>> conv.W.shape
    (4, 3, 3, 3)
    """

    def __init__(
        self,
        in_channels: int | None,
        out_channels: int,
        ksize: int | tuple[int, int] | None = None,
        stride: int | tuple[int, int] = 1,
        pad: int | tuple[int, int] = 0,
        *,
        dilate: int | tuple[int, int] = 1,
        groups: int = 1,
        nobias: bool = False,
        initialW: Any = None,
        initial_bias: Any = None,
        dtype: Any = numpy.float32,
    ) -> None:
        super().__init__()
        if ksize is None:
            in_channels, out_channels, ksize = None, in_channels, out_channels  # type: ignore
        self.in_channels = in_channels
        self.out_channels = int(out_channels)  # type: ignore[arg-type]
        self.ksize = _pair("ksize", ksize)
        self.stride = _pair("stride", stride)
        self.pad = _pair("pad", pad)
        self.dilate = _pair("dilate", dilate)
        self.groups = int(groups)
        if self.groups < 1 or self.out_channels % self.groups:
            raise ValueError(
                f"Convolution2D: out_channels={self.out_channels} must be a multiple of "
                f"groups={groups}"
            )
        self.W = Parameter(
            initializers.LeCunNormal() if initialW is None else initialW, dtype=dtype
        )
        if in_channels is not None:
            self._initialize_W(int(in_channels))
        if nobias:
            self.b = None
        else:
            init_b = 0.0 if initial_bias is None else initial_bias
            self.b = Parameter(init_b, (self.out_channels,), dtype=dtype)

    def _initialize_W(self, in_channels: int) -> None:
        if in_channels % self.groups:
            raise ValueError(
                f"Convolution2D: in_channels={in_channels} must be a multiple of "
                f"groups={self.groups}"
            )
        self.in_channels = in_channels
        self.W.initialize((self.out_channels, in_channels // self.groups, *self.ksize))

    def forward(self, x: Any) -> Variable:
        """The convolution of ``x`` ``(N, C, H, W)``."""
        if self.W.array is None:
            if x.ndim != 4:
                raise ValueError(
                    f"Convolution2D: expected an input of shape (N, C, H, W); got {x.shape}"
                )
            self._initialize_W(x.shape[1])
        return conv2d(x, self.W, self.b, self.stride, self.pad, self.dilate, self.groups)

    def _repr_fields(self) -> str:
        return (
            f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
            f"ksize={self.ksize}, stride={self.stride}, pad={self.pad}"
        )
