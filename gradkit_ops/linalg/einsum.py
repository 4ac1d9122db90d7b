r"""einsum: Einstein summation over labelled axes, with NumPy's subscripts.

Every subscript string NumPy accepts is accepted: explicit (``"ij,jk->ik"``) or implicit
(``"ij,jk"``: the labels seen once, in alphabetical order), repeated labels within an operand
(``"ii->i"``, a diagonal), labels summed away, ``...`` for broadcast leading axes, spaces, and
axes of length 1 broadcast against the other operands' axes of the same label.

.. math:: Y_{\text{out}} = \sum_{\text{labels not in out}} \prod_k X^{(k)}_{s_k}
          \;\Rightarrow\;
          \frac{\partial L}{\partial X^{(k)}_{s_k}} = \sum_{\text{labels not in } s_k}
          G_{\text{out}} \prod_{j \ne k} X^{(j)}_{s_j}

so the gradient of operand ``k`` is itself an einsum: of the output gradient and the other
operands, into ``k``'s labels. A label repeated in ``k`` (a diagonal) becomes a fresh label
tied to it by an identity matrix, a label only ``k`` has (summed in forward) is broadcast by a
vector of ones, and axes that ``k`` broadcast from length 1 are summed back (``sum_to``)
after the gradient is broadcast to the labels' full lengths. The
backward pass is an ``Einsum`` node again, so every order of gradient works.

The forward goes through the engine's backend table (:mod:`gradkit.linalg_backend`): the array
API standard has no einsum.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy

from gradkit import FunctionNode, Variable, get_array_module
from gradkit.arithmetic import broadcast_to, sum_to
from gradkit.linalg_backend import einsum as backend_einsum
from gradkit.testing import Input, Unchecked, op_spec

__all__ = ["Einsum", "einsum", "parse_subscripts"]

_LABELS = string.ascii_letters


def _fresh_labels(used: set[str], n: int, subscripts: str) -> list[str]:
    free = [c for c in _LABELS if c not in used]
    if len(free) < n:
        raise ValueError(
            f"einsum: {subscripts!r} needs {n} more axis labels than the 52 letters leave"
        )
    return free[:n]


def parse_subscripts(
    subscripts: str, shapes: Sequence[tuple[int, ...]]
) -> tuple[tuple[str, ...], str, dict[str, int]]:
    """Resolve NumPy-style ``subscripts`` for operands of ``shapes``: the labels of each
    operand and of the output (explicit, one letter per axis, ``...`` replaced by letters),
    and the length of every label after broadcasting.

    >>> parse_subscripts("...ij,jk", [(2, 3, 4), (4, 5)])
    (('aij', 'jk'), 'aik', {'a': 2, 'i': 3, 'j': 4, 'k': 5})
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a str; got {type(subscripts).__name__}")
    text = subscripts.replace(" ", "")
    if text.count("->") > 1:
        raise ValueError(f"einsum: {subscripts!r} has more than one '->'")
    lhs, arrow, rhs = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: {subscripts!r} describes {len(terms)} operands but {len(shapes)} were given"
        )
    for term in [*terms, rhs]:
        bad = set(term.replace("...", "")) - set(_LABELS)
        if bad or term.count("...") > 1:
            raise ValueError(
                f"einsum: {subscripts!r}: each operand's subscripts are letters with at most "
                f"one '...'; {term!r} is not"
            )
    used = set(text) & set(_LABELS)
    # '...' covers the axes the letters leave; the ellipses broadcast against each other,
    # right-aligned, so they take the last labels of one shared run of fresh letters.
    widths = []
    for term, shape in zip(terms, shapes, strict=True):
        letters = len(term.replace("...", ""))
        width = len(shape) - letters
        if width < 0 or (width > 0 and "..." not in term):
            raise ValueError(
                f"einsum: operand of shape {tuple(shape)} has {len(shape)} axes but "
                f"subscripts {term!r} label {letters}"
            )
        widths.append(width)
    n_ellipsis = max(widths, default=0)
    ellipsis = "".join(_fresh_labels(used, n_ellipsis, subscripts))
    inputs = tuple(
        term.replace("...", ellipsis[n_ellipsis - w :])
        for term, w in zip(terms, widths, strict=True)
    )
    if arrow:
        if "..." not in rhs and n_ellipsis:
            raise ValueError(
                f"einsum: {subscripts!r}: the operands' '...' spans {n_ellipsis} axes, so the "
                "output needs '...' too"
            )
        output = rhs.replace("...", ellipsis)
    else:
        counts = {c: lhs.count(c) for c in set(lhs.replace("...", "")) - {","}}
        output = ellipsis + "".join(sorted(c for c, k in counts.items() if k == 1))
    if len(set(output)) != len(output):
        raise ValueError(f"einsum: {subscripts!r}: an output label appears twice")
    seen = set("".join(inputs))
    for c in output:
        if c not in seen:
            raise ValueError(f"einsum: {subscripts!r}: output label {c!r} is in no operand")
    sizes: dict[str, int] = {}
    for term, shape in zip(inputs, shapes, strict=True):
        own: dict[str, int] = {}
        for c, n in zip(term, shape, strict=True):
            if own.setdefault(c, n) != n:
                raise ValueError(
                    f"einsum: {subscripts!r}: label {c!r} is repeated in an operand of shape "
                    f"{tuple(shape)} with lengths {own[c]} and {n}; they must be equal"
                )
            known = sizes.get(c, 1)
            if n != known and known != 1 and n != 1:
                raise ValueError(
                    f"einsum: {subscripts!r}: label {c!r} has length {known} in one operand "
                    f"and {n} in another (of shape {tuple(shape)}); lengths must agree or be 1"
                )
            sizes[c] = max(known, n) if c in sizes else n
    return inputs, output, dict(sorted(sizes.items()))


