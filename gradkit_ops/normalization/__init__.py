"""Normalization layers: batch normalization (batch statistics in training, running ones in
test mode), layer, instance and group normalization, local response normalization and L2
normalization along an axis.

Batch, layer, instance and group normalization share one core node that standardizes over a
set of axes and then scales and shifts; its first-order gradient is one fused node whose own
backward is written with gradkit ops, so every order of gradient works.
"""

from __future__ import annotations

from gradkit_ops.normalization.batch_norm import batch_norm, fixed_batch_norm
from gradkit_ops.normalization.group_norm import group_norm
from gradkit_ops.normalization.instance_norm import instance_norm
from gradkit_ops.normalization.layer_norm import layer_norm
from gradkit_ops.normalization.local_response_norm import local_response_norm
from gradkit_ops.normalization.normalize import normalize

__all__ = [
    "batch_norm",
    "fixed_batch_norm",
    "layer_norm",
    "instance_norm",
    "group_norm",
    "local_response_norm",
    "normalize",
]
