"""Noise: dropout, driven by ``gradkit.config.train`` and an explicit seed, generator or mask,
so that a seeded dropout is a fixed function that the checker can verify."""

from __future__ import annotations

from gradkit_ops.noise.dropout import dropout

__all__ = ["dropout"]
