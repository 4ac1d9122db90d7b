"""Seeded random draws of a check: signed directions and output weights.

Directions are *signed* and bounded away from zero: each element is ``±U(0.5, 1.5)``. Signs
make a wrong element impossible to hide behind a sum of positive weights (the blind spot of
checkers with fixed non-negative directions); the magnitude bounds give every element a
comparable weight. Everything is drawn on the host in float64 from one
``numpy.random.Generator`` seeded by the check's seed, so a check is reproduced exactly on any
device.
"""

from __future__ import annotations

import numpy

__all__ = ["signed_direction", "make_rng"]


def make_rng(seed: int) -> numpy.random.Generator:
    """The generator of a check with ``seed``."""
    return numpy.random.default_rng(seed)


def signed_direction(rng: numpy.random.Generator, shape: tuple[int, ...]) -> numpy.ndarray:
    """A float64 array of ``shape`` with elements ``±U(0.5, 1.5)``, signs equally likely.

    >>> d = signed_direction(make_rng(0), (1000,))
    >>> bool(((abs(d) >= 0.5) & (abs(d) <= 1.5)).all()), bool((d < 0).any() and (d > 0).any())
    (True, True)
    """
    magnitude = rng.uniform(0.5, 1.5, size=shape)
    sign = rng.integers(0, 2, size=shape) * 2 - 1
    return numpy.asarray(magnitude * sign)  # a 0-d array, never a NumPy scalar