def _label_sizes(terms: Sequence[str], shapes: Sequence[tuple[int, ...]]) -> dict[str, int]:
    # The length of every label of operands already checked: the largest (others are 1).
    sizes: dict[str, int] = {}
    for term, shape in zip(terms, shapes, strict=True):
        for c, n in zip(term, shape, strict=True):
            sizes[c] = max(sizes.get(c, n), n)
    return sizes


class Einsum(FunctionNode):
    """Einstein summation with explicit, resolved labels: one string per operand, one for the
    output (no ``...``, no repeated output label), and the length of every label."""

    def __init__(self, inputs: Sequence[str], output: str, sizes: dict[str, int]) -> None:
        self.terms = tuple(inputs)
        self.output = output
        self.sizes = sizes

    def forward(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(inputs) > 1:
            # Each operand's gradient needs every other operand.
            self.retain_inputs(tuple(range(len(inputs))))
        self.shapes = tuple(tuple(x.shape) for x in inputs)
        return (backend_einsum(",".join(self.terms) + "->" + self.output, *inputs),)

    def backward(
        self, target_input_indexes: tuple[int, ...], grad_outputs: tuple[Variable, ...]
    ) -> tuple[Variable, ...]:
        (gy,) = grad_outputs
        operands = self.get_retained_inputs() if len(self.terms) > 1 else ()
        data = gy.array
        xp = get_array_module(data)
        used = set("".join(self.terms)) | set(self.output)
        result = []
        for k in target_input_indexes:
            terms = [self.output]
            values: list[Any] = [gy]
            for j, term in enumerate(self.terms):
                if j != k:
                    terms.append(term)
                    values.append(operands[j])
            # A label repeated in operand k gets a fresh label, tied to it by an identity.
            target = []
            for c in self.terms[k]:
                if c in target:
                    (fresh,) = _fresh_labels(used | set(target), 1, self.output)
                    used.add(fresh)
                    terms.append(c + fresh)
                    n = self.sizes[c]
                    values.append(xp.eye(n, dtype=data.dtype, device=data.device))
                    target.append(fresh)
                else:
                    target.append(c)
            # A label that only operand k has was summed: its gradient is broadcast along it.
            covered = set("".join(terms))
            for c in target:
                if c not in covered:
                    covered.add(c)
                    terms.append(c)
                    values.append(xp.ones(self.sizes[c], dtype=data.dtype, device=data.device))
            inner = _label_sizes(terms, [tuple(v.shape) for v in values])
            (g,) = Einsum(terms, "".join(target), inner).apply(values)
            full = tuple(self.sizes[c] for c in self.terms[k])
            if tuple(g.shape) != full:  # a label of length 1 in every other operand
                g = broadcast_to(g, full)
            if full != self.shapes[k]:  # axes that operand k broadcast from length 1
                g = sum_to(g, self.shapes[k])
            result.append(g)
        return tuple(result)


def einsum(subscripts: str, *operands: Any) -> Variable:
    """Einstein summation of ``operands`` (Variables or arrays of one dtype and device) as
    ``subscripts`` say, with NumPy's rules (see the module docstring).

    >>> import numpy as np
    >>> from gradkit_ops.linalg import einsum
    >>> a = np.arange(6.0).reshape(2, 3)
    >>> einsum("ij,kj->ik", a, a).array
    array([[ 5., 14.],
           [14., 50.]])
    >>> einsum("ii", np.diag([1.0, 2.0])).array
    array(3.)
    """
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    for i, x in enumerate(operands):
        if not hasattr(x, "dtype"):
            raise TypeError(
                f"einsum: operand {i} is a {type(x).__name__}; pass Variables or arrays"
            )
        if x.dtype != operands[0].dtype:
            raise TypeError(
                f"einsum: operand {i} has dtype {x.dtype} but operand 0 has {operands[0].dtype};"
                " cast them to one dtype first"
            )
    terms, output, sizes = parse_subscripts(subscripts, [tuple(x.shape) for x in operands])
    return Einsum(terms, output, sizes).apply(operands)[0]


def _case(subscripts: str) -> Any:
    def factory() -> Any:
        return lambda *xs: einsum(subscripts, *xs)

    return factory


def _reference(subscripts: str) -> Any:
    def reference(*xs: Any) -> Any:
        return numpy.asarray(numpy.einsum(subscripts, *xs)).astype(xs[0].dtype)

    return reference


# (name, subscripts, shape cases): one spec each; the shapes give one shape per operand.
_CASES: list[tuple[str, str, list[Any]]] = [
    ("einsum", "ij,jk->ik", [((3, 4), (4, 2)), ((3, 0), (0, 2)), ((1, 1), (1, 1))]),
    ("einsum.implicit", "ij,kj", [((3, 4), (2, 4)), "3x4_2x4nc"]),
    ("einsum.batch", "bij,bjk->bik", [((2, 3, 4), (2, 4, 2)), ((0, 3, 4), (0, 4, 2))]),
    ("einsum.trace", "ii", [(3, 3), (0, 0)]),
    ("einsum.diagonal", "ii->i", [(3, 3), "3x3nc"]),
    ("einsum.diag_sum", "iij->ji", [(2, 2, 3), "2x2x3nc"]),
    ("einsum.transpose", "ij->ji", [(3, 4), "3x4nc"]),
    ("einsum.sum", "ijk->j", [(2, 3, 4), (2, 0, 4)]),
    ("einsum.outer", "i,j->ij", [((3,), (4,)), ((0,), (2,))]),
    ("einsum.scalar", ",ij->ij", [((), (3, 4))]),
    ("einsum.dot", "i,i", [((4,), (4,)), "4_4nc"]),
    ("einsum.elementwise", "ij,ij->ij", [((3, 4), (3, 4)), "3x4_3x4nc"]),
    ("einsum.three", "ij,jk,kl->il", [((2, 3), (3, 4), (4, 2))]),
    ("einsum.bilinear", "ni,nj,ijk->nk", [((2, 3), (2, 4), (3, 4, 2))]),
    ("einsum.repeated", "ij,ij,jk->ik", [((2, 3), (2, 3), (3, 2))]),
    ("einsum.broadcast", "ij,jk->ik", [((3, 1), (2, 4)), ((1, 4), (4, 2))]),
    ("einsum.ellipsis", "...ij,...jk->...ik", [((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (4, 2))]),
    ("einsum.ellipsis_implicit", "i...", [(2, 3, 4), (2,)]),
    ("einsum.spaces", "b i , b i -> b", [((3, 4), (3, 4))]),
]
for _name, _subscripts, _shapes in _CASES:
    _n = len(_subscripts.split("->")[0].split(","))
    op_spec(
        name=_name,
        inputs=_n,
        factory=_case(_subscripts),
        shapes=_shapes,
        reference=_reference(_subscripts),
    )(einsum)

op_spec(
    name="einsum.examples",
    inputs=[Input(), Input()],
    factory=_case("ij,jk"),
    shapes=[((2, 2), (2, 2))],
    reference=_reference("ij,jk"),
    examples=[
        (
            [numpy.array([[1.0, 2.0], [3.0, 4.0]]), numpy.array([[0.0, 1.0], [1.0, 0.0]])],
            numpy.array([[2.0, 1.0], [4.0, 3.0]]),
        )
    ],
)(einsum)
Einsum.spec = Unchecked("built and checked by einsum(), which has the specs")
