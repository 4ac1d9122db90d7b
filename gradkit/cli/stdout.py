"""Writing to stdout when the reader may stop early (``gradkit list --ids | head``): the rest
of the output is dropped quietly and the exit status stays the verdict's, never a crash."""

from __future__ import annotations

import os
import sys

__all__ = ["emit"]

_closed: list[bool] = []  # set once the reader has gone


def emit(text: str) -> None:
    """Print ``text`` and a newline to stdout, flushed; after a broken pipe, print nothing."""
    if _closed:
        return
    try:
        print(text, flush=True)
    except BrokenPipeError:
        _closed.append(True)
        # Python would report the pipe again when it flushes stdout at exit: point stdout at
        # /dev/null instead.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
