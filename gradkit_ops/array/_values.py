"""Input generators for the specs of ops with kinks at ties or zeros.

Each is a ``values(rng, shape, dtype_name)`` callable for :class:`gradkit.testing.Input`:

* :func:`distinct`: tie-free values (sort, max, argmax, topk are not differentiable where two
  elements tie). Spaced at least ``1 / size`` apart, which every dtype resolves, and farther
  apart than the numerical-derivative step, so no perturbation reorders them.
* :func:`distinct_magnitudes`: tie-free absolute values, away from 0, with random signs (for
  ``|x|`` followed by a max).
* :func:`nonzero`: magnitudes in (0.7, 1.3) with random signs, so products of a few dozen
  elements stay near 1 in every dtype.
* :func:`with_zeros`: :func:`nonzero` with exact zeros at given flat positions (prod and
  cumprod must be exact there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy

__all__ = ["distinct", "distinct_magnitudes", "nonzero", "with_zeros"]

Values = Callable[[numpy.random.Generator, tuple[int, ...], str], Any]


def distinct(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
    """Distinct values in (-1, 1), evenly spread and shuffled, with a small jitter."""
    n = int(numpy.prod(shape))
    grid = (rng.permutation(n) + 0.5) / max(n, 1) * 2.0 - 1.0
    jitter = rng.uniform(-0.2, 0.2, n) / max(n, 1)
    return (grid + jitter).reshape(shape).astype(dtype)


def distinct_magnitudes(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
    """Distinct absolute values in (0.2, 1.2) with random signs."""
    n = int(numpy.prod(shape))
    grid = 0.2 + (rng.permutation(n) + 0.5) / max(n, 1) + rng.uniform(-0.2, 0.2, n) / max(n, 1)
    signs = rng.choice(numpy.array([-1.0, 1.0]), n)
    return (grid * signs).reshape(shape).astype(dtype)


def nonzero(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
    """Values with magnitudes in (0.7, 1.3) and random signs."""
    signs = rng.choice(numpy.array([-1.0, 1.0]), shape)
    return (rng.uniform(0.7, 1.3, shape) * signs).astype(dtype)


def with_zeros(positions: Sequence[int]) -> Values:
    """A generator of :func:`nonzero` values with zeros at the flat ``positions`` (those
    within the array's size)."""
    positions = tuple(positions)

    def values(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
        out = numpy.array(nonzero(rng, shape, dtype))
        flat = out.reshape(-1)
        for p in positions:
            if p < flat.size:
                flat[p] = 0
        return flat.reshape(shape)

    values.__name__ = f"with_zeros{positions}"
    return values
