"""gradkit_ops: the standard op library.

Every op lives in one file of its category package, with its forward, its backward, the
functional wrapper users call and the :class:`~gradkit.testing.OpSpec` that says how to verify
it. This package only gathers the categories' exports. It is written against gradkit's public
API only, exactly as a third-party op library would be.

The standard links built on these ops (``Linear``, ``Convolution2D``, ``BatchNormalization``...)
are in the subpackage :mod:`gradkit_ops.links`, reachable as ``gradkit_ops.links``. They are
not ops: they are neither in ``__all__`` nor in :data:`CATEGORIES`, and their gradients are
checked by their tests (``check_backward(..., params=...)``).

The engine's own arithmetic (``add``, ``mul``, ``matmul``, ``sum``, ``reshape``...) is
re-exported by the categories, with its specs, so every op is found in one place.

>>> import numpy as np, gradkit, gradkit_ops as G
>>> x = gradkit.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
>>> G.logsumexp(G.tanh(x), axis=1).shape
(2,)
"""

from __future__ import annotations

import importlib

from gradkit_ops import links as links  # the standard links (not ops, not a category)
from gradkit_ops.activation import *  # noqa: F403
from gradkit_ops.array import *  # noqa: F403
from gradkit_ops.comparison import *  # noqa: F403
from gradkit_ops.conv import *  # noqa: F403
from gradkit_ops.embed import *  # noqa: F403
from gradkit_ops.linalg import *  # noqa: F403
from gradkit_ops.loss import *  # noqa: F403
from gradkit_ops.math import *  # noqa: F403
from gradkit_ops.noise import *  # noqa: F403
from gradkit_ops.normalization import *  # noqa: F403
from gradkit_ops.recurrent import *  # noqa: F403
from gradkit_ops.reduction import *  # noqa: F403

#: The category packages, in the order of the reference documentation. A category is never
#: named like one of its ops (the op would shadow it as an attribute of gradkit_ops).
CATEGORIES = tuple(
    importlib.import_module(f"gradkit_ops.{name}")
    for name in (
        "math",
        "comparison",
        "activation",
        "reduction",
        "array",
        "linalg",
        "conv",
        "normalization",
        "noise",
        "embed",
        "recurrent",
        "loss",
    )
)

__all__ = sorted({name for category in CATEGORIES for name in category.__all__})
