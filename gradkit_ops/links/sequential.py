"""Sequential: a chain of layers applied one after the other."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from gradkit import ChainList, Link

__all__ = ["Sequential"]


class Sequential(ChainList):
    """Layers called in order, each on the previous one's output.

    A layer is a :class:`~gradkit.Link` or any function of one argument (an activation such as
    ``gradkit_ops.relu``). Links are named by their position among all the layers, functions
    included (as in PyTorch): ``Sequential(Linear(4, 8), relu, Linear(8, 2))`` has the
    parameters ``/0/W``, ``/0/b``, ``/2/W`` and ``/2/b``.

    >>> import numpy as np
    >>> from gradkit_ops.links import Linear
    >>> from gradkit_ops import relu
    >>> model = Sequential(Linear(4, 8), relu, Linear(8, 2))
    >>> [name for name, _ in model.namedparams()]
    ['/0/W', '/0/b', '/2/W', '/2/b']
    >>> model(np.ones((3, 4), dtype=np.float32)).shape
    (3, 2)
    >>> len(model), model[1] is relu
    (3, True)
    """

    def __init__(self, *layers: Link | Callable[[Any], Any]) -> None:
        self.__dict__["_layers"] = []
        super().__init__()
        for layer in layers:
            self.append(layer)

    def append(self, layer: Link | Callable[[Any], Any]) -> None:  # type: ignore[override]
        """Add ``layer`` (a link or a function of one argument) at the end."""
        if not callable(layer):
            raise TypeError(
                f"Sequential: a layer is a Link or a function of one argument; got "
                f"{type(layer).__name__}"
            )
        if layer is self:
            raise ValueError("a Sequential cannot contain itself")
        if isinstance(layer, Link):
            self._add_child(str(len(self._layers)), layer)
        self._layers.append(layer)

    def forward(self, x: Any) -> Any:
        """Apply the layers in order."""
        for layer in self._layers:
            x = layer(x)
        return x

    def __getitem__(self, index: int) -> Any:  # type: ignore[override]
        return self._layers[index]

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        return iter(list(self._layers))

    def _copy_extra(self, memo: dict[int, Any]) -> None:
        # The copied links replace the originals in the list of layers; functions stay.
        self.__dict__["_layers"] = [
            memo.get(id(layer), layer) if isinstance(layer, Link) else layer
            for layer in self._layers
        ]

    def __repr__(self) -> str:
        lines = []
        for i, layer in enumerate(self._layers):
            text = (
                repr(layer) if isinstance(layer, Link) else getattr(layer, "__name__", repr(layer))
            )
            lines.append(f"\n  ({i}): " + text.replace("\n", "\n  "))
        return f"Sequential({''.join(lines)}\n)" if lines else "Sequential()"
