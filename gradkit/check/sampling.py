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

__all__ = ["signed_direction", "signed_directions", "make_rng"]


def make_rng(seed: int) -> numpy.random.Generator:
    """The generator of a check with ``seed``."""
    return numpy.random.default_rng(seed)


def signed_direction(rng: numpy.random.Generator, shape: tuple[int, ...]) -> numpy.ndarray:
    """A float64 array of ``shape`` with elements ``±U(0.5, 1.5)``, signs equally likely.

    >>> d = signed_direction(make_rng(0), (1000,))
    >>> bool(((abs(d) >= 0.5) & (abs(d) <= 1.5)).all()), bool((d < 0).any() and (d > 0).any())
    (True, True)
    """
    # One draw: r ~ U(-1, 1) gives the sign and |r| ~ U(0, 1), independent of each other.
    r = rng.uniform(-1.0, 1.0, size=shape)
    return numpy.asarray(r + numpy.copysign(0.5, r))  # a 0-d array, never a NumPy scalar


def signed_directions(
    rng: numpy.random.Generator, shapes: list[tuple[int, ...]]
) -> list[numpy.ndarray]:
    """One signed direction per shape, from a single draw (cheaper than one draw each).

    >>> a, b = signed_directions(make_rng(0), [(2, 3), ()])
    >>> a.shape, b.shape
    ((2, 3), ())
    """
    sizes = [int(numpy.prod(s)) for s in shapes]
    flat = signed_direction(rng, (sum(sizes),))
    out = []
    start = 0
    for shape, size in zip(shapes, sizes, strict=True):
        out.append(flat[start : start + size].reshape(shape))
        start += size
    return out
