"""gradkit_ops: the standard op library.

Every op lives in one file of its category package, with its forward, its backward, the
functional wrapper users call and the :class:`~gradkit.testing.OpSpec` that says how to verify
it. This package only gathers the categories' exports. It is written against gradkit's public
API only, exactly as a third-party op library would be.

The engine's own arithmetic (``add``, ``mul``, ``matmul``, ``sum``, ``reshape``...) is
re-exported here, so every op is found in one place.
"""

from __future__ import annotations

from gradkit.arithmetic import (
    absolute,
    add,
    broadcast_to,
    div,
    exp,
    getitem,
    log,
    matmul,
    mul,
    neg,
    pow,
    reshape,
    sub,
    sum,
    sum_to,
    transpose,
)

__all__ = [
    "absolute",
    "add",
    "broadcast_to",
    "div",
    "exp",
    "getitem",
    "log",
    "matmul",
    "mul",
    "neg",
    "pow",
    "reshape",
    "sub",
    "sum",
    "sum_to",
    "transpose",
]
