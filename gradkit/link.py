"""Links: objects that hold parameters (Link) and other links (Chain, ChainList).

A :class:`Link` registers every :class:`~gradkit.Parameter` assigned to one of its attributes;
a :class:`Chain` also registers child links assigned to its attributes, and a
:class:`ChainList` holds a list of child links. Parameters are then found by
:meth:`Link.params` and named by :meth:`Link.namedparams` with stable hierarchical names
(``/l1/W``): the names of the attributes from the root down, in the order they were assigned.
Those names are what optimizers and :mod:`gradkit.serializers` use.

A link switches between training and evaluation through the configuration, as in Chainer:
links that behave differently (batch normalization) read ``gradkit.config.train``, which
``gradkit.using_config("train", False)`` turns off for a block.

The standard links (``Linear``, ``Convolution2D``, ``BatchNormalization``...) are built on the
op library, so they live there, in :mod:`gradkit_ops.links`: gradkit never imports gradkit_ops.

>>> import numpy as np, gradkit
>>> class Affine(gradkit.Link):
...     def __init__(self):
...         super().__init__()
...         self.W = gradkit.Parameter(np.ones((2, 3), dtype=np.float32))
...         self.b = gradkit.Parameter(0.0, shape=(2,))
...     def forward(self, x):
...         return x @ self.W.T + self.b
>>> class Model(gradkit.Chain):
...     def __init__(self):
...         super().__init__()
...         self.first = Affine()
...         self.second = Affine()
>>> model = Model()
>>> [name for name, _ in model.namedparams()]
['/first/W', '/first/b', '/second/W', '/second/b']
>>> model.count_params()
16
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Iterator
from typing import Any

import numpy

from gradkit.backend import get_array_module, is_array
from gradkit.device import Device, get_device
from gradkit.parameter import Parameter

__all__ = ["Link", "Chain", "ChainList"]

_COPY_MODES = ("share", "copy")


class Link:
    """A building block of models: it holds parameters and persistent values.

    Assigning a :class:`~gradkit.Parameter` to an attribute registers it (its ``name`` is set
    to the attribute's name when it has none); assigning something else to that attribute, or
    deleting it, unregisters it. Persistent values (running statistics, counters: arrays or
    scalars that are saved and moved with the link but not learned) are registered with
    :meth:`add_persistent`.

    Subclasses define ``forward``; calling the link calls it.
    """

    # Advanced by every change to the registered parameters or links of any link, so that a
    # link can cache the list of its parameters (walked twice in every training step).
    _structure_version = 0

    def __init__(self) -> None:
        d = self.__dict__
        d["_params"] = {}
        d["_persistent"] = {}
        d["_children"] = {}
        d["_device"] = get_device("cpu")
        d["name"] = None

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_params")
        if params is None:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() at the start of __init__, "
                f"before assigning attributes (here {name!r})"
            )
        if isinstance(value, Parameter):
            self._unregister(name)
            params[name] = value
            Link._structure_version += 1
            if value.name is None:
                value.name = name
            # A parameter lives on its link's device (a lazy one is created there).
            if value.array is None or value.device != self._device:
                value.to_device(self._device)
        elif isinstance(value, Link):
            self._register_child(name, value)
        elif name in params or name in self._children:
            self._unregister(name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._unregister(name)
        self._persistent.pop(name, None)
        object.__delattr__(self, name)

    def _unregister(self, name: str) -> None:
        self._params.pop(name, None)
        self._children.pop(name, None)
        Link._structure_version += 1

    def _add_child(self, name: str, link: Link) -> None:
        """Register ``link`` as the child ``name`` (on this link's device)."""
        self._children[name] = link
        Link._structure_version += 1
        if link._device != self._device:
            link.to_device(self._device)

    def _register_child(self, name: str, link: Link) -> None:
        raise TypeError(
            f"{type(self).__name__}.{name}: a Link holds parameters, not child links; derive "
            "the class from gradkit.Chain (named children) or gradkit.ChainList (a list of "
            "children) to hold links"
        )

    def add_param(
        self,
        name: str,
        shape: Any = None,
        *,
        dtype: Any = numpy.float32,
        initializer: Any = None,
    ) -> Parameter:
        """Create a :class:`~gradkit.Parameter` and register it as attribute ``name``.

        Without ``shape`` it stays uninitialized until ``initialize(shape)`` is called.
        """
        if name in self.__dict__:
            raise AttributeError(f"{type(self).__name__} already has an attribute {name!r}")
        param = Parameter(initializer, dtype=dtype, name=name)
        setattr(self, name, param)  # an uninitialized parameter: it goes to the link's device
        if shape is not None:
            param.initialize(shape)
        return param

    def add_persistent(self, name: str, value: Any) -> None:
        """Register a persistent value: an array or a scalar saved by the serializers and
        moved by :meth:`to_device`, but not learned (a running mean, a step counter).

        Later assignments to the attribute keep it registered.
        """
        if name in self.__dict__ and name not in self._persistent:
            raise AttributeError(f"{type(self).__name__} already has an attribute {name!r}")
        if is_array(value):
            value = self._device.send(value)
        elif value is not None and not isinstance(value, int | float | numpy.generic):
            raise TypeError(
                f"{type(self).__name__}.{name}: a persistent value is an array, a scalar or "
                f"None; got {type(value).__name__}"
            )
        self._persistent[name] = True
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ traversal
    def params(self, include_uninit: bool = True) -> Iterator[Parameter]:
        """The parameters of this link and its descendants, each once, in a stable order."""
        for _, param in self.namedparams(include_uninit):
            yield param

    def _param_list(self) -> list[Parameter]:
        """Every parameter, as :meth:`params` lists them; cached until the structure of any
        link changes (the hot path of cleargrads and of the optimizers)."""
        cache = self.__dict__.get("_params_cache")
        if cache is not None and cache[0] == Link._structure_version:
            return cache[1]
        params = [p for _, p in self.namedparams()]
        self.__dict__["_params_cache"] = (Link._structure_version, params)
        return params

    def namedparams(self, include_uninit: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(path, parameter)`` pairs with hierarchical paths such as ``'/l1/W'``.

        A parameter shared by several links is listed once, under its first path.
        """
        seen: set[int] = set()
        for path, link in self.namedlinks():
            prefix = "" if path == "/" else path
            for name, param in link._params.items():
                if id(param) in seen or (not include_uninit and param.array is None):
                    continue
                seen.add(id(param))
                yield f"{prefix}/{name}", param

    def namedpersistents(self) -> Iterator[tuple[str, Any]]:
        """``(path, value)`` pairs of the persistent values, such as ``'/bn/avg_mean'``."""
        for path, link in self.namedlinks():
            prefix = "" if path == "/" else path
            for name in link._persistent:
                yield f"{prefix}/{name}", getattr(link, name)

    def links(self, skipself: bool = False) -> Iterator[Link]:
        """This link (unless ``skipself``) and all its descendants, depth first."""
        for _, link in self.namedlinks(skipself):
            yield link

    def namedlinks(self, skipself: bool = False) -> Iterator[tuple[str, Link]]:
        """``(path, link)`` pairs: ``'/'`` for this link, ``'/l1'``, ``'/l1/0'``... below.

        Each link is listed once, under its first path.
        """
        seen: set[int] = set()
        stack: list[tuple[str, Link]] = [("/", self)]
        while stack:
            path, link = stack.pop()
            if id(link) in seen:
                continue
            seen.add(id(link))
            if not (skipself and link is self):
                yield path, link
            prefix = "" if path == "/" else path
            children = list(link._children.items())
            for name, child in reversed(children):  # reversed: the stack pops the first first
                stack.append((f"{prefix}/{name}", child))

    def children(self) -> Iterator[Link]:
        """The direct child links."""
        yield from self._children.values()

    def count_params(self) -> int:
        """The number of elements in the initialized parameters."""
        return sum(p.size for p in self.params(include_uninit=False))

    # ------------------------------------------------------------------ gradients
    def cleargrads(self) -> None:
        """Forget the gradients of every parameter (they become ``None``)."""
        for param in self._param_list():
            param.cleargrad()

    # ------------------------------------------------------------------ devices
    @property
    def device(self) -> Device:
        """The device of the link's parameters (and of the ones created lazily)."""
        return self._device

    @property
    def xp(self) -> Any:
        """The array namespace of the link's device."""
        return self._device.xp

    def to_device(self, device: Any) -> Link:
        """Move every parameter and persistent array of this link and its descendants to
        ``device`` (``"cpu"``, ``"strict"``, ``"gpu:0"``...), in place. Returns the link.

        Parameters created later (lazy shapes) are created there too. Move a model before
        ``optimizer.setup()`` or after: update rules follow their parameter.
        """
        dev = get_device(device)
        for link in self.links():
            link.__dict__["_device"] = dev
            for param in link._params.values():
                param.to_device(dev)
            for name in link._persistent:
                value = getattr(link, name)
                if is_array(value):
                    object.__setattr__(link, name, dev.send(value))
        return self

    # ------------------------------------------------------------------ copies
    def copy(self, mode: str = "share") -> Link:
        """A copy of this link (and of its descendants) with new Parameter objects.

        Args:
            mode: ``"share"`` (default): the parameters of the copy share their arrays with
                this link's (an update of one is seen by the other; gradients and update
                rules are separate). ``"copy"``: the arrays are copied.

        Persistent arrays are always copied.
        """
        if mode not in _COPY_MODES:
            raise ValueError(f"copy mode must be one of {_COPY_MODES}; got {mode!r}")
        memo: dict[int, Any] = {}
        return self._copy(mode, memo)

    def _copy(self, mode: str, memo: dict[int, Any]) -> Link:
        done = memo.get(id(self))
        if done is not None:
            return done
        new = _copy.copy(self)
        memo[id(self)] = new
        d = new.__dict__
        d["_params"] = {}
        d["_persistent"] = dict(self._persistent)
        d["_children"] = {}
        d["_params_cache"] = None
        for name, param in self._params.items():
            new_param = memo.get(id(param))
            if new_param is None:
                new_param = memo[id(param)] = _copy_param(param, mode)
            d[name] = new_param
            d["_params"][name] = new_param
        for name in self._persistent:
            value = getattr(self, name)
            if is_array(value):
                d[name] = get_array_module(value).asarray(value, copy=True)
        for name, child in self._children.items():
            new_child = child._copy(mode, memo)
            d["_children"][name] = new_child
            if name in d:  # a Chain's child is also an attribute; a ChainList's is not
                d[name] = new_child
        new._copy_extra(memo)
        return new

    def _copy_extra(self, memo: dict[int, Any]) -> None:
        """Hook for containers that keep links outside ``_children`` (Sequential's layers)."""

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the link; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call :meth:`forward`."""
        return self.forward(*args, **kwargs)

    def _repr_fields(self) -> str:
        """The arguments shown by ``repr`` (the standard links show their sizes)."""
        return ""

    def __repr__(self) -> str:
        fields = self._repr_fields()
        if not self._children:
            return f"{type(self).__name__}({fields})"
        body = "".join(
            f"\n  ({name}): " + repr(child).replace("\n", "\n  ")
            for name, child in self._children.items()
        )
        return f"{type(self).__name__}({fields}{body}\n)"


def _copy_param(param: Parameter, mode: str) -> Parameter:
    new = _copy.copy(param)
    # A copy starts outside any graph, with no gradient and no update rule of its own.
    new._node = None
    new._grad_var = None
    new.update_rule = None
    data = param.array
    if data is None:
        return new
    if mode == "copy":
        new._data = get_array_module(data).asarray(data, copy=True)
    return new


class Chain(Link):
    """A link made of child links, registered by assigning them to attributes.

    Paths of the children's parameters start with the attribute's name (``/encoder/W``).

    >>> import numpy as np, gradkit
    >>> class Affine(gradkit.Link):
    ...     def __init__(self, n_in, n_out):
    ...         super().__init__()
    ...         self.W = gradkit.Parameter(np.ones((n_out, n_in), dtype=np.float32))
    ...         self.b = gradkit.Parameter(0.0, shape=(n_out,))
    ...     def forward(self, x):
    ...         return x @ self.W.T + self.b
    >>> class MLP(gradkit.Chain):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.l1 = Affine(4, 3)
    ...         self.l2 = Affine(3, 2)
    ...     def forward(self, x):
    ...         return self.l2(self.l1(x))
    >>> [name for name, _ in MLP().namedparams()]
    ['/l1/W', '/l1/b', '/l2/W', '/l2/b']
    """

    def _register_child(self, name: str, link: Link) -> None:
        if link is self:
            raise ValueError(f"{type(self).__name__}.{name}: a link cannot be its own child")
        self._unregister(name)
        self._add_child(name, link)


class ChainList(Link):
    """A link made of a list of child links, named by their index (``/0/W``, ``/1/W``).

    >>> import gradkit
    >>> class Bias(gradkit.Link):
    ...     def __init__(self, n):
    ...         super().__init__()
    ...         self.b = gradkit.Parameter(0.0, shape=(n,))
    ...     def forward(self, x):
    ...         return x + self.b
    >>> layers = gradkit.ChainList(Bias(3), Bias(3))
    >>> len(layers), [name for name, _ in layers.namedparams()]
    (2, ['/0/b', '/1/b'])
    """

    def __init__(self, *links: Link) -> None:
        super().__init__()
        for link in links:
            self.append(link)

    def append(self, link: Link) -> None:
        """Add ``link`` at the end of the list."""
        if not isinstance(link, Link):
            raise TypeError(f"ChainList holds Links; got {type(link).__name__}")
        if link is self:
            raise ValueError("a ChainList cannot contain itself")
        self._add_child(str(len(self._children)), link)

    def __getitem__(self, index: int) -> Link:
        return list(self._children.values())[index]

    def __len__(self) -> int:
        return len(self._children)

    def __iter__(self) -> Iterator[Link]:
        return iter(list(self._children.values()))
