"""Convolution and pooling over the trailing spatial axes of ``(N, C, *spatial)`` arrays.

Every op here is built on the windows of a kernel (:mod:`gradkit_ops.conv.unfold`): a
convolution is ``unfold`` (im2col) followed by one matrix product, and its gradient is again
``fold``, ``unfold`` and matrix products, so derivatives of every order follow. Pooling reads
the same windows tap by tap.
"""

from __future__ import annotations

from gradkit_ops.conv.adaptive_avg_pool import adaptive_avg_pool2d
from gradkit_ops.conv.avg_pool import avg_pool, avg_pool1d, avg_pool2d
from gradkit_ops.conv.conv import conv1d, conv2d, conv3d, convolution
from gradkit_ops.conv.conv_transpose import conv_transpose, conv_transpose1d, conv_transpose2d
from gradkit_ops.conv.max_pool import max_pool, max_pool1d, max_pool2d
from gradkit_ops.conv.pixel_shuffle import pixel_shuffle
from gradkit_ops.conv.unfold import fold, unfold
from gradkit_ops.conv.upsample import upsample

__all__ = [
    "unfold",
    "fold",
    "conv1d",
    "conv2d",
    "conv3d",
    "convolution",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose",
    "max_pool1d",
    "max_pool2d",
    "max_pool",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool",
    "adaptive_avg_pool2d",
    "upsample",
    "pixel_shuffle",
]
