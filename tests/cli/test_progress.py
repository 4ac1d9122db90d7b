"""Progress on stderr: one line per op, in op order, or one redrawn line on a terminal."""

from __future__ import annotations

import io

from gradkit.cli.progress import Progress
from gradkit.testing import OpSpec, Selection, discover, generate_cases, run_cases


def _square(x):
    return x * x


def _half(x):
    return x * 0.5


_square.spec = OpSpec(dtypes="float64", devices="cpu", shapes=[(2, 3), (4,)])
_half.spec = OpSpec(dtypes="float64", devices="cpu", checks=["backward"])


def _results():
    cases = generate_cases(discover(_square, _half).targets, Selection())
    return cases, list(run_cases(cases))


def test_one_line_per_op_in_op_order_whatever_the_order_of_results() -> None:
    cases, results = _results()
    stream = io.StringIO()
    progress = Progress(cases, stream, interactive=False)
    progress.write("header")
    for result in reversed(results):  # as worker processes may finish them
        progress.update(result)
    progress.finish()
    assert stream.getvalue().splitlines() == [
        "header",
        "_half    ok      1 passed",
        "_square  ok      4 passed",
    ]


def test_one_redrawn_line_on_a_terminal() -> None:
    cases, results = _results()
    stream = io.StringIO()
    progress = Progress(cases, stream, interactive=True)
    for result in results:
        progress.update(result)
    text = stream.getvalue()
    assert "\n" not in text and text.startswith("\r[")
    # The last redraw shows the whole run: at least the first and the last draw happen.
    assert "[5/5] 100%  0 failed  _square" in text
    progress.finish()
    assert stream.getvalue().endswith("\r")
    assert progress.done == 5 and progress.failed == 0


def test_quiet_writes_nothing() -> None:
    cases, results = _results()
    stream = io.StringIO()
    progress = Progress(cases, stream, enabled=False)
    progress.write("header")
    for result in results:
        progress.update(result)
    progress.finish()
    assert stream.getvalue() == ""
