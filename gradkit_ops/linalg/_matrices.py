"""Helpers of the linear-algebra ops: the matrix transpose of stacks, and the input
generators of their specs (well-conditioned, negative-determinant and symmetric positive
definite matrices). Private to gradkit_ops.linalg."""

from __future__ import annotations

from typing import Any

import numpy

from gradkit import Variable
from gradkit.arithmetic import transpose

__all__ = ["swap_last", "well_conditioned", "negative_det", "spd", "LINALG_DTYPES"]

#: The dtypes of the factorizations and inverses: LAPACK has no float16 (NumPy refuses it).
LINALG_DTYPES = ("float32", "float64")


def swap_last(x: Any) -> Variable:
    """The transpose of the last two axes (of every matrix of a stack)."""
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, tuple(axes))


def well_conditioned(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
    """Matrices ``(1 + n/2) I + U(-1/2, 1/2)`` of shape ``(..., n, n)``: strictly diagonally
    dominant, so every eigenvalue lies at least 1 away from 0 (Gershgorin)."""
    n = shape[-1]
    return (1.0 + 0.5 * n) * numpy.eye(n) + rng.uniform(-0.5, 0.5, size=shape)


def negative_det(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
    """Well-conditioned matrices whose first row is negated in every other matrix of the
    stack (in the only one for a single matrix): determinants of both signs."""
    a = well_conditioned(rng, shape, dtype)
    flat = a.reshape((-1, *shape[-2:]))
    flat[::2, :1, :] *= -1.0
    return flat.reshape(shape)


def spd(rng: numpy.random.Generator, shape: tuple[int, ...], dtype: str) -> Any:
    """Symmetric positive definite matrices ``B B^T + n I`` (``B`` uniform in (-1, 1)), exactly
    symmetric, with eigenvalues in ``[n, 2n + n^2]``."""
    n = shape[-1]
    b = rng.uniform(-1.0, 1.0, size=shape)
    a = b @ numpy.swapaxes(b, -1, -2) + n * numpy.eye(n)
    return 0.5 * (a + numpy.swapaxes(a, -1, -2))
