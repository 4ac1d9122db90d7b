r"""pixel_shuffle: rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (sub-pixel
convolution, Shi et al. 2016), as PyTorch.

.. math:: y[\dots, c, h r + i, w r + j] = x[\dots, c r^2 + i r + j, h, w]

A permutation of the elements: a reshape to :math:`(*, C, r, r, H, W)`, a transpose to
:math:`(*, C, H, r, W, r)` and a reshape. Its gradient is the inverse permutation of the
output gradient (the same three steps backwards), to any order.
"""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import reshape, transpose
from gradkit.testing import op_spec

__all__ = ["pixel_shuffle"]


def pixel_shuffle(x: Any, upscale_factor: int) -> Variable:
    """Move blocks of ``upscale_factor ** 2`` channels of ``x`` ``(*, C r^2, H, W)`` into
    ``r x r`` spatial blocks: the result has shape ``(*, C, H r, W r)``.

    >>> import numpy as np
    >>> from gradkit_ops.conv import pixel_shuffle
    >>> pixel_shuffle(np.arange(4.0).reshape(1, 4, 1, 1), 2).array
    array([[[[0., 1.],
             [2., 3.]]]])
    """
    r = upscale_factor
    if isinstance(r, bool) or not isinstance(r, int) or r < 1:
        raise ValueError(f"pixel_shuffle: upscale_factor must be a positive int; got {r!r}")
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ValueError(
            f"pixel_shuffle: expected an input of shape (*, C * {r * r}, H, W) with channels "
            f"divisible by upscale_factor ** 2 = {r * r}; got shape {tuple(x.shape)}"
        )
    *lead, c, h, w = x.shape
    lead = tuple(lead)
    k = len(lead)
    y = reshape(x, (*lead, c // (r * r), r, r, h, w))
    axes = (*range(k), k, k + 3, k + 1, k + 4, k + 2)
    y = transpose(y, axes)  # (*, C, H, r, W, r)
    return reshape(y, (*lead, c // (r * r), h * r, w * r))


def pixel_shuffle_reference(x: numpy.ndarray, r: int) -> numpy.ndarray:
    """pixel_shuffle by plain loops over output elements (for specs and tests)."""
    *lead, c, h, w = x.shape
    y = numpy.zeros((*lead, c // (r * r), h * r, w * r), dtype=x.dtype)
    for ch in range(c // (r * r)):
        for row in range(h * r):
            for col in range(w * r):
                i, j = row % r, col % r
                y[..., ch, row, col] = x[..., ch * r * r + i * r + j, row // r, col // r]
    return y


op_spec(
    name="pixel_shuffle",
    kwargs={"upscale_factor": 2},
    shapes=[(2, 8, 3, 2), "2x8x3x2nc", (0, 4, 2, 2), (4, 2, 3)],
    reference=lambda x: pixel_shuffle_reference(x, 2),
)(pixel_shuffle)
op_spec(
    name="pixel_shuffle.three",
    kwargs={"upscale_factor": 3},
    shapes=[(1, 2, 9, 2, 2)],
    reference=lambda x: pixel_shuffle_reference(x, 3),
)(pixel_shuffle)
