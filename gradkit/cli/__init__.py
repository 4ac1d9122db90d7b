"""The ``gradkit`` command: ``gradkit check`` and ``gradkit list`` (also ``python -m gradkit``).

A thin shell over :mod:`gradkit.testing`: the options are the shared
:data:`gradkit.testing.OPTIONS` (the pytest plugin registers the same ones as
``--gradkit-*``), the cases come from :func:`gradkit.testing.generate_cases` and run through
:func:`gradkit.testing.run_case`, so the CLI and pytest agree on case ids and verdicts.

Exit status: 0 when every selected check passed, 1 when at least one failed, 2 for a usage or
import error, an op that needs a spec, or a selection without any case; a failure takes
precedence over an op that needs a spec (status 1, the report lists both). Bad input is
reported in one paragraph on stderr, without a traceback unless ``--traceback`` is given.

>>> main(["--version"])  # doctest: +ELLIPSIS
gradkit 0...
0
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

from gradkit.cli.errors import USAGE_EXIT, UsageError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gradkit`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit
    status (the console script exits with it)."""
    from gradkit.cli.arguments import build_parser
    from gradkit.cli.check import run_check
    from gradkit.cli.listing import run_list

    argv = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in argv
    commands = {"check": run_check, "list": run_list}
    try:
        args = build_parser().parse_args(argv)
        return commands[args.command](args)
    except SystemExit as exit:  # --help and --version
        return exit.code if isinstance(exit.code, int) else 0
    except UsageError as error:
        if show_traceback:
            traceback.print_exc()
        print(f"gradkit: error: {error}", file=sys.stderr)
        return USAGE_EXIT
    except KeyboardInterrupt:
        print("gradkit: interrupted", file=sys.stderr)
        return USAGE_EXIT
    except Exception as error:
        if show_traceback:
            traceback.print_exc()
        else:
            print(
                f"gradkit: internal error: {type(error).__name__}: {error}. This is a bug in "
                "gradkit, not in your ops: please report it, with the output of the same "
                "command run with --traceback.",
                file=sys.stderr,
            )
        return USAGE_EXIT
