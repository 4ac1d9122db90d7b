"""Cases: op x dtype x shape x device x check, with stable ids and seeds derived from them.

A case id reads ``<op>-<dtype>-<shape>-<device>-<check>``, e.g.
``tanh-float32-3x4-cpu-backward``. The shape token is ``scalar`` for 0-d, ``0x3`` for
zero-size, one shape per input joined by ``_`` (``3x4_4``), with ``nc`` appended for
non-contiguous inputs; ``hypothesis`` for a hypothesis-driven case and ``exN`` for the N-th
hand-computed example of the forward check. Ids contain no spaces, so they work as pytest
ids and with ``-k``.

The seed of a case is ``zlib.crc32(id, global_seed)``: stable across processes and runs (never
``hash()``, which is salted per process), so pytest-xdist workers and a rerun agree.

Generation order is deterministic: targets in the given order (discovery sorts them by name),
then dtypes, shapes, devices and checks in the spec's order. The device check compares cpu with
another device, so it exists for the other devices only.

>>> from gradkit.testing.cases import case_seed
>>> case_seed("tanh-float32-3x4-cpu-backward") == case_seed("tanh-float32-3x4-cpu-backward")
True
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from gradkit.testing.selection import Selection
from gradkit.testing.shapes import ShapeCase
from gradkit.testing.spec import Skip
from gradkit.testing.target import Target

__all__ = ["Case", "generate_cases", "case_id", "case_seed"]


def case_id(name: str, dtype: str, shape: str, device: str, check: str) -> str:
    """The id of a case: its names joined by ``-`` (``shape`` is a token).

    >>> case_id("tanh", "float32", "3x4", "cpu", "backward")
    'tanh-float32-3x4-cpu-backward'
    """
    return f"{name}-{dtype}-{shape}-{device}-{check}"


def case_seed(case_id: str, global_seed: int = 0) -> int:
    """The seed of a case: the CRC-32 of its id, started from the global seed.

    >>> case_seed("tanh-float32-3x4-cpu-backward", 0) != case_seed(
    ...     "tanh-float32-3x4-cpu-backward", 1)
    True
    """
    return zlib.crc32(case_id.encode("utf-8"), global_seed & 0xFFFFFFFF)


@dataclass(frozen=True)
class Case:
    """One case: a target checked in one dtype, shape, device and check.

    Attributes:
        target: the op and its spec.
        dtype, device, check: names.
        shape: the shape case; ``None`` for a hypothesis-driven case and for a hand-computed
            example.
        example: the index of the spec's hand-computed example (forward check), or ``None``.
        hypothesis: examples to draw for a hypothesis-driven case, 0 otherwise.
        global_seed: the global seed the case seed derives from.
    """

    target: Target
    dtype: str
    shape: ShapeCase | None
    device: str
    check: str
    example: int | None = None
    hypothesis: int = 0
    global_seed: int = 0

    @property
    def shape_token(self) -> str:
        """The shape part of the id: a shape token, ``hypothesis`` or ``exN``."""
        if self.hypothesis:
            return "hypothesis"
        if self.example is not None:
            return f"ex{self.example}"
        assert self.shape is not None
        return self.shape.token

    @property
    def id(self) -> str:
        """The stable id, e.g. ``tanh-float32-3x4-cpu-backward``."""
        return case_id(self.target.name, self.dtype, self.shape_token, self.device, self.check)

    @property
    def seed(self) -> int:
        """The case's seed (see :func:`case_seed`)."""
        return case_seed(self.id, self.global_seed)

    @property
    def expectation(self) -> Skip | None:
        """The spec's Skip or XFail entry for this case, if one matches."""
        return self.target.spec.expectation(self.dtype, self.device, self.check, self.shape_token)


def _applies(target: Target, check: str, device: str, example: int | None) -> bool:
    """Whether ``check`` applies to a variant on ``device``: examples feed the forward check
    only; the forward check of generated inputs needs a reference; the device check compares
    cpu with another device."""
    if check == "device" and device == "cpu":
        return False
    if example is not None:
        return check == "forward"
    return check != "forward" or target.spec.reference is not None


def generate_cases(targets: Iterable[Target], selection: Selection | None = None) -> list[Case]:
    """Every selected case of ``targets``, in a deterministic order (see the module).

    Raises ``ValueError`` if two cases would share an id (two targets with one name).
    """
    selection = selection or Selection()
    cases: list[Case] = []
    seen: dict[str, Target] = {}
    for target in targets:
        other = seen.setdefault(target.name, target)
        if other is not target:
            if other.path == target.path and other.spec is target.spec:
                continue  # the same op named twice on the command line
            raise ValueError(
                f"two ops are both named {target.name!r} in case ids: {other.path} and "
                f"{target.path}; give one a distinct OpSpec(name=...)"
            )
        spec = target.spec
        # (shape, example, hypothesis) in id order: the shapes, the examples, hypothesis.
        variants: list[tuple[ShapeCase | None, int | None, int]] = [
            (s, None, 0) for s in spec.shapes
        ]
        variants += [(None, k, 0) for k in range(len(spec.examples))]
        if selection.hypothesis:
            variants.append((None, None, selection.hypothesis))
        for dtype in spec.dtypes:
            for shape, example, hypothesis in variants:
                for device in spec.devices:
                    for check in spec.checks:
                        if not _applies(target, check, device, example):
                            continue
                        case = Case(
                            target,
                            dtype,
                            shape,
                            device,
                            check,
                            example=example,
                            hypothesis=hypothesis,
                            global_seed=selection.seed,
                        )
                        if selection.accepts(case.id, dtype, case.shape_token, device, check):
                            cases.append(case)
    return cases
