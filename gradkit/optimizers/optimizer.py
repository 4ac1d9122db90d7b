"""The optimizer machinery: hyperparameters, per-parameter update rules, the Optimizer.

As in Chainer, an :class:`Optimizer` gives each parameter of its target link an
:class:`UpdateRule` in :meth:`Optimizer.setup`; :meth:`~gradkit.Parameter.update` applies that
rule, and :meth:`Optimizer.update` runs the hooks and updates every parameter. A rule keeps
the parameter's state (momentum, moment estimates) and updates the parameter's array in place
with the array namespace of that array, so it works on every device and builds no graph.

Hyperparameters are read through a chain: a rule's :class:`Hyperparameter` falls back to its
optimizer's, so ``optimizer.lr = 0.01`` changes every rule, while
``link.W.update_rule.hyperparam.lr = 0.0`` changes one parameter's.

>>> import numpy as np, gradkit
>>> from gradkit.optimizers import SGD
>>> link = gradkit.Link()
>>> link.w = gradkit.Parameter(np.array([1.0, 2.0], dtype=np.float32))
>>> opt = SGD(lr=0.5).setup(link)
>>> link.w.grad = np.array([1.0, -1.0], dtype=np.float32)
>>> link.w.update()
>>> link.w.array
array([0.5, 2.5], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy

from gradkit.config import config
from gradkit.link import Link
from gradkit.optimizers.blocked import block_views
from gradkit.parameter import Parameter
from gradkit.variable import Variable

__all__ = ["Hyperparameter", "UpdateRule", "Optimizer"]

_ndarray = numpy.ndarray
_HOOK_TIMINGS = ("pre", "post")


class Hyperparameter:
    """A set of named hyperparameters that falls back to a parent set.

    >>> base = Hyperparameter(lr=0.1, momentum=0.9)
    >>> child = Hyperparameter(base)
    >>> child.lr = 0.5
    >>> child.lr, child.momentum, base.lr
    (0.5, 0.9, 0.1)
    >>> child.get_dict()
    {'lr': 0.5, 'momentum': 0.9}
    """

    def __init__(self, parent: Hyperparameter | None = None, **values: Any) -> None:
        self.__dict__["_parent"] = parent
        self.__dict__.update(values)

    @property
    def parent(self) -> Hyperparameter | None:
        """The set this one falls back to."""
        return self.__dict__["_parent"]

    def __getattr__(self, name: str) -> Any:  # only called when ``name`` is not set here
        parent = self.__dict__.get("_parent")
        if parent is None or name.startswith("__"):
            raise AttributeError(f"no hyperparameter {name!r}")
        return getattr(parent, name)

    def get_dict(self) -> dict[str, Any]:
        """Every hyperparameter visible from this set, the parent's first."""
        parent = self.__dict__["_parent"]
        values = parent.get_dict() if parent is not None else {}
        values.update((k, v) for k, v in self.__dict__.items() if k != "_parent")
        return values

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.get_dict().items())
        return f"Hyperparameter({fields})"


