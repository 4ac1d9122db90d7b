"""Property tests: random expression graphs over the engine arithmetic.

Each example draws a few float64 inputs of broadcast-compatible shapes and a short program of
engine ops (``+ - * / **``, ``@``, indexing, ``sum``, ``broadcast_to``, ``sum_to``,
``reshape``, ``transpose``, ``exp``, ``log`` on positive values, scalar-constant forms). The
output always reuses a variable that an op already consumed, so every graph has fan-out.
The program runs once through gradkit and once through NumPy: the values must agree, and the
first and second order gradients must match float64 central differences.

Hypothesis prints the falsifying draws, and ``note`` adds the program in readable form, where
``pos(x) = x * x + 0.5`` keeps ``log``, ``/`` and ``**`` on positive values.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import gradkit
from gradkit import Variable
from gradkit import arithmetic as ga

MAX_SIZE = 24  # elements per intermediate value: keeps central differences cheap
MAX_NDIM = 3
MAX_ABS = 1e3  # programs whose values leave [-MAX_ABS, MAX_ABS] are discarded


def _np_sum_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1
    )
    return np.sum(x, axis=axes, keepdims=True).reshape(shape) if axes else x


NP = SimpleNamespace(
    exp=np.exp,
    log=np.log,
    matmul=np.matmul,
    sum=lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    broadcast_to=np.broadcast_to,
    sum_to=_np_sum_to,
    reshape=np.reshape,
    transpose=np.transpose,
)
GK = SimpleNamespace(
    exp=ga.exp,
    log=ga.log,
    matmul=ga.matmul,
    sum=ga.sum,
    broadcast_to=ga.broadcast_to,
    sum_to=ga.sum_to,
    reshape=ga.reshape,
    transpose=ga.transpose,
)


def _positive(x: Any) -> Any:
    return x * x + 0.5


# Scalar-constant forms: each exercises one constant node (and reflected operators).
CONSTANT_FORMS = [
    ("{} + 0.5", lambda a: a + 0.5),
    ("1.5 - {}", lambda a: 1.5 - a),
    ("{} * -1.5", lambda a: a * -1.5),
    ("{} / 2.0", lambda a: a / 2.0),
    ("2.0 / pos({})", lambda a: 2.0 / _positive(a)),
    ("2.0 ** {}", lambda a: 2.0**a),
    ("-{}", lambda a: -a),
    ("{} ** 2", lambda a: a**2),
    ("{} ** 3", lambda a: a**3),
    ("pos({}) ** 1.5", lambda a: _positive(a) ** 1.5),
]

CONSTANT_GROUPS = {
    "shift": [0, 1],
    "scale": [2, 3, 4, 6],
    "power": [5, 7, 8, 9],
}


def _swap_last(F: Any, x: Any) -> Any:
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return F.transpose(x, tuple(axes))


@dataclass
class Step:
    """One op of a program: ``values.append(op(values[a], values[b], param))``."""

    op: str
    a: int
    b: int | None = None
    param: Any = None

    def __str__(self) -> str:
        a, b, p = f"v{self.a}", f"v{self.b}", self.param
        if self.op == "constant":
            return CONSTANT_FORMS[p][0].format(a)
        if self.op == "sum":
            return f"sum({a}, axis={p[0]!r}, keepdims={p[1]})"
        templates = {
            "add": f"{a} + {b}",
            "sub": f"{a} - {b}",
            "mul": f"{a} * {b}",
            "div": f"{a} / pos({b})",
            "pow": f"pos({a}) ** {b}",
            "matmul": f"{a} @ {b}",
            "matmul_self_t": f"{a} @ swap_last({a})",
            "exp": f"exp({a})",
            "log": f"log(pos({a}))",
            "getitem": f"{a}[{p!r}]",
        }
        return templates.get(self.op, f"{self.op}({a}, {p!r})")


def _run_step(F: Any, step: Step, values: list[Any]) -> Any:
    a = values[step.a]
    b = None if step.b is None else values[step.b]
    p = step.param
    op = step.op
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / _positive(b)
    if op == "pow":
        return _positive(a) ** b
    if op == "matmul":
        return F.matmul(a, b)
    if op == "matmul_self_t":
        return F.matmul(a, _swap_last(F, a))
    if op == "constant":
        return CONSTANT_FORMS[p][1](a)
    if op == "exp":
        return F.exp(a)
    if op == "log":
        return F.log(_positive(a))
    if op == "getitem":
        return a[p]
    if op == "sum":
        return F.sum(a, p[0], p[1])
    if op == "broadcast_to":
        return F.broadcast_to(a, p)
    if op == "sum_to":
        return F.sum_to(a, p)
    if op == "reshape":
        return F.reshape(a, p)
    if op == "transpose":
        return F.transpose(a, p)
    raise AssertionError(op)


@dataclass
class Program:
    """Inputs, steps, and the final scalar: ``sum(v_last * w_last) + sum(v_reused * w)``."""

    inputs: list[np.ndarray]
    steps: list[Step]
    reused: int
    weights: tuple[np.ndarray, np.ndarray]
    shapes: list[tuple[int, ...]] = field(default_factory=list)

    def run(self, F: Any, xs: list[Any]) -> Any:
        values = list(xs)
        for step in self.steps:
            y = _run_step(F, step, values)
            values.append(np.asarray(y) if F is NP else y)
        w_last, w_reused = self.weights
        last = values[-1]
        reused = values[self.reused]
        if F is NP:
            return np.asarray(np.sum(last * w_last) + np.sum(reused * w_reused))
        dev = xs[0].device
        return (last * dev.send(w_last)).sum() + (reused * dev.send(w_reused)).sum()

    def __str__(self) -> str:
        lines = [f"v{i} = input{a.shape}" for i, a in enumerate(self.inputs)]
        n = len(self.inputs)
        lines += [f"v{n + i} = {s}  # {self.shapes[i]}" for i, s in enumerate(self.steps)]
        lines.append(f"out = sum(v{n + len(self.steps) - 1} * w0) + sum(v{self.reused} * w1)")
        return "\n".join(lines)


def _pick(draw: st.DrawFn, choices: list[Any]) -> Any:
    """One of ``choices``, nearly uniformly (``sampled_from`` favours the first one), still
    shrinking towards the first."""
    return choices[draw(st.integers(0, 2**16)) % len(choices)]


def _fits(shape: tuple[int, ...]) -> bool:
    return len(shape) <= MAX_NDIM and int(np.prod(shape, dtype=np.int64)) <= MAX_SIZE


def _draw_index(draw: st.DrawFn, shape: tuple[int, ...]) -> Any:
    if not shape:
        return (None, Ellipsis)
    d0 = shape[0]
    kind = _pick(draw, ["int", "reverse", "tail", "ints", "mask", "newaxis", "last_axis"])
    if kind == "int":
        return draw(st.integers(-d0, d0 - 1))
    if kind == "reverse":
        return slice(None, None, -1)
    if kind == "tail":
        return slice(draw(st.integers(0, d0 - 1)), None)
    if kind == "ints":  # the first index is repeated: its gradients must add up
        picks = draw(st.lists(st.integers(-d0, d0 - 1), min_size=1, max_size=3))
        return np.array([*picks, picks[0]])
    if kind == "mask":
        mask = draw(st.lists(st.booleans(), min_size=d0, max_size=d0))
        assume(any(mask))
        return np.array(mask, dtype=bool)
    if kind == "newaxis":
        return (None, Ellipsis)
    d = shape[-1]
    return (Ellipsis, draw(st.integers(-d, d - 1)))


def _draw_step(draw: st.DrawFn, values: list[np.ndarray]) -> Step:
    i = _pick(draw, list(range(len(values))))
    a = values[i]
    shape = a.shape
    ops = ["mul", "add", "sub", "div", "pow", "exp", "log", "getitem", "sum", "broadcast_to"]
    ops += ["sum_to", "reshape", "transpose", *CONSTANT_GROUPS]
    if a.ndim >= 1:
        ops.append("matmul")
    op = _pick(draw, ops)

    if op in ("add", "sub", "mul", "div", "pow"):
        partners = []
        for j, b in enumerate(values):
            try:
                if _fits(np.broadcast_shapes(shape, b.shape)):
                    partners.append(j)
            except ValueError:
                pass
        if not partners:
            return Step("sum", i, param=(None, False))
        return Step(op, i, _pick(draw, partners))
    if op == "matmul":
        partners = []
        for j, b in enumerate(values):
            if b.ndim == 0:
                continue
            try:
                out = np.matmul(a, b)
            except ValueError:
                continue
            if _fits(out.shape):
                partners.append(j)
        choices = partners + (["self_t"] if a.ndim >= 2 else [])
        if not choices:
            return Step("exp", i)
        j = _pick(draw, choices)
        return Step("matmul_self_t", i) if j == "self_t" else Step("matmul", i, j)
    if op in CONSTANT_GROUPS:
        return Step("constant", i, param=_pick(draw, CONSTANT_GROUPS[op]))
    if op == "getitem":
        return Step(op, i, param=_draw_index(draw, shape))
    if op == "sum":
        if not shape:
            return Step(op, i, param=(None, draw(st.booleans())))
        axes = draw(st.lists(st.integers(0, a.ndim - 1), unique=True, max_size=a.ndim))
        if draw(st.booleans()) and len(axes) == 1:
            axis: Any = axes[0] - a.ndim if draw(st.booleans()) else axes[0]  # int form
        else:
            axis = tuple(axes) if axes else None
        return Step(op, i, param=(axis, draw(st.booleans())))
    if op == "broadcast_to":
        candidates = []
        if a.ndim < MAX_NDIM:
            candidates.append((2, *shape))
        if 1 in shape:
            candidates.append(tuple(2 if s == 1 else s for s in shape))
        candidates = [c for c in candidates if _fits(c)]
        if not candidates:
            return Step("sum", i, param=(None, False))
        return Step(op, i, param=_pick(draw, candidates))
    if op == "sum_to":
        lead = draw(st.integers(0, a.ndim))
        target = tuple(1 if draw(st.booleans()) else s for s in shape[lead:])
        return Step(op, i, param=target)
    if op == "reshape":
        candidates = [(-1,), shape[::-1], (1, *shape)] if shape else [(1,), (1, 1)]
        candidates = [c for c in candidates if len(c) <= MAX_NDIM]
        return Step(op, i, param=_pick(draw, candidates))
    if op == "transpose":
        if a.ndim < 2:
            return Step(op, i, param=None)
        return Step(op, i, param=_pick(draw, [None, *itertools.permutations(range(a.ndim))]))
    return Step(op, i)


@st.composite
def programs(draw: st.DrawFn, max_steps: int = 8) -> Program:
    """A random program with its inputs; values stay finite and bounded."""
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 3))
    family = [(m, n), (n,), (m, 1), (1, n), (), (2, 1, n)]
    shapes = [_pick(draw, family) for _ in range(draw(st.integers(1, 3)))]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inputs = [np.asarray(rng.uniform(-1.0, 1.0, s)) for s in shapes]

    values = list(inputs)
    steps: list[Step] = []
    out_shapes = []
    used: set[int] = set()
    for _ in range(_pick(draw, list(range(2, max_steps + 1)))):
        step = _draw_step(draw, values)
        with np.errstate(all="ignore"):
            y = np.asarray(_run_step(NP, step, values))
        assume(y.size > 0 and _fits(y.shape))
        assume(np.all(np.isfinite(y)) and np.max(np.abs(y)) <= MAX_ABS)
        steps.append(step)
        out_shapes.append(y.shape)
        used.update({step.a} if step.b is None else {step.a, step.b})
        values.append(y)
    reused = _pick(draw, sorted(used))
    weights = (rng.standard_normal(values[-1].shape), rng.standard_normal(values[reused].shape))
    program = Program(inputs, steps, reused, weights, out_shapes)
    note(str(program))
    return program


PROPERTY_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@settings(PROPERTY_SETTINGS, max_examples=50)
@given(program=programs())
def test_forward_matches_numpy_and_first_order_gradients(program, gradcheck):
    """Values match NumPy; first-order gradients match float64 central differences."""
    xs = [Variable(a.copy()) for a in program.inputs]
    y = program.run(GK, xs)
    np.testing.assert_allclose(y.array, program.run(NP, program.inputs), rtol=1e-10)
    gradcheck(lambda *v: program.run(GK, list(v)), program.inputs, order=1)


@settings(PROPERTY_SETTINGS, max_examples=50)
@given(program=programs(max_steps=6))
def test_second_order_gradients(program, gradcheck):
    """Gradients of a random projection of the gradient (double backprop) match central
    differences of the first-order gradient."""
    gradcheck(lambda *v: program.run(GK, list(v)), program.inputs, order=2, rtol=1e-4, atol=1e-5)


@settings(PROPERTY_SETTINGS, max_examples=30)
@given(program=programs(max_steps=6))
def test_strict_device_agrees_with_cpu(program):
    """The same program on the strict device gives the same value and gradients, on strict."""
    strict = gradkit.get_device("strict")
    cpu_xs = [Variable(a.copy()) for a in program.inputs]
    strict_xs = [Variable(a.copy()).to_device("strict") for a in program.inputs]
    y_cpu = program.run(GK, cpu_xs)
    y_strict = program.run(GK, strict_xs)
    assert y_strict.device == strict
    np.testing.assert_allclose(gradkit.to_numpy(y_strict.array), y_cpu.array, rtol=1e-12)
    y_cpu.backward()
    y_strict.backward()
    for xc, xs in zip(cpu_xs, strict_xs, strict=True):
        if xc.grad is None:
            assert xs.grad is None
            continue
        assert xs.grad_var.device == strict
        np.testing.assert_allclose(gradkit.to_numpy(xs.grad), xc.grad, rtol=1e-10, atol=1e-12)
