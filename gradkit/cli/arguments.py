"""The command line: ``gradkit check`` and ``gradkit list``, built from the shared options.

The selection options (``--dtypes``, ``--devices``, ``--shapes``, ``--checks``, ``-k``,
``--seed``, ``--hypothesis``, ``--require-gpu``) come from :data:`gradkit.testing.OPTIONS`, the
definition the pytest plugin registers as ``--gradkit-dtypes``... Their parsers validate the
names, so a typo is a usage error (exit status 2), never an empty run.

>>> args = build_parser().parse_args(["check", "custom_ops", "--dtypes", "float64", "-j", "2"])
>>> args.command, args.targets, args.dtypes, args.jobs
('check', ['custom_ops'], ('float64',), 2)
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any, NoReturn

from gradkit.cli.errors import UsageError
from gradkit.testing.options import OPTIONS, Option

__all__ = ["build_parser", "OUTPUT_FORMATS", "parse_jobs"]

#: The formats of ``--output-format``: what goes to stdout.
OUTPUT_FORMATS: tuple[str, ...] = ("text", "json", "junit", "github")

_DESCRIPTION = "Verify the hand-written backward passes of ops against numerical derivatives."
_EPILOG = (
    "exit status: 0 every selected check passed; 1 at least one failed; 2 usage or import "
    "error, an op that needs a spec, or nothing selected (1 wins over 2: a failure is never "
    "reported as merely incomplete)."
)
_TARGETS_HELP = (
    "a module or package (all its checkable Functions and FunctionNodes), or an op as "
    "pkg.mod.Op or pkg.mod:Op; the current directory is importable"
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are :class:`UsageError` (one paragraph, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}. Run '{self.prog} --help' for usage.")


def _option_type(option: Option) -> Callable[[str], Any]:
    parse = option.parse
    assert parse is not None

    def convert(value: str) -> Any:
        try:
            return parse(value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = option.name
    return convert


def parse_jobs(value: str) -> int:
    """``--jobs``: a number of worker processes >= 1, or ``auto`` (one per CPU).

    >>> parse_jobs("3"), parse_jobs("auto") >= 1
    (3, True)
    """
    if value == "auto":
        return os.cpu_count() or 1
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(
            f"expected a number of worker processes >= 1 or 'auto'; got {value!r}"
        )
    return jobs


def _add_selection(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("selection (the same options as pytest's --gradkit-*)")
    for option in OPTIONS:
        flags = [option.flag] if option.short is None else [option.short, option.flag]
        if option.is_switch:
            group.add_argument(
                *flags, dest=option.name, action="store_true", default=False, help=option.help
            )
        else:
            group.add_argument(
                *flags,
                dest=option.name,
                type=_option_type(option),
                default=option.default,
                metavar=option.metavar,
                help=option.help,
            )


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", nargs="+", metavar="TARGET", help=_TARGETS_HELP)
    _add_selection(parser)
    parser.add_argument(
        "-j",
        "--jobs",
        type=parse_jobs,
        default=1,
        metavar="N",
        help="run the cases in N worker processes ('auto': one per CPU); the verdicts are "
        "those of --jobs 1 (default: 1)",
    )
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="show the Python traceback of an import or usage error, and after each error "
        "report the traceback of the exception the op raised",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``gradkit`` parser, with its ``check`` and ``list`` subcommands."""
    from gradkit import __version__

    parser = _Parser(prog="gradkit", description=_DESCRIPTION, epilog=_EPILOG)
    parser.add_argument("--version", action="version", version=f"gradkit {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, required=True
    )

    check = commands.add_parser(
        "check",
        help="check the gradients of ops (every selected case), report and exit 0, 1 or 2",
        description=_DESCRIPTION + " Progress goes to stderr; the report to stdout.",
        epilog=_EPILOG,
    )
    _add_common(check)
    output = check.add_argument_group("output")
    output.add_argument(
        "--output-format",
        choices=OUTPUT_FORMATS,
        default="text",
        help="what stdout gets: the text report (default), a JSON document, a JUnit XML "
        "document, or GitHub Actions annotations followed by the text report",
    )
    output.add_argument("--junit-xml", metavar="PATH", help="also write a JUnit XML report to PATH")
    output.add_argument(
        "--coverage",
        action="store_true",
        help="after the summary, print the op x dtype x device x check table",
    )
    output.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print the report of every failing case (default: at most 3 per op)",
    )
    output.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")

    listing = commands.add_parser(
        "list",
        help="list the ops found, their specs and the case matrix",
        description="List the ops of TARGETs, their specs and the selected cases, without "
        "running them (except with --coverage).",
        epilog=_EPILOG,
    )
    _add_common(listing)
    listing.add_argument(
        "--ids", action="store_true", help="print the selected case ids, one per line"
    )
    listing.add_argument(
        "--coverage",
        action="store_true",
        help="run the cases and print the op x dtype x device x check table: verified, "
        "skipped (with the reason) or failing",
    )
    return parser
