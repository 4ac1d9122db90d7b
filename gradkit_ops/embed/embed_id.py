r"""Embedding: rows of a weight matrix picked by integer ids (Chainer's ``embed_id``).

.. math::
    y[\dots, :] = W[\mathrm{id}[\dots], :], \qquad
    \frac{\partial L}{\partial W[v, :]} = \sum_{\dots:\ \mathrm{id}[\dots] = v}
        \frac{\partial L}{\partial y[\dots, :]}

The ids are integers in ``[0, V)`` for a ``(V, D)`` weight and have no gradient. Ids equal to
``ignore_label`` (Chainer's convention, typically ``-1`` for padding) give zero vectors and
send no gradient to ``W``. The gradient scatter-adds rows (repeated ids add up), which needs a
kernel: it is its own node, :class:`EmbedIDGrad`, whose gradient is again an
:class:`EmbedID` gather, so every order follows.
"""

from __future__ import annotations

from typing import Any

import numpy

import gradkit
from gradkit import FunctionNode, Variable, as_array, get_array_module
from gradkit.arithmetic import reshape
from gradkit.backend import scatter_add
from gradkit.testing import Input, Unchecked, op_spec

__all__ = ["EmbedID", "EmbedIDGrad", "embed_id", "embedding"]


class EmbedID(FunctionNode):
    """Gather the rows ``ids`` (a 1-d int64 array in range) of a 2-d weight, zeroing the rows
    where ``ignored`` (a boolean array like ``ids``, or ``None``) holds."""

    spec = Unchecked("built and checked by embed_id(), which has the specs")

    def __init__(self, ids: Any, ignored: Any) -> None:
        self.ids = ids
        self.ignored = ignored

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (w,) = inputs
        self.vocab = w.shape[0]
        xp = get_array_module(w)
        y = xp.take(w, self.ids, axis=0)
        if self.ignored is not None:
            y = xp.where(self.ignored[:, None], xp.zeros((), dtype=w.dtype, device=w.device), y)
        return (y,)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return EmbedIDGrad(self.ids, self.ignored, self.vocab).apply(grad_outputs)


class EmbedIDGrad(FunctionNode):
    """The gradient of :class:`EmbedID`: a ``(vocab, D)`` array of zeros with the output
    gradient's rows added at ``ids`` (ignored rows left out)."""

    spec = Unchecked("the gradient of EmbedID: checked by the double backward of embed_id()")

    def __init__(self, ids: Any, ignored: Any, vocab: int) -> None:
        self.ids = ids
        self.ignored = ignored
        self.vocab = vocab

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        (gy,) = inputs
        xp = get_array_module(gy)
        if self.ignored is not None:
            zero = xp.zeros((), dtype=gy.dtype, device=gy.device)
            gy = xp.where(self.ignored[:, None], zero, gy)
        zeros = xp.zeros((self.vocab, gy.shape[1]), dtype=gy.dtype, device=gy.device)
        return (scatter_add(zeros, (self.ids,), gy),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        return EmbedID(self.ids, self.ignored).apply(grad_outputs)


def _ids_array(x: Any, w: Any) -> Any:
    # The ids as an int64 array on W's device; host data (lists, NumPy arrays) is sent there,
    # an array of another device refused, as a GPU would.
    data = as_array(w)
    xp = get_array_module(data)
    ids = as_array(x)
    if not gradkit.is_array(ids) or (isinstance(ids, numpy.ndarray) and xp is not numpy):
        host = numpy.asarray(ids)
        if host.dtype.kind not in "iu" and host.size:
            raise TypeError(f"embed_id: input 0 (ids) must be integers; got dtype {host.dtype}")
        return xp.asarray(host.astype(numpy.int64), dtype=xp.int64, device=data.device)
    if get_array_module(ids) is not xp or ids.device != data.device:
        raise gradkit.DeviceMismatchError(
            f"embed_id: input 0 (ids) is on {gradkit.get_device_from_array(ids)} but input 1 "
            f"(W) is on {gradkit.get_device_from_array(data)}; move them to one device"
        )
    if not xp.isdtype(ids.dtype, "integral"):
        raise TypeError(f"embed_id: input 0 (ids) must be integers; got dtype {ids.dtype}")
    return ids if ids.dtype == xp.int64 else xp.astype(ids, xp.int64)


def embed_id(x: Any, W: Any, ignore_label: int | None = None) -> Variable:
    """The rows of ``W`` (shape ``(V, D)``) at the integer ids ``x`` (any shape): a result of
    shape ``x.shape + (D,)``. Ids equal to ``ignore_label`` give zero vectors and no gradient.

    >>> import numpy as np
    >>> W = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> embed_id(np.array([[2, -1], [0, 2]]), W, ignore_label=-1).array
    array([[[4., 5.],
            [0., 0.]],
    <BLANKLINE>
           [[0., 1.],
            [4., 5.]]])
    """
    if W.ndim != 2:
        raise ValueError(f"embed_id: input 1 (W) must be 2-d (vocabulary, dims); got {W.shape}")
    ids = _ids_array(x, W)
    xp = get_array_module(ids)
    shape = tuple(ids.shape)
    flat = xp.reshape(ids, (ids.size,))
    ignored = None
    if ignore_label is not None:
        ignored = flat == ignore_label
        flat = xp.where(ignored, xp.zeros((), dtype=flat.dtype, device=flat.device), flat)
    vocab = W.shape[0]
    if flat.size and (bool(xp.any(flat < 0)) or bool(xp.any(flat >= vocab))):
        raise IndexError(
            f"embed_id: input 0 (ids) holds an id outside [0, {vocab}) for W of shape "
            f"{tuple(W.shape)}" + ("" if ignore_label is None else f" (and != {ignore_label})")
        )
    y = EmbedID(flat, ignored).apply((W,))[0]
    if len(shape) == 1:
        return y
    return reshape(y, (*shape, W.shape[1]))


def embedding(x: Any, W: Any, ignore_label: int | None = None) -> Variable:
    """:func:`embed_id` under the name PyTorch and Keras use: the rows of ``W`` at the ids
    ``x``, zero vectors (and no gradient) where ``x == ignore_label``.

    >>> import numpy as np
    >>> embedding([1, 1], np.eye(2)).array
    array([[0., 1.],
           [0., 1.]])
    """
    return embed_id(x, W, ignore_label)


def _reference(
    x: numpy.ndarray, w: numpy.ndarray, ignore_label: int | None = None
) -> numpy.ndarray:
    out = w[numpy.where(x == ignore_label, 0, x)]
    if ignore_label is not None:
        out[x == ignore_label] = 0.0
    return out


_WEIGHT = Input(shape=(5, 3))
for _op in (embed_id, embedding):
    op_spec(
        name=_op.__name__,
        inputs=[Input(dtype="int64", domain=(0, 5)), _WEIGHT],
        shapes=[(4,), (2, 3), (), (0,)],
        reference=_reference,
    )(_op)
    # -1 marks padding: about a third of the ids are ignored.
    op_spec(
        name=f"{_op.__name__}.ignore_label",
        inputs=[Input(dtype="int64", domain=(-1, 5)), _WEIGHT],
        kwargs={"ignore_label": -1},
        shapes=[(6,), (3, 4)],
        reference=lambda x, w: _reference(x, w, -1),
    )(_op)
