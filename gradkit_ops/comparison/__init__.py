"""Comparison and selection: maximum, minimum, clip, where, and the rounding functions floor,
ceil and round, with fmod.

Their gradients are selections (a constant mask, or a share at ties) or zero (the rounding
functions, which are piecewise constant); each module documents its kinks.
"""

from __future__ import annotations

from gradkit_ops.comparison.clip import clip
from gradkit_ops.comparison.fmod import fmod
from gradkit_ops.comparison.maximum import maximum, minimum
from gradkit_ops.comparison.rounding import ceil, floor, round
from gradkit_ops.comparison.where import where

__all__ = ["maximum", "minimum", "clip", "where", "floor", "ceil", "round", "fmod"]
