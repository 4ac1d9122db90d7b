"""Progress on stderr while cases run.

On a terminal, one line redrawn in place: cases done, percentage, failures so far, and the op
running. Elsewhere (a CI log, a pipe), one line per op once all its cases are done, in the
order of the ops, whatever the order in which worker processes finish them::

    linear   FAILED  19 passed, 5 failed, 42 skipped
    logcosh  ok      34 passed, 32 skipped
"""

from __future__ import annotations

import collections
import shutil
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from gradkit.cli.summary import format_counts

if TYPE_CHECKING:
    from gradkit.testing import Case, CaseResult

__all__ = ["Progress"]

# Redraws per second of the terminal line, at most.
_REDRAW_INTERVAL_S = 0.1


class Progress:
    """Reports the progress of the cases of a run on ``stream`` (default: stderr).

    Args:
        cases: the cases about to run, in their order.
        stream: where to write.
        interactive: one redrawn line (a terminal) or one line per op; default:
            ``stream.isatty()``.
        enabled: ``False`` writes nothing (``--quiet``).
    """

    def __init__(
        self,
        cases: Sequence[Case],
        stream: TextIO | None = None,
        *,
        interactive: bool | None = None,
        enabled: bool = True,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.enabled = enabled
        self.total = len(cases)
        self.done = 0
        self.failed = 0
        self._remaining: dict[str, int] = collections.Counter(c.target.name for c in cases)
        self._ops = list(self._remaining)  # first-appearance order
        self._counts: dict[str, collections.Counter[str]] = {
            name: collections.Counter() for name in self._ops
        }
        self._next_op = 0
        self._width = max((len(name) for name in self._ops), default=0)
        self._last_draw = 0.0
        self._drawn = False

    def write(self, text: str) -> None:
        """Write a line (a header, a notice) without garbling the progress line."""
        if not self.enabled:
            return
        self._clear()
        print(text, file=self.stream, flush=True)

    def update(self, result: CaseResult) -> None:
        """Account for one finished case."""
        name = result.case.target.name
        self.done += 1
        self.failed += not result.ok
        self._counts[name][result.outcome.value] += 1
        self._remaining[name] -= 1
        if not self.enabled:
            return
        if self.interactive:
            now = time.monotonic()
            if now - self._last_draw >= _REDRAW_INTERVAL_S or self.done == self.total:
                self._draw(name)
                self._last_draw = now
        else:
            self._flush_finished_ops()

    def finish(self) -> None:
        """Clear the progress line (on a terminal)."""
        if self.enabled:
            self._clear()

    def op_line(self, name: str) -> str:
        """The line of a finished op: its name, ``ok`` or ``FAILED``, and its counts."""
        counts = self._counts[name]
        ok = not any(counts[o] for o in ("failed", "error", "xpassed", "nondifferentiable"))
        counted = format_counts(counts, always=())
        return f"{name:<{self._width}}  {'ok' if ok else 'FAILED':<6}  {counted}"

    def _flush_finished_ops(self) -> None:
        while self._next_op < len(self._ops) and not self._remaining[self._ops[self._next_op]]:
            print(self.op_line(self._ops[self._next_op]), file=self.stream, flush=True)
            self._next_op += 1

    def _draw(self, current: str) -> None:
        columns = shutil.get_terminal_size((80, 24)).columns
        percent = 100 * self.done // max(self.total, 1)
        line = f"[{self.done}/{self.total}] {percent:3d}%  {self.failed} failed  {current}"
        line = line[: columns - 1]
        self.stream.write("\r" + line.ljust(columns - 1))
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            columns = shutil.get_terminal_size((80, 24)).columns
            self.stream.write("\r" + " " * (columns - 1) + "\r")
            self.stream.flush()
            self._drawn = False
