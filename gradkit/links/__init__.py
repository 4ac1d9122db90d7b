"""The standard links, built on the ops of :mod:`gradkit_ops`.

Each link holds its parameters (with initializers and lazily known input sizes where that
makes sense) and calls one op of the library in ``forward``. Their gradients with respect to
the parameters are verified by :func:`gradkit.check.check_backward` (``params=``) in the test
suite, on every device.

This package is the one part of gradkit built on the op library, so importing it imports
:mod:`gradkit_ops`; ``import gradkit``, :class:`gradkit.Link`, the optimizers and the
serializers do not.

>>> import numpy as np, gradkit
>>> from gradkit import links as L
>>> from gradkit_ops import relu
>>> model = L.Sequential(L.Linear(8), relu, L.Linear(3))
>>> model(np.ones((4, 5), dtype=np.float32)).shape
(4, 3)
"""

from __future__ import annotations

from gradkit.links.batch_normalization import BatchNormalization
from gradkit.links.convolution_2d import Convolution2D
from gradkit.links.embed_id import EmbedID
from gradkit.links.layer_normalization import LayerNormalization
from gradkit.links.linear import Linear
from gradkit.links.lstm import LSTM
from gradkit.links.sequential import Sequential

__all__ = [
    "Linear",
    "Convolution2D",
    "BatchNormalization",
    "LayerNormalization",
    "EmbedID",
    "LSTM",
    "Sequential",
]
