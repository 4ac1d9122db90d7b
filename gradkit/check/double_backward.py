"""check_double_backward: second-order gradients, through the first-order ones.

The function checked is ``G(x..., gy...) = grad(f(x...), x..., gy...)``: the first-order
gradients as a function of the inputs *and* of the grad_outputs. Its backward is the
second-order backward of ``f``, so :func:`~gradkit.check.backward.run_check` checks it with
every invariant and both tiers, the float64 reference included. A classic
:class:`~gradkit.Function` supports first order only: the check is then ``skipped`` with
the reason, not failed.

Evaluating ``G`` runs the user's forward *and* backward, so reports name the user's method:
an input or grad_output written in place is blamed on ``backward`` (or on ``forward`` when
forward alone writes it); a ``G`` that differs between two evaluations at the same point is a
nondeterministic backward, not a kink; and a first-order gradient with no graph (backward
returned an array, or a Variable made from one) is named as the cause of the missing second
order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy

from gradkit.backend import get_array_module
from gradkit.backprop import grad as engine_grad
from gradkit.check.backward import BackwardCheckOptions, run_check
from gradkit.check.invariants import find_mutations
from gradkit.check.result import CheckResult
from gradkit.check.sampling import make_rng, signed_direction
from gradkit.check.target import Target, as_output_tuple, function_label
from gradkit.check.tolerance import TolerancePolicy, dtype_name
from gradkit.config import config, using_config
from gradkit.parameter import Parameter
from gradkit.variable import Variable, is_float_dtype

__all__ = ["check_double_backward", "FirstOrderGradient"]


class FirstOrderGradient:
    """``G(x..., gy...)``: the first-order gradients of ``func`` w.r.t. its floating inputs
    (those in ``x_targets``) and ``params``, for output gradients ``gy``.

    Under backprop mode the gradients keep their graph (double backprop); otherwise they
    are plain first-order gradients, as numerical differentiation needs.

    Attributes:
        output_names: the name of each gradient's input or parameter (for reports).
        detached: after a call under backprop mode, the positions of the nonzero gradients
            that have no graph (backward returned an array, or a Variable made from one):
            constants to the second derivative.
    """

    def __init__(
        self,
        func: Callable[..., Any],
        n_inputs: int,
        x_targets: Sequence[int],
        float_outputs: Sequence[int],
        params: Sequence[Parameter],
        output_names: Sequence[str] | None = None,
    ) -> None:
        self.func = func
        self.n_inputs = n_inputs
        self.x_targets = list(x_targets)
        self.float_outputs = list(float_outputs)
        self.params = list(params)
        self.label = f"grad of {function_label(func)}"
        n_out = len(self.x_targets) + len(self.params)
        self.output_names = list(output_names or [f"x{k}" for k in self.x_targets])[:n_out]
        self.output_names += [f"param{j}" for j in range(len(self.output_names), n_out)]
        self.detached: list[int] = []

    def __call__(self, *variables: Variable) -> tuple[Variable, ...]:
        double = config.enable_backprop
        xs = variables[: self.n_inputs]
        gys = list(variables[self.n_inputs :])
        with using_config("enable_backprop", True):
            outs = as_output_tuple(self.func(*xs), function_label(self.func))
        ys = [outs[i] for i in self.float_outputs]
        wrt = [xs[k] for k in self.x_targets] + self.params
        grads = engine_grad(ys, wrt, gys, enable_double_backprop=double)
        if double:
            self.detached = _detached(grads, list(variables) + self.params)
        result = []
        for g, w in zip(grads, wrt, strict=True):
            if g is None:
                a = w.array
                g = Variable._from_array(
                    get_array_module(a).zeros(a.shape, dtype=a.dtype, device=a.device), False
                )
            result.append(g)
        return tuple(result)

    def forward_mutates(self, arrays: Sequence[Any]) -> bool:
        """Whether ``func``'s forward alone writes to its inputs or parameters, run on copies
        of ``arrays`` (this function's arguments: inputs, grad_outputs, then parameters)."""
        n = self.n_inputs
        n_gy = len(arrays) - n - len(self.params)
        before = list(arrays[:n]) + list(arrays[n + n_gy :])
        copies = [_copy(a) for a in before]
        saved = [(p._data, p._node) for p in self.params]
        try:
            for p, c in zip(self.params, copies[n:], strict=True):
                p._data, p._node = c, None
            xs = [Variable._from_array(c, k in self.x_targets) for k, c in enumerate(copies[:n])]
            with using_config("enable_backprop", True):
                self.func(*xs)
        except Exception:
            return False  # forward raised on the copies: nothing to blame it for here
        finally:
            for p, (data, node) in zip(self.params, saved, strict=True):
                p._data, p._node = data, node
        return bool(find_mutations(before, copies))


def _copy(a: Any) -> Any:
    return get_array_module(a).asarray(a, copy=True)


def _detached(grads: Sequence[Variable | None], arguments: Sequence[Variable]) -> list[int]:
    """Positions of the nonzero gradients made outside the graph: no creator, and not one of
    the function's own arguments (an identity's gradient is its grad_output itself)."""
    found = []
    for j, g in enumerate(grads):
        if g is None or g.creator is not None or any(g is v for v in arguments):
            continue
        xp = get_array_module(g.array)
        if bool(xp.any(g.array != 0)):
            found.append(j)
    return found


def _as_arrays(values: Any) -> list[Any]:
    values = list(values) if isinstance(values, tuple | list) else [values]
    return [v.array if isinstance(v, Variable) else v for v in values]


def check_double_backward(
    func: Callable[..., Any],
    inputs: Sequence[Any],
    grad_outputs: Sequence[Any] | None,
    grad_grad_inputs: Sequence[Any] | None = None,
    *,
    params: Sequence[Parameter] = (),
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    no_grads: Sequence[bool] | None = None,
    dtype: Any = None,
    seed: int = 0,
    directions: int = 3,
    jacobian: str = "auto",
    nondet_tol: float | None = None,
    tolerances: dict[str, TolerancePolicy] | TolerancePolicy | None = None,
    repro: str | None = None,
    raise_on_failure: bool = True,
) -> CheckResult:
    """Check the second-order gradients of ``func`` w.r.t. its inputs and grad_outputs.

    Args:
        func, inputs, params, no_grads, dtype: as for
            :func:`~gradkit.check.check_backward`.
        grad_outputs: one array per output of ``func`` (the first-order ``gy``); these are
            differentiated too. ``None`` draws seeded random signed values.
        grad_grad_inputs: one array per checked input (then per parameter): the weights of
            the first-order gradients; seeded random values when omitted.

    The other options are those of :func:`~gradkit.check.check_backward`.

    Returns:
        A :class:`CheckResult` with ``check="double_backward"``; ``skipped`` with reason
        "double backward not supported (classic Function)" for a classic Function.

    >>> import numpy as np
    >>> from gradkit.check import check_double_backward
    >>> x, gy = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    >>> check_double_backward(lambda x: x * x * x, [x], [gy]).status.value
    'passed'
    """
    options = BackwardCheckOptions(
        eps, atol, rtol, seed, directions, jacobian, nondet_tol, tolerances, repro
    )
    inner = Target(func, inputs, params, no_grads, dtype)
    try:
        n = inner.n_inputs
        x_targets = [k for k in inner.targets if k < n]
        # on copies: a forward that writes to its inputs is caught (and named) by the check
        xs = [Variable._from_array(_copy(v.array), v.requires_grad) for v in inner.call_variables()]
        with using_config("enable_backprop", True):
            outs = as_output_tuple(func(*xs), inner.label)
        label = inner.label
        if label.endswith("<lambda>") and outs[0].creator is not None:
            label = outs[0].creator.label  # a lambda names nothing: name its op
        float_idx = [i for i, y in enumerate(outs) if is_float_dtype(y.dtype)]
        if grad_outputs is None:
            rng = make_rng(seed + 1)
            gys = []
            for i in float_idx:
                y = outs[i].array
                w = signed_direction(rng, tuple(y.shape)).astype(dtype_name(y.dtype))
                gys.append(w if isinstance(y, numpy.ndarray) else outs[i].device.send(w))
        else:
            gys = _as_arrays(grad_outputs)
            if len(gys) == len(outs) and len(outs) != len(float_idx):
                gys = [gys[i] for i in float_idx]
        names = [inner.names[k] for k in x_targets] + inner.names[n:]
        g_func = FirstOrderGradient(func, n, x_targets, float_idx, inner.params, names)
        arrays = inner.arrays[:n] + gys
        gy_names = [f"gy{j}" for j in range(len(gys))]
        outer_no_grads = [k not in inner.targets for k in range(n)] + [False] * len(gys)
    finally:
        inner.restore()
    outer = Target(
        g_func,
        arrays,
        inner.params,
        outer_no_grads,
        dtype,
        names=inner.names[:n] + gy_names,
    )
    outer.label = label
    if grad_grad_inputs is not None:
        ggs = _as_arrays(grad_grad_inputs)
        if len(ggs) == n + len(inner.params) and len(ggs) != len(inner.targets):
            ggs = [ggs[k] for k in inner.targets]
        grad_grad_inputs = ggs
    return run_check(outer, "double_backward", grad_grad_inputs, options, raise_on_failure)
