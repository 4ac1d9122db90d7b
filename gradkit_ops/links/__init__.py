"""The standard links, built on the ops of :mod:`gradkit_ops`.

Each link holds its parameters (with initializers and lazily known input sizes where that
makes sense) and calls one op of the library in ``forward``. Their gradients with respect to
the parameters are verified by :func:`gradkit.check.check_backward` (``params=``) in the test
suite, on every device.

The links live in the op library, not in gradkit, because they are built on its ops: gradkit
never imports gradkit_ops. gradkit holds what every link is made of (:class:`gradkit.Link`,
:class:`gradkit.Chain`, :class:`gradkit.ChainList`, :class:`gradkit.Parameter`, the
initializers, optimizers and serializers); this package, like the rest of gradkit_ops, uses
only gradkit's public API, as a third-party library of links would.

>>> import numpy as np
>>> from gradkit_ops import links as L, relu
>>> model = L.Sequential(L.Linear(8), relu, L.Linear(3))
>>> model(np.ones((4, 5), dtype=np.float32)).shape
(4, 3)
"""

from __future__ import annotations

from gradkit_ops.links.batch_normalization import BatchNormalization
from gradkit_ops.links.convolution_2d import Convolution2D
from gradkit_ops.links.embed_id import EmbedID
from gradkit_ops.links.layer_normalization import LayerNormalization
from gradkit_ops.links.linear import Linear
from gradkit_ops.links.lstm import LSTM
from gradkit_ops.links.sequential import Sequential

__all__ = [
    "Linear",
    "Convolution2D",
    "BatchNormalization",
    "LayerNormalization",
    "EmbedID",
    "LSTM",
    "Sequential",
]
