"""The corpora: every planted bug is caught by the right sub-check (with its diagnosis), and
every correct op passes on 100 seeds per dtype. Generated from the entries, one test each."""

from __future__ import annotations

import pytest
from corpus_bugs import BUGS
from corpus_correct import ENTRIES
from corpus_run import run_entry

BUG_SEEDS = 3
CORRECT_SEEDS = 100

CATEGORIES = {
    "sign", "scale", "transpose", "broadcast", "multi-input", "indices", "routing", "softmax",
    "saved-values", "small-error", "dtype", "shape", "count", "device", "mutation",
    "nondeterminism", "nan", "second-order", "int-input", "zero-grad-output",
}  # fmt: skip


def test_the_bug_corpus_is_large_and_covers_every_category() -> None:
    assert len(BUGS) >= 40
    assert len({b.name for b in BUGS}) == len(BUGS)
    assert {b.category for b in BUGS} == CATEGORIES


def test_the_correct_corpus_is_large() -> None:
    assert len(ENTRIES) >= 25
    assert len({e.name for e in ENTRIES}) == len(ENTRIES)


BUG_CASES = [
    pytest.param(bug, dtype, id=f"{bug.name}-{dtype}") for bug in BUGS for dtype in bug.dtypes
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN bugs divide by zero
@pytest.mark.parametrize(("bug", "dtype"), BUG_CASES)
def test_planted_bug_is_caught(bug, dtype) -> None:
    for seed in range(BUG_SEEDS):
        result = run_entry(bug, dtype, seed, bug.device)
        assert result.status.value == "failed", result.render()
        assert result.subcheck == bug.subcheck, result.render()
        if bug.diagnosis is not None:
            assert result.diagnosis is not None and bug.diagnosis in result.diagnosis, (
                result.render()
            )


CORRECT_CASES = [
    pytest.param(entry, dtype, device, id=f"{entry.name}-{dtype}-{device}")
    for entry in ENTRIES
    for dtype in entry.dtypes
    for device in entry.devices
    if not (device == "strict" and dtype == "float16")  # array-api-strict has no float16
]


@pytest.mark.parametrize(("entry", "dtype", "device"), CORRECT_CASES)
def test_correct_op_passes_on_100_seeds(entry, dtype, device) -> None:
    for seed in range(CORRECT_SEEDS):
        result = run_entry(entry, dtype, seed, device)
        assert result.passed, f"seed {seed}:\n{result.render()}"
