"""The one error the CLI reports without a traceback: bad input, exit status 2."""

from __future__ import annotations

__all__ = ["UsageError", "USAGE_EXIT"]

#: The exit status of a usage or import error, or of a run that selects nothing.
USAGE_EXIT = 2


class UsageError(Exception):
    """Bad input (an unknown module, a typo in a filter, an op that needs a spec...): the
    message is one paragraph saying what is wrong and what to do; the exit status is 2."""
