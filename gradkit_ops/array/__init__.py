"""Array manipulation: reshaping, joining and cutting, gathering and scattering, padding,
copying, reordering and casting.

Every op moves or copies elements without arithmetic, so every gradient moves or adds the
output gradient back (a reshape, a transpose, a slice, a scatter-add). Ops the engine already
has (``reshape``, ``transpose``, ``broadcast_to``, ``getitem``) are re-exported with their specs.
"""

from __future__ import annotations

from gradkit_ops.array.broadcast_to import broadcast_to
from gradkit_ops.array.cast import cast
from gradkit_ops.array.concat import concat, split, stack
from gradkit_ops.array.diagonal import diagonal
from gradkit_ops.array.flip import flip
from gradkit_ops.array.getitem import getitem
from gradkit_ops.array.pad import pad
from gradkit_ops.array.reshape import expand_dims, flatten, reshape, squeeze
from gradkit_ops.array.roll import roll
from gradkit_ops.array.scatter_add import scatter_add
from gradkit_ops.array.sort import argsort, sort
from gradkit_ops.array.take import take
from gradkit_ops.array.take_along_axis import take_along_axis
from gradkit_ops.array.tile import repeat, tile
from gradkit_ops.array.topk import topk
from gradkit_ops.array.transpose import moveaxis, swapaxes, transpose
from gradkit_ops.array.triangle import tril, triu

__all__ = [
    "reshape",
    "flatten",
    "expand_dims",
    "squeeze",
    "transpose",
    "swapaxes",
    "moveaxis",
    "broadcast_to",
    "concat",
    "stack",
    "split",
    "getitem",
    "take",
    "take_along_axis",
    "scatter_add",
    "pad",
    "tile",
    "repeat",
    "flip",
    "roll",
    "cast",
    "diagonal",
    "tril",
    "triu",
    "sort",
    "argsort",
    "topk",
]
