"""Embedding: rows of a weight matrix looked up by integer ids, with an ``ignore_label`` for
padding (zero vectors, no gradient). ``embed_id`` is Chainer's name, ``embedding`` the name
PyTorch and Keras use."""

from __future__ import annotations

from gradkit_ops.embed.embed_id import embed_id, embedding

__all__ = ["embed_id", "embedding"]
