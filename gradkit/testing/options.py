"""The one definition of the case-selection options, shared by the pytest plugin and the CLI.

Each :class:`Option` says its name, help, how to parse a command-line string and its default.
The CLI registers them as ``--dtypes``, ``--devices``...; the pytest plugin as
``--gradkit-dtypes``, ``--gradkit-devices``... (options with ``in_pytest=False``, such as ``-k``,
are pytest's own). Both then hand the parsed values to
:meth:`gradkit.testing.Selection.from_options`, so the same command line selects the same cases.

This module imports only the standard library, so a plugin can register the options without
importing NumPy. It also holds the vocabulary of names the options accept (dtypes, devices,
checks) and the parsers that validate them, so a typo is an error, never an empty selection.

>>> from gradkit.testing.options import OPTIONS, parse_dtypes
>>> [option.flag for option in OPTIONS][:3]
['--dtypes', '--devices', '--shapes']
>>> parse_dtypes("float32, float64")
('float32', 'float64')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DTYPES",
    "CHECKS",
    "DEVICES",
    "Option",
    "OPTIONS",
    "OPTIONS_BY_NAME",
    "parse_dtypes",
    "parse_devices",
    "parse_checks",
    "parse_shape_tokens",
    "normalize_device",
]

#: The floating dtypes ops are checked in (the default of every spec).
DTYPES: tuple[str, ...] = ("float16", "float32", "float64")

#: The checks a case can run: forward vs a reference, first and second order gradients, and
#: agreement between cpu and another device.
CHECKS: tuple[str, ...] = ("forward", "backward", "double_backward", "device")

#: The device names a spec or a selection may use (``gpu:N`` is accepted too).
DEVICES: tuple[str, ...] = ("cpu", "strict", "gpu")

_GPU_RE = re.compile(r"gpu(?::(\d+))?")
# A shape token as it appears in case ids: "scalar", "3x4", "3x4_4", "0x3", "3x4nc",
# "hypothesis" (hypothesis-driven cases) or "ex0" (a hand-computed example).
_DIM_RE = r"(?:scalar|\d+(?:x\d+)*)"
_SHAPE_TOKEN_RE = re.compile(rf"{_DIM_RE}(?:_{_DIM_RE})*(?:nc)?|hypothesis|ex\d+")


def _split(value: str | Iterable[str]) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [item.strip() for item in value if item.strip()]


def _check_names(kind: str, given: list[str], known: Iterable[str]) -> tuple[str, ...]:
    known = tuple(known)
    for name in given:
        if name not in known:
            raise ValueError(f"unknown {kind} {name!r}; the {kind}s are {', '.join(known)}")
    if not given:
        raise ValueError(f"empty list of {kind}s; name at least one of {', '.join(known)}")
    return tuple(dict.fromkeys(given))


def parse_dtypes(value: str | Iterable[str]) -> tuple[str, ...]:
    """Parse ``"float32,float64"`` (or a list of names) into a tuple of dtype names.

    >>> parse_dtypes(["float16"])
    ('float16',)
    """
    return _check_names("dtype", _split(value), DTYPES)


def normalize_device(name: str) -> str:
    """The canonical spelling of a device name: ``"gpu:0"`` is ``"gpu"``; ``"GPU:1"`` is
    ``"gpu:1"``. Raises ``ValueError`` for an unknown name (availability is not checked).

    >>> normalize_device("gpu:0")
    'gpu'
    """
    lowered = name.strip().lower()
    if lowered in ("cpu", "strict"):
        return lowered
    match = _GPU_RE.fullmatch(lowered)
    if match is None:
        raise ValueError(f"unknown device {name!r}; the devices are cpu, strict, gpu, gpu:N")
    index = match.group(1)
    return "gpu" if index in (None, "0") else f"gpu:{int(index)}"


def parse_devices(value: str | Iterable[str]) -> tuple[str, ...]:
    """Parse ``"cpu,strict"`` into a tuple of canonical device names.

    >>> parse_devices("cpu, gpu:0")
    ('cpu', 'gpu')
    """
    names = [normalize_device(name) for name in _split(value)]
    if not names:
        raise ValueError("empty list of devices; name at least one of cpu, strict, gpu")
    return tuple(dict.fromkeys(names))


def parse_checks(value: str | Iterable[str]) -> tuple[str, ...]:
    """Parse ``"backward,device"`` into a tuple of check names (``double-backward`` is
    accepted for ``double_backward``).

    >>> parse_checks("backward,double-backward")
    ('backward', 'double_backward')
    """
    return _check_names("check", [n.replace("-", "_") for n in _split(value)], CHECKS)


def parse_shape_tokens(value: str | Iterable[str]) -> tuple[str, ...]:
    """Parse ``"3x4,scalar"`` into a tuple of shape tokens, as they appear in case ids.

    A token is ``scalar``, dimensions joined by ``x`` (``3x4``, ``0x3``), one such shape per
    input joined by ``_`` (``3x4_4``), with an ``nc`` suffix for non-contiguous inputs
    (``3x4nc``); also ``hypothesis`` (hypothesis-driven cases) and ``exN`` (hand-computed
    examples).

    >>> parse_shape_tokens("3x4, 3x4_4")
    ('3x4', '3x4_4')
    """
    tokens = _split(value)
    for token in tokens:
        if _SHAPE_TOKEN_RE.fullmatch(token) is None:
            raise ValueError(
                f"invalid shape {token!r}; write dimensions joined by 'x' (3x4), 'scalar' for "
                "a 0-d array, one shape per input joined by '_' (3x4_4), and an 'nc' suffix "
                "for non-contiguous inputs (3x4nc)"
            )
    if not tokens:
        raise ValueError("empty list of shapes; name at least one, e.g. 3x4")
    return tuple(dict.fromkeys(tokens))


def _integer(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{what}; got {value!r}") from None


def _parse_seed(value: str) -> int:
    seed = _integer(value, "the seed must be a non-negative integer, e.g. 0")
    if seed < 0:
        raise ValueError(f"the seed must be a non-negative integer; got {value}")
    return seed


def _parse_count(value: str) -> int:
    count = _integer(value, "the number of examples must be an integer >= 0, e.g. 100")
    if count < 0:
        raise ValueError(f"the number of examples must be >= 0; got {value}")
    return count


@dataclass(frozen=True)
class Option:
    """One selection or runner option, defined once for the CLI and the pytest plugin.

    Attributes:
        name: the key of the parsed value (``Selection.from_options`` reads it).
        flag: the CLI flag (``--dtypes``); the plugin's is ``--gradkit-`` + the flag's name.
        help: one-line help text.
        parse: turns a command-line string into the value (raises ``ValueError`` on bad input);
            ``None`` for a flag that takes no value.
        default: the value when the option is not given (``None``: no filter).
        metavar: the placeholder shown in ``--help``.
        short: an extra short flag for the CLI (``-k``).
        in_pytest: whether the plugin registers it (``-k`` is pytest's own).
    """

    name: str
    flag: str
    help: str
    parse: Callable[[str], Any] | None
    default: Any = None
    metavar: str | None = None
    short: str | None = None
    in_pytest: bool = True

    @property
    def pytest_flag(self) -> str:
        """The flag under pytest: ``--gradkit-dtypes`` for ``--dtypes``."""
        return "--gradkit-" + self.flag.removeprefix("--")

    @property
    def is_switch(self) -> bool:
        """Whether the option is an on/off switch (no value)."""
        return self.parse is None


#: Every option, in the order ``--help`` lists them.
OPTIONS: tuple[Option, ...] = (
    Option(
        "dtypes",
        "--dtypes",
        "comma-separated dtypes to check (default: each op's own, e.g. float16,float32,float64)",
        parse_dtypes,
        metavar="DTYPES",
    ),
    Option(
        "devices",
        "--devices",
        "comma-separated devices: cpu, strict, gpu, gpu:N (default: each op's own; a gpu case "
        "without CuPy or a CUDA device is reported as skipped)",
        parse_devices,
        metavar="DEVICES",
    ),
    Option(
        "shapes",
        "--shapes",
        "comma-separated shapes as they appear in case ids: 3x4, scalar, 3x4_4, 3x4nc, 0x3 "
        "(default: each op's own)",
        parse_shape_tokens,
        metavar="SHAPES",
    ),
    Option(
        "checks",
        "--checks",
        "comma-separated checks: forward, backward, double_backward, device (default: each "
        "op's own)",
        parse_checks,
        metavar="CHECKS",
    ),
    Option(
        "keyword",
        "--keyword",
        "only cases whose id matches this expression of substrings, 'and', 'or', 'not' and "
        "parentheses, as pytest's -k (e.g. 'tanh and not float16')",
        str,
        metavar="EXPR",
        short="-k",
        in_pytest=False,
    ),
    Option(
        "seed",
        "--seed",
        "global seed, combined with each case id into the case's seed (default: 0)",
        _parse_seed,
        default=0,
        metavar="N",
    ),
    Option(
        "hypothesis",
        "--hypothesis",
        "add per op, dtype, device and check one hypothesis-driven case that tries N examples "
        "and shrinks a failure to a minimal one (default: 0, none)",
        _parse_count,
        default=0,
        metavar="N",
    ),
    Option(
        "require_gpu",
        "--require-gpu",
        "report gpu cases as errors, not skips, when CuPy or a CUDA device is missing",
        None,
        default=False,
    ),
)

#: The options by name.
OPTIONS_BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}