class UpdateRule:
    """How one parameter is updated: its state, its hyperparameters and its hooks.

    Subclasses implement :meth:`update_core` (and :meth:`init_state` when they keep a
    state). ``update_core`` changes ``param.array`` in place with the array namespace; it
    never writes into ``param.grad`` (a gradient may be a read-only view).

    Attributes:
        hyperparam: this rule's :class:`Hyperparameter` (falls back to the optimizer's).
        state: the state arrays (``None`` until the first update).
        t: the number of updates this rule made.
        enabled: when ``False``, :meth:`update` leaves the parameter alone (freezing it).
        buffer: a scratch array like the parameter, or ``None`` until one is needed (see
            :attr:`uses_buffer` and :meth:`blocks`); scratch, not state: it is never saved.
    """

    #: Whether :meth:`update_core` uses ``self.buffer``, a scratch array like the parameter,
    #: directly: it is then allocated with the state, so steps allocate nothing. Rules that
    #: go through :meth:`blocks` leave this ``False``: it allocates the buffer where needed.
    uses_buffer = False

    def __init__(self, parent_hyperparam: Hyperparameter | None = None) -> None:
        self.hyperparam = Hyperparameter(parent_hyperparam)
        self.state: dict[str, Any] | None = None
        self.buffer: Any = None
        self.t = 0
        self.enabled = True
        self._hooks: dict[str, Callable[[UpdateRule, Parameter], None]] = {}
        self._array_type: type | None = None
        self._array_device: Any = None

    def add_hook(
        self, hook: Callable[[UpdateRule, Parameter], None], name: str | None = None
    ) -> None:
        """Add a hook called as ``hook(rule, param)`` before each update of this parameter
        (a per-parameter :class:`~gradkit.optimizers.WeightDecay`, for instance)."""
        if not callable(hook):
            raise TypeError(f"a hook must be callable; got {type(hook).__name__}")
        name = name or getattr(hook, "name", None) or type(hook).__name__
        if name in self._hooks:
            raise KeyError(f"this update rule already has a hook named {name!r}")
        self._hooks[name] = hook

    def remove_hook(self, name: str) -> None:
        """Remove the hook named ``name``."""
        del self._hooks[name]

    def init_state(self, param: Parameter) -> dict[str, Any]:
        """A new state for ``param`` (a dict of arrays like it); the default is empty."""
        return {}

    def update(self, param: Parameter) -> None:
        """Update ``param`` from its gradient: run the hooks, then :meth:`update_core`.

        Does nothing when the rule is disabled or the parameter has no gradient.
        """
        if not self.enabled:
            return
        grad_var = param._grad_var
        if grad_var is None:
            return
        data = param._data
        if data is None:
            raise param._uninitialized_error()
        # (Re)create the state at the first update, or when the parameter changed device.
        moved = type(data) is not self._array_type or (
            self._array_device is not None and data.device != self._array_device
        )
        if self.state is None or moved:
            self._prepare(param)
        for hook in self._hooks.values():
            hook(self, param)
        self.t += 1
        self.update_core(param)

    def update_core(self, param: Parameter) -> None:
        """Change ``param.array`` in place from ``param.grad``."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_core(param)")

    def blocks(self, param: Parameter, *state: Any) -> Iterable[tuple[Any, ...]]:
        """``param``'s array, its gradient and the ``state`` arrays (all shaped like the
        parameter), in corresponding parts, each followed by a scratch part like the
        parameter's, for :meth:`update_core` to run its elementwise in-place sequence on
        one part after the other.

        On NumPy the parts are cache-sized blocks with a scratch of the calling thread
        (:func:`~gradkit.optimizers.blocked.block_views`), so the sequence runs in the cache;
        elsewhere (another namespace, or an array layout that blocks do not fit) there is one
        part, the whole arrays, with :attr:`buffer` as scratch, allocated at the first such
        update and kept. Either way the result is bit for bit the sequence run once over the
        whole arrays.

        >>> import numpy as np, gradkit
        >>> p = gradkit.Parameter(np.ones(3, dtype=np.float32))
        >>> p.grad = np.full(3, 2.0, dtype=np.float32)
        >>> rule = UpdateRule()
        >>> for p_part, g_part, scratch in rule.blocks(p):  # p -= 0.25 * g
        ...     scratch[...] = g_part
        ...     scratch *= 0.25
        ...     p_part -= scratch
        >>> p.array
        array([0.5, 0.5, 0.5], dtype=float32)
        """
        data = param._data
        arrays = (data, param._grad_var._data, *state)
        parts = block_views(*arrays)
        if parts is not None:
            return parts
        buf = self.buffer
        if buf is None:
            buf = self.buffer = param.xp.empty_like(data)
        return ((*arrays, buf),)

    def _prepare(self, param: Parameter) -> None:
        # First update, or the parameter moved to another device: (re)create the state there.
        data = param._data
        if self.state is None:
            self.state = self.init_state(param)
        else:
            dev = param.device
            self.state = {k: dev.send(v) for k, v in self.state.items()}
        self.buffer = param.xp.empty_like(data) if self.uses_buffer else None
        self._array_type = type(data)
        self._array_device = None if type(data) is _ndarray else data.device


class Optimizer:
    """Base class of the optimizers.

    ``Optimizer(**hyperparams)`` stores the hyperparameters in :attr:`hyperparam`; they are
    also readable and writable as attributes (``optimizer.lr``). Subclasses implement
    :meth:`create_update_rule`.

    Attributes:
        target: the link being optimized (set by :meth:`setup`).
        t: the number of :meth:`update` calls since :meth:`setup`.
        epoch: a counter advanced by :meth:`new_epoch`.
    """

    target: Link | None
    t: int
    epoch: int

    def __init__(self, **hyperparams: Any) -> None:
        self.__dict__["hyperparam"] = Hyperparameter(None, **hyperparams)
        self.target = None
        self.t = 0
        self.epoch = 0
        self._hooks: dict[str, tuple[Any, str]] = {}

    def __getattr__(self, name: str) -> Any:  # hyperparameters read as attributes
        hp = self.__dict__.get("hyperparam")
        if hp is not None and name in hp.__dict__ and name != "_parent":
            return hp.__dict__[name]
        raise AttributeError(f"{type(self).__name__} has no attribute or hyperparameter {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        hp = self.__dict__.get("hyperparam")
        if hp is not None and name in hp.__dict__ and name != "_parent":
            setattr(hp, name, value)
        else:
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ setup
    def create_update_rule(self) -> UpdateRule:
        """A new update rule for one parameter, reading this optimizer's hyperparameters."""
        raise NotImplementedError(f"{type(self).__name__} must implement create_update_rule()")

    def setup(self, link: Link) -> Optimizer:
        """Optimize the parameters of ``link``: give each one a new update rule.

        Parameters added to the link later get a rule at their first update. Returns the
        optimizer, so ``opt = SGD().setup(model)`` reads well.
        """
        if not isinstance(link, Link):
            raise TypeError(f"setup() takes a gradkit.Link; got {type(link).__name__}")
        self.target = link
        self.t = 0
        self.epoch = 0
        for param in link.params():
            param.update_rule = self.create_update_rule()
        return self

    # ------------------------------------------------------------------ hooks
    def add_hook(self, hook: Any, name: str | None = None, timing: str | None = None) -> None:
        """Add a hook run at each :meth:`update`.

        A hook whose ``call_for_each_param`` attribute is true is called as
        ``hook(rule, param)`` for each parameter that has a gradient
        (:class:`~gradkit.optimizers.WeightDecay`); any other as ``hook(optimizer)``
        (:class:`~gradkit.optimizers.GradientClipping`). ``timing`` is ``"pre"`` (before
        the parameters are updated; the default, or the hook's ``timing`` attribute) or
        ``"post"``.
        """
        if not callable(hook):
            raise TypeError(f"a hook must be callable; got {type(hook).__name__}")
        name = name or getattr(hook, "name", None) or type(hook).__name__
        timing = timing or getattr(hook, "timing", "pre")
        if timing not in _HOOK_TIMINGS:
            raise ValueError(f"hook timing must be 'pre' or 'post'; got {timing!r}")
        if name in self._hooks:
            raise KeyError(f"this optimizer already has a hook named {name!r}")
        self._hooks[name] = (hook, timing)

    def remove_hook(self, name: str) -> None:
        """Remove the hook named ``name``."""
        del self._hooks[name]

    def _call_hooks(self, timing: str, target: Link) -> None:
        for hook, when in self._hooks.values():
            if when != timing:
                continue
            if getattr(hook, "call_for_each_param", False):
                for param in target.params(include_uninit=False):
                    rule = param.update_rule
                    if param._grad_var is not None and rule is not None and rule.enabled:
                        hook(rule, param)
            else:
                hook(self)

    # ------------------------------------------------------------------ updating
    def update(
        self, lossfun: Callable[..., Variable] | None = None, *args: Any, **kwargs: Any
    ) -> Variable | None:
        """Update every parameter of the target from its gradient.

        With ``lossfun``, first clear the gradients, compute ``loss = lossfun(*args,
        **kwargs)`` and backpropagate from it; the loss is returned, its graph released.
        Without, the gradients must be there already (``loss.backward()``).
        """
        target = self.target
        if target is None:
            raise RuntimeError(
                f"{type(self).__name__}.update(): no target; call optimizer.setup(link) first"
            )
        loss = None
        if lossfun is not None:
            target.cleargrads()
            loss = lossfun(*args, **kwargs)
            if not isinstance(loss, Variable):
                raise TypeError(
                    f"update(lossfun, ...): lossfun returned a {type(loss).__name__}, not a "
                    "Variable; return the scalar loss"
                )
            loss.backward()
            loss.unchain_backward()  # the graph is not needed any more: free it now
        hooks = self._hooks
        old = config.enable_backprop
        config.enable_backprop = False  # nothing here may record a graph, whatever hooks do
        try:
            if hooks:
                self._call_hooks("pre", target)
            self.t += 1
            for param in target._param_list():
                if param.update_rule is None:  # added to the link after setup()
                    param.update_rule = self.create_update_rule()
                param.update()
            if hooks:
                self._call_hooks("post", target)
        finally:
            config.enable_backprop = old
        return loss

    def new_epoch(self) -> None:
        """Advance :attr:`epoch` by one."""
        self.epoch += 1

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.hyperparam.get_dict().items())
        return f"{type(self).__name__}({fields})"
