"""The plan of a run: the TARGETs imported and discovered, and the selected cases.

Everything that can go wrong before a case runs is checked here and raised as a
:class:`~gradkit.cli.errors.UsageError` with one paragraph: a TARGET that cannot be found or
imported, an object that is not an op, ops that need a spec, a device that is not available,
and a selection that keeps no case (a typo in a filter must never make CI green).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gradkit.cli.errors import UsageError
from gradkit.cli.summary import quantity
from gradkit.testing.options import OPTIONS

if TYPE_CHECKING:
    from gradkit.testing import Case, Discovery

__all__ = ["Plan", "make_plan", "selection_values", "check_devices"]


@dataclass(frozen=True)
class Plan:
    """What a run checks.

    Attributes:
        targets: the TARGETs as given on the command line.
        values: the parsed option values, keyed by :data:`gradkit.testing.OPTIONS` names (what
            worker processes rebuild the selection from).
        discovery: what :func:`gradkit.testing.discover` found.
        cases: the selected cases, in their deterministic order.
    """

    targets: tuple[str, ...]
    values: dict[str, Any]
    discovery: Discovery
    cases: list[Case]

    @property
    def require_gpu(self) -> bool:
        """Whether a missing GPU is an error (``--require-gpu``)."""
        return bool(self.values.get("require_gpu"))

    @property
    def seed(self) -> int:
        """The global seed."""
        return int(self.values.get("seed") or 0)

    @property
    def op_count(self) -> int:
        """How many ops (targets bound to a spec) the run covers."""
        return len({c.target.name for c in self.cases})


def selection_values(args: argparse.Namespace) -> dict[str, Any]:
    """The shared options' values from parsed arguments."""
    return {option.name: getattr(args, option.name) for option in OPTIONS}


def _given_filters(values: dict[str, Any]) -> str:
    shown = []
    for option in OPTIONS:
        value = values.get(option.name)
        if option.name in ("dtypes", "devices", "shapes", "checks") and value is not None:
            shown.append(f"{option.flag} {','.join(value)}")
        elif option.name == "keyword" and value is not None:
            shown.append(f"-k {value!r}")
    return " ".join(shown)


def check_devices(devices: tuple[str, ...] | None) -> None:
    """Raise :class:`UsageError` unless every device named on the command line is available
    here (one asked for explicitly is a promise, not a wish: see ``--devices`` and
    :func:`gradkit.testing.runner.require_devices`, which the pytest plugin shares)."""
    from gradkit.testing.runner import require_devices

    try:
        require_devices(devices, "--devices")
    except ValueError as error:
        raise UsageError(str(error)) from error


def _make_importable(directory: str) -> None:
    # `gradkit check mypkg` finds mypkg in the current directory, as `python -m` would.
    if directory not in sys.path and os.path.realpath(directory) not in map(
        os.path.realpath, (p or "." for p in sys.path)
    ):
        sys.path.insert(0, directory)


def make_plan(args: argparse.Namespace, *, allow_empty: bool = False) -> Plan:
    """Import and discover ``args.targets`` and select their cases.

    Raises :class:`UsageError` as the module says; with ``allow_empty``, a selection without
    cases is not an error (``gradkit list`` shows what exists).
    """
    from gradkit.testing import DiscoveryError, Selection, discover, generate_cases

    _make_importable(os.getcwd())
    values = selection_values(args)
    try:
        selection = Selection.from_options(values)
    except ValueError as error:  # an invalid -k expression
        raise UsageError(str(error)) from error
    check_devices(selection.devices)
    targets = tuple(args.targets)
    try:
        discovery = discover(*targets)
    except DiscoveryError as error:
        raise UsageError(str(error)) from error
    if not discovery.targets:
        if discovery.needs_spec:
            raise UsageError("\n\n".join(n.message for n in discovery.needs_spec))
        excluded = f" ({len(discovery.excluded)} marked Unchecked)" if discovery.excluded else ""
        raise UsageError(
            f"found no op to check in {' '.join(targets)}{excluded}: no Function or "
            "FunctionNode class is defined there and nothing carries an OpSpec. Name the "
            "module or package that defines your ops, or an op itself (mypkg.ops.Linear)."
        )
    try:
        cases = generate_cases(discovery.targets, selection)
    except ValueError as error:
        raise UsageError(str(error)) from error
    if not cases and not allow_empty:
        total = len(generate_cases(discovery.targets, Selection(seed=selection.seed)))
        raise UsageError(
            f"no case selected: of the {quantity(total, 'case')} of "
            f"{quantity(len(discovery.targets), 'op')} in "
            f"{' '.join(targets)}, none matches {_given_filters(values) or 'the options'}. "
            f"'gradkit list {' '.join(targets)}' shows the ops, their dtypes, shapes, "
            "devices and checks."
        )
    return Plan(targets, values, discovery, cases)
